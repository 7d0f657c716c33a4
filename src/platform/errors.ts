/**
 * The one catalogue of error codes. A code, once published, keeps its meaning and status forever
 * (clients switch on it); add new codes, never repurpose old ones. Every error body is
 * `{ error: { code, message, requestId, docs } }`.
 */
export const errorCatalogue = {
  validation_failed: { status: 400, message: 'The request is not valid; see details for each field.' },
  malformed_json: { status: 400, message: 'The request body is not valid JSON.' },
  unsupported_media_type: { status: 415, message: 'Send the body as application/json.' },
  payload_too_large: { status: 413, message: 'The request body is larger than this endpoint accepts.' },
  unauthenticated: { status: 401, message: 'Sign in first: this endpoint needs a session.' },
  invalid_credentials: { status: 401, message: 'The e-mail or password is wrong.' },
  mfa_required: { status: 401, message: 'Enter the code from your authenticator app.' },
  invalid_mfa_code: { status: 401, message: 'The authentication code is wrong or was already used.' },
  account_locked: { status: 423, message: 'Too many failed attempts; the account is locked for a while.' },
  csrf_failed: { status: 403, message: 'The CSRF token is missing or wrong; reload the page and try again.' },
  forbidden: { status: 403, message: 'Your role does not allow this action.' },
  account_not_active: {
    status: 403,
    message: 'Your account is not active yet; see your account status page.',
  },
  not_found: { status: 404, message: 'No such resource, or you cannot see it.' },
  route_not_found: { status: 404, message: 'No such endpoint. See /api/v1/openapi.json for the API.' },
  method_not_allowed: { status: 405, message: 'This endpoint does not accept that method.' },
  conflict: { status: 409, message: 'The request conflicts with the current state.' },
  already_exists: { status: 409, message: 'A resource with these details already exists.' },
  idempotency_in_flight: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed.',
  },
  idempotency_key_reused: { status: 422, message: 'This Idempotency-Key was used with a different request.' },
  idempotency_key_required: { status: 400, message: 'This operation requires an Idempotency-Key header.' },
  rate_limited: { status: 429, message: 'Too many requests; wait before retrying (see Retry-After).' },
  service_unavailable: { status: 503, message: 'The service is temporarily unable to handle this request.' },
  dev_mailbox_disabled: {
    status: 404,
    message:
      'The development mailbox is off: it is served only outside production, to a server listening on a loopback address.',
  },
  internal_error: { status: 500, message: 'Something went wrong on our side; the request id identifies it.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type CoreErrorCode = keyof typeof errorCatalogue;

/** Codes added by modules register themselves here (status + default message), once, at import. */
const extraCodes = new Map<string, { status: number; message: string }>();

export function registerErrorCodes(codes: Record<string, { status: number; message: string }>): void {
  for (const [code, def] of Object.entries(codes)) {
    const existing = (errorCatalogue as Record<string, { status: number }>)[code] ?? extraCodes.get(code);
    if (existing && existing.status !== def.status) {
      throw new Error(`error code ${code} registered twice with different statuses`);
    }
    extraCodes.set(code, def);
  }
}

export function lookupError(code: string): { status: number; message: string } {
  return (
    (errorCatalogue as Record<string, { status: number; message: string }>)[code] ??
    extraCodes.get(code) ??
    errorCatalogue.internal_error
  );
}

export function allErrorCodes(): Record<string, { status: number; message: string }> {
  return { ...errorCatalogue, ...Object.fromEntries(extraCodes) };
}

/** Thrown anywhere below a route; the app's error handler turns it into the error body. */
export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;
  constructor(code: string, message?: string, details?: unknown, headers?: Record<string, string>) {
    const def = lookupError(code);
    super(message ?? def.message);
    this.code = code;
    this.status = def.status;
    this.details = details;
    this.headers = headers;
  }
}

export type ErrorBody = {
  error: { code: string; message: string; requestId: string; docs: string; details?: unknown };
};

export function errorBody(
  code: string,
  message: string,
  requestId: string,
  publicUrl: string,
  details?: unknown,
): ErrorBody {
  const body: ErrorBody = {
    error: { code, message, requestId, docs: `${publicUrl}/docs/errors#${code}` },
  };
  if (details !== undefined) body.error.details = details;
  return body;
}

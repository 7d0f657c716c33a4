/**
 * The one catalogue of error codes. A code, once published, keeps its meaning and status forever
 * (clients switch on it); add new codes, never repurpose old ones. Every error body is
 * `{ error: { code, message, requestId, docs } }`, where `docs` is `${publicUrl}/docs/errors#<code>`:
 * the error-code reference, which the web app renders from GET /api/v1/errors (listErrorCodes),
 * itself generated from this catalogue and the codes modules register. That is why every code
 * carries `action`: what the caller should do next, shown beside its meaning and status.
 */
export type ErrorDefinition = {
  status: number;
  /** The default message: what the code means. */
  message: string;
  /** What to do next, for the error-code reference. */
  action: string;
};

const errorCatalogue = {
  validation_failed: {
    status: 400,
    message: 'The request is not valid; see details for each field.',
    action: 'Correct each field listed in `details` (field, code and message) and send the request again.',
  },
  malformed_json: {
    status: 400,
    message: 'The request body is not valid JSON.',
    action: 'Send a well-formed JSON body in UTF-8 (check quotes, commas and brackets).',
  },
  json_too_deep: {
    status: 400,
    message: 'The request body nests arrays and objects more than 64 levels deep.',
    action: 'Flatten the body: at most 64 levels of nested arrays and objects.',
  },
  unsupported_media_type: {
    status: 415,
    message: 'Send the body as application/json.',
    action: 'Send the body with Content-Type: application/json.',
  },
  payload_too_large: {
    status: 413,
    message: 'The request body is larger than this endpoint accepts.',
    action: 'Send a smaller body; split a large batch into several requests.',
  },
  unauthenticated: {
    status: 401,
    message: 'Sign in first: this endpoint needs a session.',
    action:
      'Sign in (POST /api/v1/sessions), then send the session cookie with its x-csrf-token, or the session token as a bearer token.',
  },
  invalid_credentials: {
    status: 401,
    message: 'The e-mail or password is wrong.',
    action:
      'Check the e-mail address and the password; if you are not sure of the password, ask for a reset link from the sign-in page before the account locks.',
  },
  mfa_required: {
    status: 401,
    message: 'Enter the code from your authenticator app.',
    action:
      'Send the sign-in again with `code`: the 6-digit code from your authenticator app, or one of your recovery codes.',
  },
  invalid_mfa_code: {
    status: 401,
    message: 'The authentication code is wrong or was already used.',
    action:
      'Wait for the next code in your authenticator app (each code works once) and check the phone’s clock, or use a recovery code.',
  },
  account_locked: {
    status: 423,
    message: 'Too many failed attempts; the account is locked for a while.',
    action: 'Wait until the lock ends (Retry-After says when, if given), or reset your password by e-mail.',
  },
  csrf_failed: {
    status: 403,
    message: 'The CSRF token is missing or wrong; reload the page and try again.',
    action:
      'Reload the page. Scripts send the x-csrf-token header with the token the session endpoints return.',
  },
  forbidden: {
    status: 403,
    message: 'Your role does not allow this action.',
    action:
      'Ask an owner or admin of the organisation (or an operator) to do this, or to give you a role that allows it.',
  },
  account_not_active: {
    status: 403,
    message: 'Your account is not active yet; see your account status page.',
    action:
      'Open your account status page: a new account waits for an operator’s approval, and you are told by e-mail.',
  },
  not_found: {
    status: 404,
    message: 'No such resource, or you cannot see it.',
    action:
      'Check the id in the URL, and that you are signed in as a member of the organisation that owns it.',
  },
  route_not_found: {
    status: 404,
    message: 'No such endpoint. See /api/v1/openapi.json for the API.',
    action:
      'Check the method and path against the OpenAPI document at /api/v1/openapi.json (gateway paths: your product’s reference).',
  },
  method_not_allowed: {
    status: 405,
    message: 'This endpoint does not accept that method.',
    action: 'Use one of the methods the OpenAPI document lists for this path.',
  },
  conflict: {
    status: 409,
    message: 'The request conflicts with the current state.',
    action:
      'Reload the resource to see its current state, then decide whether the change still applies; the message names the conflict.',
  },
  already_exists: {
    status: 409,
    message: 'A resource with these details already exists.',
    action: 'Use the existing resource, or choose different details (a different name or e-mail address).',
  },
  idempotency_in_flight: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed.',
    action:
      'Wait for the first request with this Idempotency-Key to finish, then send it again: you get that request’s answer.',
  },
  idempotency_key_reused: {
    status: 422,
    message: 'This Idempotency-Key was used with a different request.',
    action:
      'Use a new Idempotency-Key for a different request; repeat a key only to repeat exactly the same request.',
  },
  idempotency_key_required: {
    status: 400,
    message: 'This operation requires an Idempotency-Key header.',
    action: 'Send an Idempotency-Key header with a new unique value (a UUID, for example).',
  },
  rate_limited: {
    status: 429,
    message: 'Too many requests; wait before retrying (see Retry-After).',
    action:
      'Wait the seconds Retry-After gives before sending again; the RateLimit headers show the remaining budget.',
  },
  service_unavailable: {
    status: 503,
    message: 'The service is temporarily unable to handle this request.',
    action:
      'Retry after a short wait (Retry-After, when given); if it persists, tell the operator the request id.',
  },
  dev_mailbox_disabled: {
    status: 404,
    message:
      'The development mailbox is off: it is served only outside production, to a server listening on a loopback address.',
    action:
      'Outside production, run the server on a loopback address (HOST=127.0.0.1) to read mail here; in production mail goes out over SMTP.',
  },
  internal_error: {
    status: 500,
    message: 'Something went wrong on our side; the request id identifies it.',
    action:
      'Retry once; if it happens again, report the request id (the x-request-id header) to the operator.',
  },
} as const satisfies Record<string, ErrorDefinition>;

export type CoreErrorCode = keyof typeof errorCatalogue;

/** The reference groups codes by area: the catalogue above is 'General'. */
const CORE_AREA = 'General';

/**
 * Codes added by modules register themselves here (status, default message, what to do next and
 * the area the reference lists them under), once, at import.
 */
const extraCodes = new Map<string, ErrorDefinition & { area: string }>();

export function registerErrorCodes(codes: Record<string, ErrorDefinition>, opts: { area: string }): void {
  for (const [code, def] of Object.entries(codes)) {
    const existing = (errorCatalogue as Record<string, { status: number }>)[code] ?? extraCodes.get(code);
    if (existing && existing.status !== def.status) {
      throw new Error(`error code ${code} registered twice with different statuses`);
    }
    extraCodes.set(code, { ...def, area: opts.area });
  }
}

export function lookupError(code: string): ErrorDefinition {
  return (
    (errorCatalogue as Record<string, ErrorDefinition>)[code] ??
    extraCodes.get(code) ??
    errorCatalogue.internal_error
  );
}

/** Every registered code: the core catalogue first, then modules' codes in registration order. */
export function allErrorCodes(): Record<string, ErrorDefinition & { area: string }> {
  const core = Object.entries(errorCatalogue as Record<string, ErrorDefinition>).map(
    ([code, def]) => [code, { ...def, area: CORE_AREA }] as const,
  );
  return Object.fromEntries([...core, ...extraCodes]);
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

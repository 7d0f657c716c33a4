/**
 * Error codes: each module declares its own as a `const` catalogue in its `errors.ts` (this file
 * holds the General ones every module shares), and the composition root (src/main.ts) composes
 * them once into the one `ErrorCatalogue` it hands to the app's error handler, the error-code
 * reference, the OpenAPI document, the CLI and the OAuth renderer. Nothing registers at import.
 *
 * A code, once published, keeps its meaning and status forever (clients switch on it); add new
 * codes, never repurpose old ones. Every error body is `{ error: { code, message, requestId, docs } }`,
 * where `docs` is `${publicUrl}/docs/errors#<code>`: the error-code reference, which the web app
 * renders from GET /api/v1/errors (listErrorCodes), generated from the composed catalogue. That is
 * why every code carries `action`: what the caller should do next, shown beside its meaning and status.
 */
export type ErrorEntry = {
  status: number;
  /** The default message: what the code means. */
  message: string;
  /** What to do next, for the error-code reference. */
  action: string;
  /** Where the code comes from: the reference groups codes by it. */
  area: string;
};

const AREA = 'General';

export const coreErrors = {
  validation_failed: {
    status: 400,
    message: 'The request is not valid; see details for each field.',
    action: 'Correct each field listed in `details` (field, code and message) and send the request again.',
    area: AREA,
  },
  malformed_json: {
    status: 400,
    message: 'The request body is not valid JSON.',
    action: 'Send a well-formed JSON body in UTF-8 (check quotes, commas and brackets).',
    area: AREA,
  },
  json_too_deep: {
    status: 400,
    message: 'The request body nests arrays and objects more than 64 levels deep.',
    action: 'Flatten the body: at most 64 levels of nested arrays and objects.',
    area: AREA,
  },
  unsupported_media_type: {
    status: 415,
    message: 'Send the body as application/json.',
    action: 'Send the body with Content-Type: application/json.',
    area: AREA,
  },
  payload_too_large: {
    status: 413,
    message: 'The request body is larger than this endpoint accepts.',
    action: 'Send a smaller body; split a large batch into several requests.',
    area: AREA,
  },
  unauthenticated: {
    status: 401,
    message: 'Sign in first: this endpoint needs a session.',
    action:
      'Sign in (POST /api/v1/sessions), then send the session cookie with its x-csrf-token, or the session token as a bearer token.',
    area: AREA,
  },
  invalid_credentials: {
    status: 401,
    message: 'The e-mail or password is wrong.',
    action:
      'Check the e-mail address and the password; if you are not sure of the password, ask for a reset link from the sign-in page before the account locks.',
    area: AREA,
  },
  mfa_required: {
    status: 401,
    message: 'Enter the code from your authenticator app.',
    action:
      'Send the sign-in again with `code`: the 6-digit code from your authenticator app, or one of your recovery codes.',
    area: AREA,
  },
  invalid_mfa_code: {
    status: 401,
    message: 'The authentication code is wrong or was already used.',
    action:
      'Wait for the next code in your authenticator app (each code works once) and check the phone’s clock, or use a recovery code.',
    area: AREA,
  },
  account_locked: {
    status: 423,
    message: 'Too many failed attempts; the account is locked for a while.',
    action: 'Wait until the lock ends (Retry-After says when, if given), or reset your password by e-mail.',
    area: AREA,
  },
  csrf_failed: {
    status: 403,
    message: 'The CSRF token is missing or wrong; reload the page and try again.',
    action:
      'Reload the page. Scripts send the x-csrf-token header with the token the session endpoints return.',
    area: AREA,
  },
  forbidden: {
    status: 403,
    message: 'Your role does not allow this action.',
    action:
      'Ask an owner or admin of the organisation (or an operator) to do this, or to give you a role that allows it.',
    area: AREA,
  },
  account_not_active: {
    status: 403,
    message: 'Your account is not active yet; see your account status page.',
    action:
      'Open your account status page: a new account waits for an operator’s approval, and you are told by e-mail.',
    area: AREA,
  },
  not_found: {
    status: 404,
    message: 'No such resource, or you cannot see it.',
    action:
      'Check the id in the URL, and that you are signed in as a member of the organisation that owns it.',
    area: AREA,
  },
  route_not_found: {
    status: 404,
    message: 'No such endpoint. See /api/v1/openapi.json for the API.',
    action:
      'Check the method and path against the OpenAPI document at /api/v1/openapi.json (gateway paths: your product’s reference).',
    area: AREA,
  },
  method_not_allowed: {
    status: 405,
    message: 'This endpoint does not accept that method.',
    action: 'Use one of the methods the OpenAPI document lists for this path.',
    area: AREA,
  },
  conflict: {
    status: 409,
    message: 'The request conflicts with the current state.',
    action:
      'Reload the resource to see its current state, then decide whether the change still applies; the message names the conflict.',
    area: AREA,
  },
  already_exists: {
    status: 409,
    message: 'A resource with these details already exists.',
    action: 'Use the existing resource, or choose different details (a different name or e-mail address).',
    area: AREA,
  },
  idempotency_in_flight: {
    status: 409,
    message: 'A request with this Idempotency-Key is still being processed.',
    action:
      'Wait for the first request with this Idempotency-Key to finish, then send it again: you get that request’s answer.',
    area: AREA,
  },
  idempotency_key_reused: {
    status: 422,
    message: 'This Idempotency-Key was used with a different request.',
    action:
      'Use a new Idempotency-Key for a different request; repeat a key only to repeat exactly the same request.',
    area: AREA,
  },
  idempotency_key_required: {
    status: 400,
    message: 'This operation requires an Idempotency-Key header.',
    action: 'Send an Idempotency-Key header with a new unique value (a UUID, for example).',
    area: AREA,
  },
  rate_limited: {
    status: 429,
    message: 'Too many requests; wait before retrying (see Retry-After).',
    action:
      'Wait the seconds Retry-After gives before sending again; the RateLimit headers show the remaining budget.',
    area: AREA,
  },
  service_unavailable: {
    status: 503,
    message: 'The service is temporarily unable to handle this request.',
    action:
      'Retry after a short wait (Retry-After, when given); if it persists, tell the operator the request id.',
    area: AREA,
  },
  dev_mailbox_disabled: {
    status: 404,
    message:
      'The development mailbox is off: it is served only outside production, to a server listening on a loopback address.',
    action:
      'Outside production, run the server on a loopback address (HOST=127.0.0.1) to read mail here; in production mail goes out over SMTP.',
    area: AREA,
  },
  internal_error: {
    status: 500,
    message: 'Something went wrong on our side; the request id identifies it.',
    action:
      'Retry once; if it happens again, report the request id (the x-request-id header) to the operator.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

/** The codes of a catalogue, as members of `ErrorCodes`. */
export type CatalogueCodes<C> = { readonly [K in keyof C]: ErrorEntry };

/**
 * Every error code, at type level only. Each module's `errors.ts` adds its catalogue's codes by
 * declaration merging (`declare module '../../platform/errors.ts' { interface ErrorCodes extends
 * CatalogueCodes<typeof xErrors> {} }`), so platform code knows every code without importing a
 * module, and a misspelt code fails `tsc`. (Exported for those augmentations.)
 *
 * @public
 */
export interface ErrorCodes extends CatalogueCodes<typeof coreErrors> {}

export type ErrorCode = keyof ErrorCodes & string;

/** Every module's catalogue composed: one entry per code. */
export type ErrorCatalogue = { readonly [K in ErrorCode]: ErrorEntry };

type KeysOfEach<U> = U extends unknown ? keyof U : never;

/**
 * Composes the modules' catalogues (in the order given, which is the reference's order). `tsc`
 * refuses a list that leaves out a catalogue whose codes are in `ErrorCode`; a code declared by two
 * catalogues throws here, at startup.
 */
export function composeErrorCatalogue<const P extends readonly Readonly<Record<string, ErrorEntry>>[]>(
  parts: P &
    ([Exclude<ErrorCode, KeysOfEach<P[number]>>] extends [never]
      ? unknown
      : { missingCatalogueFor: Exclude<ErrorCode, KeysOfEach<P[number]>> }),
): ErrorCatalogue {
  const out: Record<string, ErrorEntry> = {};
  for (const part of parts) {
    for (const [code, entry] of Object.entries(part)) {
      if (Object.hasOwn(out, code)) throw new Error(`error code ${code} is declared by two catalogues`);
      out[code] = entry;
    }
  }
  return out as ErrorCatalogue;
}

type AppErrorOptions = {
  /** Replaces the catalogue's default message. */
  message?: string;
  details?: unknown;
  headers?: Record<string, string>;
};

/**
 * Thrown anywhere below a route; the app's error handler turns it into the error body, taking the
 * status (and, unless one was given, the message) from the composed catalogue: `errorAnswer`.
 */
export class AppError extends Error {
  readonly code: ErrorCode;
  /** The message given where it was thrown; without one the catalogue's default answers. */
  readonly ownMessage: string | undefined;
  readonly details: unknown;
  readonly headers: Record<string, string> | undefined;
  constructor(code: ErrorCode, opts: AppErrorOptions = {}) {
    // `message` (logs, the CLI, tests) is the given one, else a General code's default; a module's
    // code without a message reads as the code itself until errorAnswer gives its catalogue's.
    super(opts.message ?? (coreErrors as Partial<Record<string, ErrorEntry>>)[code]?.message ?? code);
    this.code = code;
    this.ownMessage = opts.message;
    this.details = opts.details;
    this.headers = opts.headers;
  }
}

/** The status and message an AppError answers with. */
export function errorAnswer(catalogue: ErrorCatalogue, err: AppError): { status: number; message: string } {
  const def = catalogue[err.code] ?? catalogue.internal_error;
  return { status: def.status, message: err.ownMessage ?? def.message };
}

export type ErrorBody = {
  error: { code: string; message: string; requestId: string; docs: string; details?: unknown };
};

export function errorBody(
  code: ErrorCode,
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

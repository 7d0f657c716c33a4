import { errorBody, registerErrorCodes } from '../../platform/errors.ts';

/**
 * Gateway refusals. Most use the house error body `{ error: { code, message, requestId, docs } }`;
 * limit and capacity refusals (429, 503) are RFC 9457 problem documents that carry the house
 * `error` member too, so a client that only knows one shape still finds the code.
 */
registerErrorCodes(
  {
    gateway_invalid_client: {
      status: 401,
      message: 'The client id is missing, unknown or not active.',
      action:
        'Send X-IBM-Client-Id with the client id of an active app (shown on the app’s page in the portal).',
    },
    gateway_invalid_client_secret: {
      status: 401,
      message: 'This operation needs the X-IBM-Client-Secret header with a valid client secret.',
      action: 'Send the X-IBM-Client-Secret header with an active secret of the app.',
    },
    gateway_invalid_token: {
      status: 401,
      message: 'The access token is missing, expired, revoked or issued to another client.',
      action:
        'Get a new access token from this catalog’s oauth2/token endpoint and send it as Authorization: Bearer <token>.',
    },
    gateway_token_in_query: {
      status: 400,
      message: 'Send the access token in the Authorization header, never in the query string.',
      action:
        'Send the token in the Authorization: Bearer header, and get a new one: a token in a URL may have been logged.',
    },
    gateway_insufficient_scope: {
      status: 403,
      message: 'The access token does not carry the needed scope.',
      action: 'Ask for a token with the scope the WWW-Authenticate header names (scope=1LinkApi).',
    },
    gateway_app_not_active: {
      status: 403,
      message: 'The application is suspended or revoked.',
      action: 'Check the app’s status in the portal and ask an operator about a suspension.',
    },
    gateway_wrong_environment: {
      status: 403,
      message: 'The application or token belongs to another catalog (sandbox or production).',
      action:
        'Call with the credentials and token of an app registered for this catalog, or call the catalog the app belongs to.',
    },
    gateway_not_subscribed: {
      status: 403,
      message: 'The application has no active subscription to the product of this operation.',
      action:
        'Subscribe the app to a plan of this product in the portal (a plan that needs approval works once an operator approves it).',
    },
    gateway_terms_not_accepted: {
      status: 403,
      message: 'The terms in force have not been accepted.',
      action:
        'Have an owner or admin accept the terms in force on the organisation’s terms page; the x-terms-code header gives the reason.',
    },
    gateway_limiter_unavailable: {
      status: 503,
      message: 'Rate limits cannot be checked right now, so limited operations are refused; retry shortly.',
      action: 'Nothing was processed: retry after Retry-After.',
    },
    gateway_overloaded: {
      status: 503,
      message: 'The gateway is saturated; the heaviest consumers are asked to slow down.',
      action: 'Slow down and retry after Retry-After.',
    },
    gateway_upstream_unavailable: {
      status: 502,
      message: 'The upstream network did not answer in time.',
      action:
        'Retry after a short wait; for an operation that moves money, retry with the same Idempotency-Key so it is not carried out twice.',
    },
    gateway_upstream_not_configured: {
      status: 503,
      message: 'No upstream is configured for this operation in this catalog.',
      action:
        'Use the sandbox catalog, or ask the operator when this operation will be available in this catalog.',
    },
    gateway_end_user_cap: {
      status: 429,
      message: 'The plan’s cap on distinct end users served in this period is reached.',
      action: 'Wait for the next period, or ask for a higher limit from the app’s page in the portal.',
    },
    gateway_invalid_idempotency_key: {
      status: 400,
      message: 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.',
      action: 'Send an Idempotency-Key of 1 to 255 visible ASCII characters, a UUID for example.',
    },
  },
  { area: 'Gateway' },
);

export type ViolatedPolicy = { id: string; limit: number; windowSeconds: number; retryAfterSeconds: number };

export class GatewayError extends Error {
  readonly code: string;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** 'problem' → application/problem+json (429/503 limit and capacity refusals). */
  readonly shape: 'house' | 'problem';
  readonly violated: ViolatedPolicy[] | undefined;
  constructor(
    code: string,
    status: number,
    message: string,
    opts: { headers?: Record<string, string>; shape?: 'house' | 'problem'; violated?: ViolatedPolicy[] } = {},
  ) {
    super(message);
    this.code = code;
    this.status = status;
    this.headers = opts.headers ?? {};
    this.shape = opts.shape ?? 'house';
    this.violated = opts.violated;
  }
}

const realm = 'realm="darwaza"';

/** RFC 6750 §3: a 401 names the scheme; an error code only when credentials were presented. */
export function wwwAuthenticate(
  error?: 'invalid_request' | 'invalid_token' | 'insufficient_scope',
  description?: string,
  scope?: string,
): string {
  let v = `Bearer ${realm}`;
  if (scope) v += `, scope="${scope}"`;
  if (error) v += `, error="${error}"`;
  if (description) v += `, error_description="${description.replace(/["\\]/g, '')}"`;
  return v;
}

export function gatewayError(
  code: string,
  status: number,
  message: string,
  opts?: ConstructorParameters<typeof GatewayError>[3],
): GatewayError {
  return new GatewayError(code, status, message, opts);
}

/** The body and content type for a refusal. */
export function renderGatewayError(
  err: GatewayError,
  requestId: string,
  publicUrl: string,
): { contentType: string; payload: string } {
  const house = errorBody(err.code, err.message, requestId, publicUrl);
  if (err.shape === 'house')
    return { contentType: 'application/json; charset=utf-8', payload: JSON.stringify(house) };
  const problem: Record<string, unknown> = {
    type: `${publicUrl}/docs/errors#${err.code}`,
    title: err.status === 429 ? 'Too Many Requests' : 'Service Unavailable',
    status: err.status,
    detail: err.message,
    instance: `urn:request:${requestId}`,
  };
  if (err.violated) problem['violated-policies'] = err.violated;
  problem.error = house.error;
  return { contentType: 'application/problem+json; charset=utf-8', payload: JSON.stringify(problem) };
}

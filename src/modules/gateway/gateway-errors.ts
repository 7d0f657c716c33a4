import type { ErrorCode } from '../../platform/errors.ts';

/**
 * Gateway refusals (rendered by respond/bodies.ts). Most use the house error body `{ error: { code, message, requestId, docs } }`;
 * limit and capacity refusals (429, 503) are RFC 9457 problem documents that carry the house
 * `error` member too, so a client that only knows one shape still finds the code. Codes are
 * `ErrorCode`s (the gateway's own are in errors.ts, beside the General ones); a refusal names its
 * status itself, because RFC 6750 sometimes answers a code with another status (a malformed token
 * is 400, a missing one 401), and so the hot path does no catalogue lookup.
 */
export type ViolatedPolicy = { id: string; limit: number; windowSeconds: number; retryAfterSeconds: number };

export class GatewayError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly headers: Record<string, string>;
  /** 'problem' → application/problem+json (429/503 limit and capacity refusals). */
  readonly shape: 'house' | 'problem';
  readonly violated: ViolatedPolicy[] | undefined;
  constructor(
    code: ErrorCode,
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
  code: ErrorCode,
  status: number,
  message: string,
  opts?: ConstructorParameters<typeof GatewayError>[3],
): GatewayError {
  return new GatewayError(code, status, message, opts);
}

import { type CatalogueCodes, coreErrors, type ErrorCode } from '../../platform/errors.ts';
import { oauthErrors } from './errors.ts';

/**
 * The OAuth endpoints' stable codes. An OAuth error body keeps RFC 6749's shape and `error` value
 * (clients and libraries switch on it) and adds `darwaza_code`, one of these (or a core code such as
 * `service_unavailable`), and `error_uri`, that code's entry on the error-code page
 * (`${publicUrl}/docs/errors#<code>`). The codes live in errors.ts; an OAuthError takes its status from
 * its code's entry there, so the page and the answers cannot disagree.
 */
const statuses: { readonly [K in OAuthCode | CoreErrorCode]: { status: number } } = {
  ...coreErrors,
  ...oauthErrors,
};

type CoreErrorCode = keyof CatalogueCodes<typeof coreErrors>;

export type OAuthCode = keyof typeof oauthErrors;

/** RFC 6749 §5.2 (plus §4.1.2.1's `temporarily_unavailable` and `server_error`). */
export type OAuthErrorValue =
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  | 'temporarily_unavailable'
  | 'server_error';

export class OAuthError extends Error {
  readonly error: OAuthErrorValue;
  /** The stable code: `darwaza_code` in the body. */
  readonly code: OAuthCode | CoreErrorCode;
  readonly status: number;
  readonly retryAfterS: number | undefined;
  constructor(
    error: OAuthErrorValue,
    code: OAuthCode | CoreErrorCode,
    description: string,
    retryAfterS?: number,
  ) {
    super(description);
    this.error = error;
    this.code = code;
    this.status = statuses[code].status;
    this.retryAfterS = retryAfterS;
  }
}

export type OAuthErrorBody = {
  error: OAuthErrorValue;
  error_description: string;
  darwaza_code: ErrorCode;
  error_uri: string;
};

export function oauthErrorBody(
  error: OAuthErrorValue,
  code: ErrorCode,
  description: string,
  publicUrl: string,
): OAuthErrorBody {
  return {
    error,
    error_description: description,
    darwaza_code: code,
    error_uri: `${publicUrl}/docs/errors#${code}`,
  };
}

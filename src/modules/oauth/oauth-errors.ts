import { type CoreErrorCode, lookupError, registerErrorCodes } from '../../platform/errors.ts';

/**
 * The OAuth endpoints' stable codes. An OAuth error body keeps RFC 6749's shape and `error` value
 * (clients and libraries switch on it) and adds `darwaza_code`, one of these (or a core code such as
 * `service_unavailable`), and `error_uri`, that code's entry on the error-code page
 * (`${publicUrl}/docs/errors#<code>`). Each code's status is registered here once; an OAuthError
 * takes its status from its code, so the page and the answers cannot disagree.
 */
const oauthErrorCodes = {
  oauth_invalid_request: {
    status: 400,
    message: 'The token request is malformed (see error_description): send a form body with grant_type.',
  },
  oauth_unknown_catalog: {
    status: 404,
    message: 'No such catalog: use sandbox or production.',
  },
  oauth_client_auth_failed: {
    status: 401,
    message:
      'Client authentication failed: missing or malformed credentials, an unknown client id, or a wrong, revoked or expired secret.',
  },
  oauth_app_not_active: {
    status: 401,
    message: 'The application is suspended or revoked.',
  },
  oauth_wrong_catalog: {
    status: 401,
    message: 'These credentials belong to the other catalog (sandbox or production).',
  },
  oauth_not_subscribed: {
    status: 401,
    message: 'The application has no active subscription, so no token is issued ("client_id unauthorized").',
  },
  oauth_unsupported_grant_type: {
    status: 400,
    message: 'Only grant_type=client_credentials is supported.',
  },
  oauth_invalid_scope: {
    status: 400,
    message: 'Unknown scope: the only scope is 1LinkApi.',
  },
  oauth_address_throttled: {
    status: 429,
    message:
      'Too many failed client authentications for this client from your address, which is refused for a while (see Retry-After).',
  },
  oauth_client_throttled: {
    status: 429,
    message:
      'This client reached its hourly cap on failed authentications; until that falls, only addresses that recently obtained a token for it are served (see Retry-After).',
  },
} as const satisfies Record<string, { status: number; message: string }>;

registerErrorCodes(oauthErrorCodes);

export type OAuthCode = keyof typeof oauthErrorCodes;

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
    this.status = lookupError(code).status;
    this.retryAfterS = retryAfterS;
  }
}

export type OAuthErrorBody = {
  error: OAuthErrorValue;
  error_description: string;
  darwaza_code: string;
  error_uri: string;
};

export function oauthErrorBody(
  error: OAuthErrorValue,
  code: string,
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

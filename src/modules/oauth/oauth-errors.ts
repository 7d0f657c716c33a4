import {
  type CoreErrorCode,
  type ErrorDefinition,
  lookupError,
  registerErrorCodes,
} from '../../platform/errors.ts';

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
    action:
      'POST a form (application/x-www-form-urlencoded) with grant_type=client_credentials; error_description names what is missing.',
  },
  oauth_unknown_catalog: {
    status: 404,
    message: 'No such catalog: use sandbox or production.',
    action: 'Use the token URL of the sandbox or the production catalog (…/sandbox/oauth2/token).',
  },
  oauth_client_auth_failed: {
    status: 401,
    message:
      'Client authentication failed: missing or malformed credentials, an unknown client id, or a wrong, revoked or expired secret.',
    action:
      'Check the client id and secret (HTTP Basic, or client_id and client_secret form fields); create a new secret in the portal if it was lost or expired.',
  },
  oauth_app_not_active: {
    status: 401,
    message: 'The application is suspended or revoked.',
    action: 'Check the app’s status in the portal and ask an operator about a suspension.',
  },
  oauth_wrong_catalog: {
    status: 401,
    message: 'These credentials belong to the other catalog (sandbox or production).',
    action: 'Ask for the token at the catalog the app is registered for (sandbox or production).',
  },
  oauth_not_subscribed: {
    status: 401,
    message: 'The application has no active subscription, so no token is issued ("client_id unauthorized").',
    action: 'Subscribe the app to a plan in the portal, then ask for a token again.',
  },
  oauth_unsupported_grant_type: {
    status: 400,
    message: 'Only grant_type=client_credentials is supported.',
    action: 'Send grant_type=client_credentials.',
  },
  oauth_invalid_scope: {
    status: 400,
    message: 'Unknown scope: the only scope is 1LinkApi.',
    action: 'Send scope=1LinkApi, or leave scope out.',
  },
  oauth_address_throttled: {
    status: 429,
    message:
      'Too many failed client authentications for this client from your address, which is refused for a while (see Retry-After).',
    action: 'Stop retrying with failing credentials: fix them, then retry after Retry-After.',
  },
  oauth_client_throttled: {
    status: 429,
    message:
      'This client reached its hourly cap on failed authentications; until that falls, only addresses that recently obtained a token for it are served (see Retry-After).',
    action:
      'Fix the credentials and retry after Retry-After; addresses that recently obtained a token for this client are still served.',
  },
} as const satisfies Record<string, ErrorDefinition>;

registerErrorCodes(oauthErrorCodes, { area: 'OAuth token endpoint' });

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

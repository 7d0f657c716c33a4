import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'OAuth token endpoint';

/**
 * The OAuth token endpoint’s stable codes: `darwaza_code` in an OAuth error body (oauth-errors.ts), beside RFC 6749’s `error`.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 * main.ts hands this catalogue, with every other module's, to the app, the error-code reference
 * and the renderers; the declaration below makes its codes part of `ErrorCode` for `tsc`.
 */
export const oauthErrors = {
  oauth_invalid_request: {
    status: 400,
    message: 'The token request is malformed (see error_description): send a form body with grant_type.',
    action:
      'POST a form (application/x-www-form-urlencoded) with grant_type=client_credentials; error_description names what is missing.',
    area: AREA,
  },
  oauth_unknown_catalog: {
    status: 404,
    message: 'No such catalog: use sandbox or production.',
    action: 'Use the token URL of the sandbox or the production catalog (…/sandbox/oauth2/token).',
    area: AREA,
  },
  oauth_client_auth_failed: {
    status: 401,
    message:
      'Client authentication failed: missing or malformed credentials, an unknown client id, or a wrong, revoked or expired secret.',
    action:
      'Check the client id and secret (HTTP Basic, or client_id and client_secret form fields); create a new secret in the portal if it was lost or expired.',
    area: AREA,
  },
  oauth_app_not_active: {
    status: 401,
    message: 'The application is suspended or revoked.',
    action: 'Check the app’s status in the portal and ask an operator about a suspension.',
    area: AREA,
  },
  // The two below answer RFC 6749's `unauthorized_client` (HTTP 400, §5.2): the client authenticated
  // (its secret was right), but it may not obtain tokens. A wrong secret stays invalid_client.
  oauth_app_suspended: {
    status: 400,
    message:
      'This app is suspended (or its organisation is): the client secret is right, but no token is issued until it is reinstated.',
    action:
      'Read the suspension notice sent to your organisation’s admins (e-mail and the portal’s notifications) for the reason and what to do; an admin can reply there or reinstate an app the organisation suspended itself.',
    area: AREA,
  },
  oauth_app_revoked: {
    status: 400,
    message:
      'This app’s access is revoked, or its organisation’s registration was terminated: no token will be issued to it again.',
    action:
      'Register a new app in the portal if your organisation is still active; if it was terminated, the notice sent to its admins says why.',
    area: AREA,
  },
  // No longer answered since issue 35 (each catalog has its own client id): credential_wrong_catalog.
  oauth_wrong_catalog: {
    status: 401,
    message: 'These credentials belong to the other catalog (sandbox or production).',
    action: 'Ask for the token at the catalog the app is registered for (sandbox or production).',
    area: AREA,
  },
  // Answered with RFC 6749's `unauthorized_client` (HTTP 400) at the token endpoint, after the secret
  // verified: the credentials are right, for the other catalog. The gateway answers the same code
  // with RFC 6750's `invalid_token` (HTTP 401) for a client id or a token of the other catalog.
  credential_wrong_catalog: {
    status: 400,
    message:
      'These credentials (or this token) belong to the other catalog: sandbox and production each have their own client id, secrets and tokens.',
    action:
      'Use the sandbox client id, secret and token at the sandbox base URL, and the production ones at the production base URL; the app’s page in the portal shows which goes with which. error_description names the catalog to use.',
    area: 'Credentials and catalogs',
  },
  oauth_not_subscribed: {
    status: 401,
    message: 'The application has no active subscription, so no token is issued ("client_id unauthorized").',
    action: 'Subscribe the app to a plan in the portal, then ask for a token again.',
    area: AREA,
  },
  oauth_unsupported_grant_type: {
    status: 400,
    message: 'Only grant_type=client_credentials is supported.',
    action: 'Send grant_type=client_credentials.',
    area: AREA,
  },
  oauth_invalid_scope: {
    status: 400,
    message: 'Unknown scope: the only scope is 1LinkApi.',
    action: 'Send scope=1LinkApi, or leave scope out.',
    area: AREA,
  },
  oauth_address_throttled: {
    status: 429,
    message:
      'Too many failed client authentications for this client from your address, which is refused for a while (see Retry-After).',
    action: 'Stop retrying with failing credentials: fix them, then retry after Retry-After.',
    area: AREA,
  },
  oauth_client_throttled: {
    status: 429,
    message:
      'This client reached its hourly cap on failed authentications; until that falls, only addresses that recently obtained a token for it are served (see Retry-After).',
    action:
      'Fix the credentials and retry after Retry-After; addresses that recently obtained a token for this client are still served.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof oauthErrors> {}
}

import type { DirectoryCache } from './directory-cache.ts';
import { GatewayError, wwwAuthenticate } from './gateway-errors.ts';
import type { Catalog } from './pipeline/call.ts';
import type { GatewayApp, VerifiedToken } from './ports.ts';

/**
 * Authenticate step: only the documented credentials are accepted.
 * - client id: `X-IBM-Client-Id` (alias `X-Client-Id`);
 * - `Authorization: Bearer <token>` (scheme case-insensitive); the token must be live, issued to
 *   the same client id, for this catalog, with the required scope;
 * - `X-IBM-Client-Secret` (alias `X-Client-Secret`) where the operation asks for it;
 * - a token in the query string is refused (400 invalid_request), never looked up.
 * 401s carry `WWW-Authenticate: Bearer realm="darwaza"` with the RFC 6750 error code when a token
 * was presented; a scope shortfall is 403 insufficient_scope.
 */
export type Authenticated = { app: GatewayApp; token: VerifiedToken };

export type AuthInput = {
  headers: Record<string, string | string[] | undefined>;
  /** The raw query string (after '?'), or '' */
  rawQuery: string;
  catalog: Catalog;
  requiresClientSecret: boolean;
  nowMs: number;
  requiredScope: string | null;
};

function header(h: AuthInput['headers'], name: string): string | undefined {
  const v = h[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

const BEARER = /^bearer[ ]+([A-Za-z0-9\-._~+/]+=*)\s*$/i;
const QUERY_TOKEN = /(?:^|&)access_token=/;

/**
 * A client id or token of the other catalog (issue 35): RFC 6750's `invalid_token` with the code
 * credential_wrong_catalog and a description naming the catalog they belong to. Each is one field
 * comparison of what the cache already returned (the client id's catalog, the token's).
 */
function wrongCatalog(what: 'client id' | 'access token', own: Catalog, asked: Catalog): GatewayError {
  const description = `this ${what} belongs to the ${own} catalog; call the ${own} base URL with it, or use the app's ${asked} credentials here`;
  return new GatewayError('credential_wrong_catalog', 401, `Wrong catalog: ${description}.`, {
    headers: { 'www-authenticate': wwwAuthenticate('invalid_token', description) },
  });
}

function invalidToken(description: string): GatewayError {
  return new GatewayError('gateway_invalid_token', 401, `The access token is not valid: ${description}.`, {
    headers: { 'www-authenticate': wwwAuthenticate('invalid_token', description) },
  });
}

/**
 * The refusal of a known app that is not active, naming whose suspension it is (issue 29 item 3):
 * the organisation's (`gateway_organization_suspended`) or the app's own (`gateway_app_suspended`);
 * a revoked app, or one of a terminated organisation, stays `gateway_app_not_active`. It is given
 * to a caller that sends the app's client id and a well-formed bearer token, before the token is
 * verified (a suspended app's tokens no longer verify, so waiting for one would answer "invalid
 * token" — the misleading answer this replaces). A client id is an identifier sent with every
 * call, not a secret; the refusal names a state, never a credential.
 */
export function notActive(app: GatewayApp): GatewayError {
  if (app.status === 'suspended' && app.orgStatus === 'suspended') {
    return new GatewayError(
      'gateway_organization_suspended',
      403,
      'The organisation of this application is suspended: its calls are refused until it is reinstated. Its admins were sent the reason and what to do next.',
    );
  }
  if (app.status === 'suspended') {
    return new GatewayError(
      'gateway_app_suspended',
      403,
      'This application is suspended: its calls are refused until it is reinstated. Its organisation’s admins were sent the reason and what to do next.',
    );
  }
  return new GatewayError('gateway_app_not_active', 403, `The application is ${app.status}.`);
}

export async function authenticate(cache: DirectoryCache, input: AuthInput): Promise<Authenticated> {
  if (input.rawQuery && QUERY_TOKEN.test(input.rawQuery)) {
    throw new GatewayError(
      'gateway_token_in_query',
      400,
      'Send the access token in the Authorization header, never in the query string.',
      { headers: { 'www-authenticate': wwwAuthenticate('invalid_request', 'token in query string') } },
    );
  }
  const clientId = header(input.headers, 'x-ibm-client-id') ?? header(input.headers, 'x-client-id');
  if (!clientId || clientId.length > 200) {
    throw new GatewayError(
      'gateway_invalid_client',
      401,
      'Send your client id in the X-IBM-Client-Id header.',
      {
        headers: { 'www-authenticate': wwwAuthenticate() },
      },
    );
  }
  const authz = header(input.headers, 'authorization');
  const m = authz === undefined ? null : BEARER.exec(authz);
  if (!m) {
    const presented = authz !== undefined && /^bearer\b/i.test(authz);
    throw new GatewayError(
      'gateway_invalid_token',
      presented ? 400 : 401,
      presented
        ? 'The Authorization header is malformed; send "Bearer <token>".'
        : 'Send an access token: Authorization: Bearer <token> (get one from the oauth2/token endpoint).',
      {
        headers: {
          'www-authenticate': presented
            ? wwwAuthenticate('invalid_request', 'malformed bearer credentials')
            : wwwAuthenticate(),
        },
      },
    );
  }
  let app = cache.appNow(clientId);
  let token = cache.tokenNow(m[1]);
  if (app === undefined || token === undefined) {
    [app, token] = await Promise.all([cache.app(clientId), cache.token(m[1], input.nowMs)]);
  }
  if (!app) {
    throw new GatewayError('gateway_invalid_client', 401, 'The client id is unknown.', {
      headers: { 'www-authenticate': wwwAuthenticate('invalid_token', 'unknown client id') },
    });
  }
  // Before the token: a suspended app's tokens no longer verify, and the caller must hear why.
  if (app.status !== 'active') throw notActive(app);
  if (app.environment !== input.catalog) throw wrongCatalog('client id', app.environment, input.catalog);
  if (!token) throw invalidToken('unknown, expired or revoked');
  if (token.expiresAtMs <= input.nowMs) throw invalidToken('expired');
  if (token.environment !== input.catalog)
    throw wrongCatalog('access token', token.environment, input.catalog);
  if (token.clientId !== app.clientId || token.appId !== app.appId)
    throw invalidToken('issued to another client');
  if (input.requiredScope && !token.scopes.includes(input.requiredScope)) {
    throw new GatewayError(
      'gateway_insufficient_scope',
      403,
      `The access token needs the scope ${input.requiredScope}.`,
      {
        headers: {
          'www-authenticate': wwwAuthenticate('insufficient_scope', 'scope too small', input.requiredScope),
        },
      },
    );
  }
  if (input.requiresClientSecret) {
    const secret = header(input.headers, 'x-ibm-client-secret') ?? header(input.headers, 'x-client-secret');
    if (!secret || secret.length > 512 || !(await cache.secretOk(app, secret))) {
      throw new GatewayError(
        'gateway_invalid_client_secret',
        401,
        'This operation needs the X-IBM-Client-Secret header with a valid client secret.',
        { headers: { 'www-authenticate': wwwAuthenticate() } },
      );
    }
  }
  return { app, token };
}

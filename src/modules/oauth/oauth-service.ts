import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { EventEmitter } from '../../platform/events.ts';
import { sourceNetwork } from '../../platform/http/source-network.ts';
import { newId, randomToken } from '../../platform/ids.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { AppDirectory } from '../apps/index.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { CatalogName } from '../catalog/index.ts';
import type { VerifiedToken } from '../gateway/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { oauthAuditActions } from './audit-actions.ts';
import { ClientAuthThrottle } from './client-auth-throttle.ts';
import { OAuthError } from './oauth-errors.ts';
import { OAuthStore, type TokenRow } from './oauth-store.ts';
import type { OAuthTables } from './tables.ts';

/**
 * OAuth 2.0 client-credentials tokens for the gateway (RFC 6749 §4.4), with revocation (RFC 7009)
 * and introspection (RFC 7662) for the app itself. Tokens are opaque: 256 bits from the CSPRNG,
 * stored only as keyring.hmac(token, 'access-token'), living at most an hour. A token is checked
 * against its app, secret, organisation and subscriptions on every verification, so it dies with
 * any of them. No refresh tokens.
 *
 * Secret guessing is throttled per (client id, source address) and capped per client id, in a way
 * that never locks the app's owner out (client-auth-throttle.ts).
 */
const TOKEN_TTL_S = 3600;
const DEFAULT_SCOPE = '1LinkApi';
const SUPPORTED_SCOPES = new Set([DEFAULT_SCOPE]);
const TOKEN_PURPOSE = 'access-token';

export type ClientCredentials = { clientId: string; clientSecret: string };
export type AuthenticatedClient = {
  appId: string;
  clientId: string;
  orgId: string;
  secretId: string;
  environment: 'sandbox' | 'production';
};

/** Where a token request came from (the endpoint's caller), and its request id. */
export type ClientRequestMeta = { ip?: string; userAgent?: string; requestId?: string };

/** The app acts at the token endpoint (its credentials were presented), from the caller's address. */
function appContext(appId: string | null, meta: ClientRequestMeta): RequestContext {
  return {
    actor: { type: 'app', id: appId },
    ip: meta.ip ?? null,
    userAgent: meta.userAgent ?? null,
    requestId: null,
  };
}

export type TokenResponse = {
  token_type: 'Bearer';
  access_token: string;
  expires_in: number;
  consented_on: number;
  scope: string;
};

export class OAuthService {
  readonly #store: OAuthStore;
  readonly #clock: Clock;
  readonly #keyring: Keyring;
  readonly #throttle: ClientAuthThrottle;
  readonly #apps: AppDirectory;
  readonly #orgAccess: OrgAccess;
  readonly #audit: ReturnType<typeof auditTrail<typeof oauthAuditActions>>;
  readonly #events: EventEmitter | undefined;
  /** Housekeeping runs at most hourly per process, riding on token issuance (no timer). */
  #lastPurgeMs = 0;

  constructor(opts: {
    db: Kysely<OAuthTables>;
    clock: Clock;
    keyring: Keyring;
    sharedState: SharedState;
    apps: AppDirectory;
    orgAccess: OrgAccess;
    audit: AuditLog;
    /** Where failed client authentications are told (oauth.client_auth_failed; absent in some tests). */
    events?: EventEmitter;
  }) {
    this.#store = new OAuthStore(opts.db);
    this.#clock = opts.clock;
    this.#keyring = opts.keyring;
    this.#throttle = new ClientAuthThrottle({ ...opts, store: this.#store });
    this.#apps = opts.apps;
    this.#orgAccess = opts.orgAccess;
    this.#audit = auditTrail(opts.audit, oauthAuditActions);
    this.#events = opts.events;
  }

  /**
   * Authenticates the client for `catalog`: known client id (the app's sandbox or production one),
   * one of that id's active secrets, app and org active, the id of that catalog. A wrong secret or
   * unknown client id counts as a failure for (client id, `meta.ip`) and for the client id
   * (ClientAuthThrottle), which may refuse the attempt before its secret is checked (429). The
   * other catalog's client id is refused only after its secret verified, naming the catalog to use.
   */
  async authenticateClient(
    creds: ClientCredentials,
    catalog: CatalogName,
    meta: ClientRequestMeta = {},
  ): Promise<AuthenticatedClient> {
    const attempt = await this.#throttle.begin(creds.clientId, meta.ip).catch(async (err: unknown) => {
      if (err instanceof OAuthError) await this.#authFailed(creds.clientId, null, 'throttled', meta);
      throw err;
    });
    let app: Awaited<ReturnType<AppDirectory['findAppByClientId']>>;
    let secretId: string | null;
    try {
      app = await this.#apps.findAppByClientId(creds.clientId);
      secretId = app
        ? await this.#apps.matchClientSecret(app.appId, creds.clientSecret, app.environment)
        : null;
    } catch (err) {
      // Not an answer about the secret: the attempt counts neither way.
      await attempt.abandoned().catch(() => {});
      throw err;
    }
    if (!app || !secretId) {
      await attempt.failed();
      await this.#audit(
        appContext(app?.appId ?? null, meta),
        'oauth.client_auth_failed',
        app ? { type: 'app', id: app.appId } : null,
        { orgId: app?.orgId ?? null, details: { reason: app ? 'wrong secret' : 'unknown client id' } },
      );
      await this.#authFailed(creds.clientId, app, app ? 'wrong_secret' : 'unknown_client', meta);
      throw new OAuthError('invalid_client', 'oauth_client_auth_failed', 'client authentication failed');
    }
    // The secret was right: whatever follows, this was no guess.
    await attempt.succeeded();
    if (app.status !== 'active') throw notActive(app.status);
    if (app.environment !== catalog)
      throw wrongCatalog(app.environment, catalog, app.productionClientId !== null);
    return {
      appId: app.appId,
      clientId: app.clientId,
      orgId: app.orgId,
      secretId,
      environment: app.environment,
    };
  }

  /** Tells subscribers (the detectors) of a failed client authentication, after it was counted. */
  async #authFailed(
    clientId: string,
    app: { appId: string; orgId: string } | null,
    reason: 'wrong_secret' | 'unknown_client' | 'throttled',
    meta: ClientRequestMeta,
  ): Promise<void> {
    await this.#events?.emit('oauth.client_auth_failed', {
      clientId: clientId.slice(0, 200),
      appId: app?.appId ?? null,
      orgId: app?.orgId ?? null,
      reason,
      ip: meta.ip ?? null,
      requestId: meta.requestId ?? null,
      atMs: this.#clock.nowMs(),
    });
  }

  async issueToken(
    client: AuthenticatedClient,
    scope: string | undefined,
    meta: ClientRequestMeta = {},
  ): Promise<TokenResponse> {
    const scopes =
      scope === undefined || scope.trim() === '' ? [DEFAULT_SCOPE] : [...new Set(scope.trim().split(/ +/))];
    for (const s of scopes) {
      if (!SUPPORTED_SCOPES.has(s)) {
        throw new OAuthError('invalid_scope', 'oauth_invalid_scope', `unknown scope ${s.slice(0, 60)}`);
      }
    }
    // API Connect refuses tokens to apps without a subscription; so do we (with its wording).
    if (!(await this.#apps.hasActiveSubscription(client.appId))) {
      throw new OAuthError('invalid_client', 'oauth_not_subscribed', 'client_id unauthorized');
    }
    const nowMs = this.#clock.nowMs();
    const token = randomToken(32);
    const id = newId('tkn', nowMs);
    await this.#store.insertToken({
      id,
      token_hash: this.#keyring.hmac(token, TOKEN_PURPOSE),
      app_id: client.appId,
      client_id: client.clientId,
      secret_id: client.secretId,
      org_id: client.orgId,
      environment: client.environment,
      scopes: scopes.join(' '),
      issued_at: new Date(nowMs).toISOString(),
      expires_at: new Date(nowMs + TOKEN_TTL_S * 1000).toISOString(),
      issued_network: meta.ip ? sourceNetwork(meta.ip) : null,
    });
    // Past the client's cap on failed secrets, this address is still served (its owner's).
    await this.#throttle.recordToken(client.clientId, meta.ip);
    if (nowMs - this.#lastPurgeMs > 3_600_000) {
      this.#lastPurgeMs = nowMs;
      void this.purgeExpired().catch(() => {});
      void this.#throttle.purge().catch(() => {});
    }
    await this.#audit(
      appContext(client.appId, meta),
      'oauth.token_issued',
      { type: 'token', id },
      { orgId: client.orgId, details: { clientId: client.clientId, scope: scopes.join(' ') } },
    );
    return {
      token_type: 'Bearer',
      access_token: token,
      expires_in: TOKEN_TTL_S,
      consented_on: Math.floor(nowMs / 1000),
      scope: scopes.join(' '),
    };
  }

  async #tokenRow(token: string): Promise<TokenRow | undefined> {
    if (typeof token !== 'string' || token.length === 0 || token.length > 512) return undefined;
    return this.#store.findTokenByHash(this.#keyring.hmac(token, TOKEN_PURPOSE));
  }

  /**
   * A live token: unexpired, unrevoked, its app, org and secret active, a subscription active, and
   * issued to the app's client id of the token's catalog (that id still the app's).
   */
  async verifyAccessToken(token: string): Promise<VerifiedToken | null> {
    const row = await this.#tokenRow(token);
    if (!row || row.revoked_at) return null;
    const expiresAtMs = Date.parse(row.expires_at);
    if (expiresAtMs <= this.#clock.nowMs()) return null;
    const app = await this.#apps.findAppById(row.app_id);
    if (app?.status !== 'active') return null;
    const catalogClientId = row.environment === 'production' ? app.productionClientId : app.sandboxClientId;
    if (catalogClientId !== row.client_id) return null;
    if (!(await this.#apps.isSecretActive(row.secret_id))) return null;
    if (!(await this.#apps.hasActiveSubscription(row.app_id))) return null;
    return {
      appId: row.app_id,
      clientId: row.client_id,
      scopes: String(row.scopes).split(' '),
      expiresAtMs,
      environment: row.environment as CatalogName,
      issuedNetwork: row.issued_network ?? null,
    };
  }

  /**
   * RFC 7009: the app revokes one of its own tokens. A revocation that changes something is
   * audited (oauth.token_revoked, the app as actor); an unknown, foreign or already revoked token
   * answers the same and records nothing.
   */
  async revoke(client: AuthenticatedClient, token: string, meta: ClientRequestMeta): Promise<void> {
    const row = await this.#tokenRow(token);
    if (!row || row.app_id !== client.appId || row.revoked_at) return;
    await this.#store.revokeToken(row.id, this.#clock.now().toISOString());
    await this.#apps.invalidate({ kind: 'client', id: client.clientId, appId: client.appId });
    await this.#audit(
      appContext(client.appId, meta),
      'oauth.token_revoked',
      { type: 'token', id: row.id },
      { orgId: client.orgId, details: { clientId: client.clientId } },
    );
  }

  /**
   * Revokes every live token of the app at once (the organisation's kill switch, enforcement);
   * returns how many. The caller tells gateways to drop the app's cached tokens.
   */
  async revokeTokensOfApp(appId: string): Promise<number> {
    return this.#store.revokeTokensOfApp(appId, this.#clock.now().toISOString());
  }

  /** RFC 7662 for the app itself: another app's token reads as inactive. */
  async introspect(client: AuthenticatedClient, token: string): Promise<Record<string, unknown>> {
    const row = await this.#tokenRow(token);
    if (!row || row.app_id !== client.appId) return { active: false };
    const v = await this.verifyAccessToken(token);
    if (!v) return { active: false };
    return {
      active: true,
      scope: v.scopes.join(' '),
      client_id: v.clientId,
      token_type: 'Bearer',
      exp: Math.floor(v.expiresAtMs / 1000),
      iat: Math.floor(Date.parse(row.issued_at) / 1000),
      sub: v.appId,
      aud: row.environment,
    };
  }

  /** Deletes tokens that expired more than a day ago (housekeeping). */
  async purgeExpired(): Promise<number> {
    const cutoff = new Date(this.#clock.nowMs() - 86_400_000).toISOString();
    return this.#store.deleteTokensExpiredBefore(cutoff);
  }

  get orgAccess(): OrgAccess {
    return this.#orgAccess;
  }
}

/**
 * The refusal of a client whose secret was right, at the other catalog's token endpoint: RFC 6749's
 * `unauthorized_client`, not `invalid_client` — the credentials are valid, so "client authentication
 * failed" would send the developer hunting for a wrong secret (issue 35) — with a description that
 * names the catalog to use. Only reached after the secret verified.
 */
function wrongCatalog(own: CatalogName, asked: CatalogName, hasProduction: boolean): OAuthError {
  const hint =
    asked === 'production' && !hasProduction
      ? ' This app has no production credentials yet: ask for production access to a product in the portal.'
      : ` Use the app’s ${asked} client id and secret here (the portal’s app page shows both).`;
  return new OAuthError(
    'unauthorized_client',
    'credential_wrong_catalog',
    `These are ${own} credentials: ask for a token at the ${own} catalog’s token endpoint.${hint}`,
  );
}

/**
 * The refusal of a client whose secret was right but whose app (or organisation) is not active:
 * RFC 6749's `unauthorized_client` — never `invalid_client`, which says the credentials are wrong —
 * with a code and a description that name the reason (issue 29, item 3). Only reached after the
 * secret verified, so it tells nothing to someone guessing secrets.
 */
function notActive(status: string): OAuthError {
  if (status === 'suspended') {
    return new OAuthError(
      'unauthorized_client',
      'oauth_app_suspended',
      'This app is suspended: no token is issued until it is reinstated (your client secret is correct). Your organisation’s admins were sent the reason and what to do next; see the notice in the portal.',
    );
  }
  if (status === 'revoked') {
    return new OAuthError(
      'unauthorized_client',
      'oauth_app_revoked',
      'This app’s access is revoked (or its organisation’s registration was terminated): no token is issued (your client secret is correct). Register a new app in the portal if your organisation is still active.',
    );
  }
  return new OAuthError('unauthorized_client', 'oauth_app_not_active', `the app is ${status}`);
}

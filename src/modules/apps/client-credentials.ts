import { AppError } from '../../platform/errors.ts';
import { randomToken } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { AppRegistry } from './app-registry.ts';
import { type AppStatus, type ClientSecretView, secretStatus, secretViewOf } from './app-views.ts';
import type { AppRow, AppsStore, SecretCatalog } from './apps-store.ts';
import { futureExpiry } from './expiry.ts';
import { insertSecret, MAX_ACTIVE_SECRETS, secretHash } from './secret-records.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/** What a secret-issuing operation records: its audit action and details. */
type SecretEvent = {
  action: 'app.secret.create' | 'app.secret.reset' | 'app.production_secret.create';
  details: Record<string, unknown>;
};

/**
 * An app's sandbox credentials: issuing, revoking and resetting its sandbox client secrets (each
 * shown once), and what the token endpoint and the gateway ask of either client id: the app behind
 * it (with its organisation's status folded in, and the catalog the id belongs to) and whether a
 * secret of that client id matches and is still active. A secret belongs to one client id: a
 * sandbox secret never authenticates the production client id, nor the reverse.
 */
export class ClientCredentials {
  readonly #d: AppsServiceDeps;
  readonly #registry: AppRegistry;

  constructor(deps: AppsServiceDeps, registry: AppRegistry) {
    this.#d = deps;
    this.#registry = registry;
  }

  async createClientSecret(
    orgId: string,
    appId: string,
    opts: { expiresAt?: string | null },
    ctx: RequestContext,
  ): Promise<{ secret: ClientSecretView; clientSecret: string }> {
    const row = await this.#registry.requireApp(orgId, appId);
    return this.issueSecret(row, 'sandbox', opts.expiresAt ?? null, ctx, async (store, expiresAt) => {
      await this.checkRoom(store, appId, 'sandbox');
      return { action: 'app.secret.create', details: { appId, expiresAt } };
    });
  }

  /** Revokes every secret and issues one new one; the client id stays. */
  async resetClientSecret(
    orgId: string,
    appId: string,
    ctx: RequestContext,
  ): Promise<{ secret: ClientSecretView; clientSecret: string }> {
    const row = await this.#registry.requireApp(orgId, appId);
    return this.issueSecret(row, 'sandbox', null, ctx, async (store) => {
      await store.revokeActiveSecrets(appId, this.#d.nowIso(), 'sandbox');
      return { action: 'app.secret.reset', details: { appId } };
    });
  }

  /**
   * Issues a new secret of the app's `catalog` client id (the app not revoked): `prepare` runs first
   * in the same transaction (and may refuse), then the secret is stored and the event recorded as
   * `prepare` names it. Gateways drop the client once it committed. The secret is returned once, here.
   */
  async issueSecret(
    row: AppRow,
    catalog: SecretCatalog,
    requestedExpiry: string | null,
    ctx: RequestContext,
    prepare: (store: AppsStore, expiresAt: string | null) => Promise<SecretEvent>,
  ): Promise<{ secret: ClientSecretView; clientSecret: string }> {
    if (row.status === 'revoked') throw new AppError('not_found');
    const clientId = catalog === 'production' ? row.production_client_id : row.client_id;
    if (!clientId) throw new AppError('production_not_granted');
    const expiresAt = futureExpiry(requestedExpiry, this.#d.clock.nowMs());
    const secret = randomToken(32);
    let id = '';
    await this.#d.store.transaction(async (store, tx) => {
      const event = await prepare(store, expiresAt);
      id = await insertSecret(this.#d, store, row.id, catalog, secret, expiresAt, ctx);
      await this.#d.audit(
        ctx,
        event.action,
        { type: 'client_secret', id },
        { orgId: row.org_id, details: event.details, tx },
      );
    });
    await this.#d.invalidate({ kind: 'client', id: clientId, appId: row.id });
    const stored = (await this.#d.store.recentSecrets(row.id, catalog)).find((s) => s.id === id)!;
    return { secret: secretViewOf(stored, this.#d.clock.nowMs()), clientSecret: secret };
  }

  /**
   * Refuses a new secret when the client id already holds its two active ones. Touching the app row
   * first serialises concurrent rotations of one app (a row lock on PostgreSQL; SQLite runs one
   * write transaction at a time), so the count holds.
   */
  async checkRoom(store: AppsStore, appId: string, catalog: SecretCatalog): Promise<void> {
    await store.updateApp(appId, { updated_at: this.#d.nowIso() });
    const rows = await store.activeSecrets(appId, catalog);
    const nowMs = this.#d.clock.nowMs();
    const active = rows.filter((r) => secretStatus(r, nowMs) === 'active').length;
    if (active >= MAX_ACTIVE_SECRETS) throw new AppError('secret_limit_reached');
  }

  async revokeClientSecret(
    orgId: string,
    appId: string,
    secretId: string,
    ctx: RequestContext,
  ): Promise<void> {
    await this.revokeSecret(orgId, appId, 'sandbox', secretId, ctx);
  }

  /** Revokes one active secret of the app's `catalog` client id (404 when it is not one). */
  async revokeSecret(
    orgId: string,
    appId: string,
    catalog: SecretCatalog,
    secretId: string,
    ctx: RequestContext,
  ): Promise<void> {
    const row = await this.#registry.requireApp(orgId, appId);
    const clientId = catalog === 'production' ? row.production_client_id : row.client_id;
    if (!clientId) throw new AppError('not_found');
    await this.#d.store.transaction(async (store, tx) => {
      const res = await store.revokeSecret(secretId, appId, catalog, this.#d.nowIso());
      if (res === 0) throw new AppError('not_found');
      await this.#d.audit(
        ctx,
        catalog === 'production' ? 'app.production_secret.revoke' : 'app.secret.revoke',
        { type: 'client_secret', id: secretId },
        { orgId, details: { appId }, tx },
      );
    });
    await this.#d.invalidate({ kind: 'client', id: clientId, appId });
  }

  /** The id of the active, unexpired secret of the app's `catalog` client id equal to `secret`, or null. */
  async matchClientSecret(appId: string, secret: string, catalog: SecretCatalog): Promise<string | null> {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 512) return null;
    const row = await this.#d.store.findSecretByHash(secretHash(this.#d.keyring, secret), appId, catalog);
    if (!row || secretStatus(row, this.#d.clock.nowMs()) !== 'active') return null;
    return row.id;
  }

  async isSecretActive(secretId: string): Promise<boolean> {
    const row = await this.#d.store.findSecret(secretId);
    return !!row && secretStatus(row, this.#d.clock.nowMs()) === 'active';
  }

  /**
   * The app behind a client id (any status), with the org's status folded in; `environment` and
   * `clientId` are those of the id given: 'production' for the app's production client id.
   */
  async findAppByClientId(clientId: string) {
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 200) return null;
    const row = await this.#d.store.findAppByClientId(clientId);
    if (!row) return null;
    return this.#gatewayApp(row, row.production_client_id === clientId ? 'production' : 'sandbox');
  }

  /** The app by id, seen through its sandbox client id (`productionClientId` names the other). */
  async findAppById(appId: string) {
    const row = await this.#d.store.findAppById(appId);
    return row ? this.#gatewayApp(row, 'sandbox') : null;
  }

  /**
   * An app of an organisation that is not active reads as suspended (revoked once terminated);
   * `orgStatus` tells the gateway whose suspension it is, so its refusal can name it.
   */
  async #gatewayApp(row: AppRow, catalog: SecretCatalog) {
    let status = row.status as AppStatus;
    const org = await this.#d.orgAccess.getOrganization(row.org_id);
    const orgStatus = org?.status ?? 'terminated';
    if (status !== 'revoked') {
      if (orgStatus === 'terminated') status = 'revoked';
      else if (orgStatus !== 'active') status = 'suspended';
    }
    return {
      appId: row.id,
      clientId: catalog === 'production' ? (row.production_client_id as string) : row.client_id,
      sandboxClientId: row.client_id,
      productionClientId: row.production_client_id ?? null,
      orgId: row.org_id,
      name: row.name,
      status,
      orgStatus,
      environment: catalog,
      publicKeyPem: row.public_key_pem ?? null,
    };
  }
}

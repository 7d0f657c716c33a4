import { AppError } from '../../platform/errors.ts';
import { randomToken } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { AppRegistry } from './app-registry.ts';
import { type AppEnvironment, type AppStatus, type ClientSecretView, secretStatus } from './app-views.ts';
import type { AppRow, AppsStore } from './apps-store.ts';
import { futureExpiry } from './expiry.ts';
import { insertSecret, MAX_ACTIVE_SECRETS, secretHash } from './secret-records.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/**
 * An app's credentials: issuing, revoking and resetting client secrets (each shown once), and what
 * the gateway's token endpoint asks of them: the app behind a client id (with its organisation's
 * status folded in) and whether a secret matches and is still active.
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
    return this.#issueSecret(orgId, appId, opts.expiresAt ?? null, ctx, async (store, expiresAt) => {
      // Touching the app row first serialises concurrent rotations of one app (a row lock on
      // PostgreSQL; SQLite runs one write transaction at a time), so the count below holds.
      await store.updateApp(appId, { updated_at: this.#d.nowIso() });
      const active = await this.#activeSecretCount(store, appId);
      if (active >= MAX_ACTIVE_SECRETS) throw new AppError('secret_limit_reached');
      return { action: 'app.secret.create', details: { appId, expiresAt } };
    });
  }

  /** Revokes every secret and issues one new one; the client id stays. */
  async resetClientSecret(
    orgId: string,
    appId: string,
    ctx: RequestContext,
  ): Promise<{ secret: ClientSecretView; clientSecret: string }> {
    return this.#issueSecret(orgId, appId, null, ctx, async (store) => {
      await store.revokeActiveSecrets(appId, this.#d.nowIso());
      return { action: 'app.secret.reset', details: { appId } };
    });
  }

  /**
   * Issues a new secret for an app that is not revoked: `prepare` runs first in the same
   * transaction (and may refuse), then the secret is stored and the event recorded as `prepare`
   * names it. Gateways drop the client once it committed. The secret is returned once, here.
   */
  async #issueSecret(
    orgId: string,
    appId: string,
    requestedExpiry: string | null,
    ctx: RequestContext,
    prepare: (
      store: AppsStore,
      expiresAt: string | null,
    ) => Promise<{ action: 'app.secret.create' | 'app.secret.reset'; details: Record<string, unknown> }>,
  ): Promise<{ secret: ClientSecretView; clientSecret: string }> {
    const row = await this.#registry.requireApp(orgId, appId);
    if (row.status === 'revoked') throw new AppError('not_found');
    const expiresAt = futureExpiry(requestedExpiry, this.#d.clock.nowMs());
    const secret = randomToken(32);
    let id = '';
    await this.#d.store.transaction(async (store, tx) => {
      const event = await prepare(store, expiresAt);
      id = await insertSecret(this.#d, store, appId, secret, expiresAt, ctx);
      await this.#d.audit(
        ctx,
        event.action,
        { type: 'client_secret', id },
        { orgId, details: event.details, tx },
      );
    });
    await this.#d.invalidate({ kind: 'client', id: row.client_id, appId });
    const view = (await this.#registry.getApp(orgId, appId)).secrets.find((s) => s.id === id)!;
    return { secret: view, clientSecret: secret };
  }

  async #activeSecretCount(store: AppsStore, appId: string): Promise<number> {
    const rows = await store.activeSecrets(appId);
    const nowMs = this.#d.clock.nowMs();
    return rows.filter((r) => secretStatus(r, nowMs) === 'active').length;
  }

  async revokeClientSecret(
    orgId: string,
    appId: string,
    secretId: string,
    ctx: RequestContext,
  ): Promise<void> {
    const row = await this.#registry.requireApp(orgId, appId);
    await this.#d.store.transaction(async (store, tx) => {
      const res = await store.revokeSecret(secretId, appId, this.#d.nowIso());
      if (res === 0) throw new AppError('not_found');
      await this.#d.audit(
        ctx,
        'app.secret.revoke',
        { type: 'client_secret', id: secretId },
        { orgId, details: { appId }, tx },
      );
    });
    await this.#d.invalidate({ kind: 'client', id: row.client_id, appId });
  }

  /** The id of the app's active, unexpired secret equal to `secret`, or null. */
  async matchClientSecret(appId: string, secret: string): Promise<string | null> {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 512) return null;
    const row = await this.#d.store.findSecretByHash(secretHash(this.#d.keyring, secret), appId);
    if (!row || secretStatus(row, this.#d.clock.nowMs()) !== 'active') return null;
    return row.id;
  }

  async isSecretActive(secretId: string): Promise<boolean> {
    const row = await this.#d.store.findSecret(secretId);
    return !!row && secretStatus(row, this.#d.clock.nowMs()) === 'active';
  }

  /** The app behind a client id (any status), with the org's status folded in. */
  async findAppByClientId(clientId: string) {
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 200) return null;
    const row = await this.#d.store.findAppByClientId(clientId);
    if (!row) return null;
    return this.#gatewayApp(row);
  }

  async findAppById(appId: string) {
    const row = await this.#d.store.findAppById(appId);
    return row ? this.#gatewayApp(row) : null;
  }

  /**
   * An app of an organisation that is not active reads as suspended (revoked once terminated);
   * `orgStatus` tells the gateway whose suspension it is, so its refusal can name it.
   */
  async #gatewayApp(row: AppRow) {
    let status = row.status as AppStatus;
    const org = await this.#d.orgAccess.getOrganization(row.org_id);
    const orgStatus = org?.status ?? 'terminated';
    if (status !== 'revoked') {
      if (orgStatus === 'terminated') status = 'revoked';
      else if (orgStatus !== 'active') status = 'suspended';
    }
    return {
      appId: row.id,
      clientId: row.client_id,
      orgId: row.org_id,
      name: row.name,
      status,
      orgStatus,
      environment: row.environment as AppEnvironment,
      publicKeyPem: row.public_key_pem ?? null,
    };
  }
}

import { createPublicKey, randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { newId, randomToken } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { parseInput } from '../catalog/index.ts';
import { type AppStatus, type AppView, appViewOf } from './app-views.ts';
import type { AppChange, AppRow } from './apps-store.ts';
import type { AppsAuditAction } from './audit-actions.ts';
import { appInputSchema, appPatchSchema } from './contracts.ts';
import { insertSecret } from './secret-records.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/** Validates a PEM as an RSA public key of at least 2048 bits; returns the normalised PEM. */
export function validatePublicKeyPem(pem: string): string {
  if (!/-----BEGIN (RSA )?PUBLIC KEY-----/.test(pem) || /PRIVATE KEY/.test(pem)) {
    throw new AppError('invalid_public_key', {
      message: 'Paste the public key (BEGIN PUBLIC KEY), never a private key.',
    });
  }
  try {
    const key = createPublicKey({ key: pem, format: 'pem' });
    if (key.asymmetricKeyType !== 'rsa') throw new Error('not rsa');
    if ((key.asymmetricKeyDetails?.modulusLength ?? 0) < 2048) throw new Error('too short');
    return key.export({ type: 'spki', format: 'pem' }).toString();
  } catch {
    throw new AppError('invalid_public_key');
  }
}

/**
 * Apps themselves: registering one (with its client id and first secret), reading, changing,
 * deleting, and an operator's suspension or reinstatement. Authorisation is the caller's job;
 * every method scoped by `orgId` simply does not find another organisation's app.
 */
export class AppRegistry {
  readonly #d: AppsServiceDeps;

  constructor(deps: AppsServiceDeps) {
    this.#d = deps;
  }

  /** The organisation's app (any status), or 404. */
  async requireApp(orgId: string, appId: string): Promise<AppRow> {
    const row = await this.#d.store.findApp(orgId, appId);
    if (!row) throw new AppError('not_found');
    return row;
  }

  #view(row: AppRow): Promise<AppView> {
    return appViewOf(this.#d.store, row, this.#d.clock.nowMs());
  }

  async createApp(
    orgId: string,
    input: z.input<typeof appInputSchema>,
    ctx: RequestContext,
  ): Promise<{ app: AppView; clientSecret: string }> {
    const p = parseInput(appInputSchema, input);
    const org = await this.#d.orgAccess.getOrganization(orgId);
    if (!org) throw new AppError('not_found');
    if (org.status !== 'active')
      throw new AppError('forbidden', { message: 'The organisation is not active.' });
    const pem = p.publicKeyPem ? validatePublicKeyPem(p.publicKeyPem) : null;
    const nowMs = this.#d.clock.nowMs();
    const appId = newId('app', nowMs);
    // 128-bit client id (hex, as API Connect's) and a 256-bit secret.
    const clientId = randomBytes(16).toString('hex');
    const secret = randomToken(32);
    await this.#d.store.transaction(async (store, tx) => {
      await store.insertApp({
        id: appId,
        org_id: orgId,
        name: p.name,
        description: p.description,
        callback_urls: JSON.stringify(p.callbackUrls),
        public_key_pem: pem,
        client_id: clientId,
        environment: 'sandbox',
        status: 'active',
        created_by: ctx.actor.id,
        created_at: new Date(nowMs).toISOString(),
        updated_at: new Date(nowMs).toISOString(),
      });
      await insertSecret(this.#d, store, appId, 'sandbox', secret, null, ctx);
      await this.#d.audit(
        ctx,
        'app.create',
        { type: 'app', id: appId },
        { orgId, details: { name: p.name, clientId }, tx },
      );
    });
    return { app: await this.#view(await this.requireApp(orgId, appId)), clientSecret: secret };
  }

  async listApps(orgId: string): Promise<AppView[]> {
    const rows = await this.#d.store.listAppsOfOrg(orgId);
    return Promise.all(rows.map((r) => this.#view(r)));
  }

  async getApp(orgId: string, appId: string): Promise<AppView> {
    return this.#view(await this.requireApp(orgId, appId));
  }

  /** Operators: every app, newest first, optionally for one organisation or status. */
  async listAllApps(filter: { orgId?: string; status?: AppStatus; limit?: number }): Promise<AppView[]> {
    const rows = await this.#d.store.listAllApps({
      orgId: filter.orgId,
      status: filter.status,
      limit: Math.min(filter.limit ?? 200, 500),
    });
    return Promise.all(rows.map((r) => this.#view(r)));
  }

  /** Operators: any app by id. */
  async getAppById(appId: string): Promise<AppView | null> {
    const row = await this.#d.store.findAppById(appId);
    return row ? this.#view(row) : null;
  }

  async updateApp(orgId: string, appId: string, patch: z.input<typeof appPatchSchema>, ctx: RequestContext) {
    const row = await this.requireApp(orgId, appId);
    if (row.status === 'revoked') throw new AppError('not_found');
    const p = parseInput(appPatchSchema, patch);
    const set: AppChange = { updated_at: this.#d.nowIso() };
    if (p.name !== undefined) set.name = p.name;
    if (p.description !== undefined) set.description = p.description;
    if (p.callbackUrls !== undefined) set.callback_urls = JSON.stringify(p.callbackUrls);
    if (p.publicKeyPem !== undefined)
      set.public_key_pem = p.publicKeyPem ? validatePublicKeyPem(p.publicKeyPem) : null;
    await this.#d.store.transaction(async (store, tx) => {
      await store.updateApp(appId, set);
      await this.#d.audit(
        ctx,
        'app.update',
        { type: 'app', id: appId },
        { orgId, details: { fields: Object.keys(p) }, tx },
      );
    });
    await this.#d.invalidate({ kind: 'app', id: appId, appId });
    return this.getApp(orgId, appId);
  }

  /** Deletes an app for good: status revoked, secrets revoked, subscriptions cancelled. */
  async deleteApp(orgId: string, appId: string, ctx: RequestContext): Promise<void> {
    const row = await this.requireApp(orgId, appId);
    if (row.status === 'revoked') throw new AppError('not_found');
    await this.setAppStatus(row, 'revoked', 'deleted by the organisation', ctx, 'app.delete');
  }

  /** Operators: suspend or reinstate an app (suspension refuses tokens and calls at once). */
  async setAppStatusByOperator(
    appId: string,
    status: 'active' | 'suspended',
    reason: string,
    ctx: RequestContext,
  ) {
    const row = await this.#d.store.findAppById(appId);
    if (!row || row.status === 'revoked') throw new AppError('not_found');
    await this.setAppStatus(row, status, reason, ctx, status === 'active' ? 'app.reinstate' : 'app.suspend');
    return (await this.getAppById(appId))!;
  }

  /**
   * Sets the app's status with its reason, recorded as `action`; revoking also revokes its secrets
   * and ends its subscriptions. Gateways drop the app and its client once it committed.
   */
  async setAppStatus(
    row: AppRow,
    status: AppStatus,
    reason: string,
    ctx: RequestContext,
    action: AppsAuditAction,
  ) {
    const nowIso = this.#d.nowIso();
    await this.#d.store.transaction(async (store, tx) => {
      await store.updateApp(row.id, { status, status_reason: reason, updated_at: nowIso });
      if (status === 'revoked') {
        await store.revokeActiveSecrets(row.id, nowIso);
        await store.cancelLiveSubscriptionsOfApp(row.id, nowIso);
      }
      await this.#d.audit(
        ctx,
        action,
        { type: 'app', id: row.id },
        { orgId: row.org_id, details: { reason }, tx },
      );
    });
    await this.#d.invalidate({ kind: 'app', id: row.id, appId: row.id });
    await this.#d.invalidate({ kind: 'client', id: row.client_id, appId: row.id });
    if (row.production_client_id) {
      await this.#d.invalidate({ kind: 'client', id: row.production_client_id, appId: row.id });
    }
  }
}

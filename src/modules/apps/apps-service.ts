import { createPublicKey, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId, randomToken } from '../../platform/ids.ts';
import type { Keyring } from '../../platform/master-key.ts';
import {
  CACHE_INVALIDATE_CHANNEL,
  type CacheInvalidation,
} from '../../platform/shared-state/cache-invalidation.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { Actor, AuditLog } from '../audit/index.ts';
import {
  type Catalog,
  type LifecycleEvent,
  PERIOD_MS,
  type Plan,
  parseInput,
  RATE_PERIODS,
  type RatePeriod,
} from '../catalog/index.ts';
import type { PlanLimits } from '../gateway/index.ts';
import type { UserDirectory } from '../identity/index.ts';
import type { Mailer, MailMessage, NotificationService } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import type { TermsGate } from '../terms/index.ts';
import {
  type appEnvironment,
  appInputSchema,
  appPatchSchema,
  type appStatus,
  type appView,
  type LIMIT_KINDS,
  limitDecisionSchema,
  limitRequestInputSchema,
  type limitRequestView,
  type productionRequestView,
  type secretView,
  type subscriptionView,
} from './contracts.ts';

/**
 * Apps and their credentials, subscriptions to plans, production access and limit-increase
 * requests. Client secrets are ≥ 256-bit CSPRNG strings shown once and stored only as
 * keyring.hmac(secret, 'client-secret'). Every change a gateway may have cached is announced on the
 * shared-state channel `cache-invalidate` after it commits, so it takes effect everywhere at once.
 *
 * Authorisation (who may act on which organisation) is the caller's job: routes call
 * OrgAccess.requireMember first; every method here still scopes by orgId so an id from another
 * organisation is simply not found.
 */
export type Ctx = { actor: Actor; ip?: string | null; userAgent?: string | null };

const MAX_ACTIVE_SECRETS = 2;
const SECRET_PURPOSE = 'client-secret';

type AppEnvironment = z.infer<typeof appEnvironment>;
export type AppStatus = z.infer<typeof appStatus>;
export type ClientSecretView = z.infer<typeof secretView>;
export type AppView = z.infer<typeof appView>;
export type SubscriptionView = z.infer<typeof subscriptionView>;
export type ProductionRequestView = z.infer<typeof productionRequestView>;
export type LimitKind = (typeof LIMIT_KINDS)[number];
export type LimitRequestView = z.infer<typeof limitRequestView>;

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

function secretStatus(r: any, nowMs: number): ClientSecretView['status'] {
  if (r.status !== 'active') return 'revoked';
  if (r.expires_at && Date.parse(r.expires_at) <= nowMs) return 'expired';
  return 'active';
}

/** Templates sent both as a notice and as an e-mail to an organisation's owners and admins. */
type OrgNoticeKind = MailMessage['kind'] & Parameters<NotificationService['notify']>[1]['kind'];

export class AppsService {
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  readonly #keyring: Keyring;
  readonly #shared: SharedState;
  readonly #catalog: Catalog;
  readonly #orgAccess: OrgAccess;
  readonly #terms: TermsGate;
  readonly #audit: AuditLog;
  readonly #notifications: NotificationService;
  readonly #mailer: Mailer;
  readonly #users: UserDirectory | undefined;
  readonly #publicUrl: string;

  constructor(opts: {
    db: Kysely<any>;
    clock: Clock;
    keyring: Keyring;
    sharedState: SharedState;
    catalog: Catalog;
    orgAccess: OrgAccess;
    termsGate: TermsGate;
    audit: AuditLog;
    notifications: NotificationService;
    mailer: Mailer;
    users?: UserDirectory;
    /** The portal's public URL: links in e-mails are absolute. */
    publicUrl: string;
  }) {
    this.#db = opts.db;
    this.#clock = opts.clock;
    this.#keyring = opts.keyring;
    this.#shared = opts.sharedState;
    this.#catalog = opts.catalog;
    this.#orgAccess = opts.orgAccess;
    this.#terms = opts.termsGate;
    this.#audit = opts.audit;
    this.#notifications = opts.notifications;
    this.#mailer = opts.mailer;
    this.#users = opts.users;
    this.#publicUrl = opts.publicUrl;
  }

  get catalog(): Catalog {
    return this.#catalog;
  }
  get orgAccess(): OrgAccess {
    return this.#orgAccess;
  }

  #nowIso(): string {
    return this.#clock.now().toISOString();
  }

  /** Tells every gateway to drop what it cached (after the change committed). */
  async invalidate(msg: CacheInvalidation): Promise<void> {
    await this.#shared.publish(CACHE_INVALIDATE_CHANNEL, JSON.stringify(msg));
  }

  /**
   * Tells an organisation's owners and admins: a notice (with `link`, a web-app path, as its "Open")
   * and the same text by e-mail, where the link stands alone on its own line as an absolute URL.
   */
  async #notifyOrg(orgId: string, n: { kind: OrgNoticeKind; title: string; body: string; link?: string }) {
    const userIds = await this.#orgAccess.memberUserIds(orgId, 'admin').catch(() => [] as string[]);
    await this.#notifications.notify(userIds, { ...n, orgId });
    if (!this.#users) return;
    const text = n.link ? `${n.body}\n\nOpen it in the portal:\n${this.#publicUrl}${n.link}\n` : n.body;
    for (const id of userIds) {
      const u = await this.#users.getUser(id).catch(() => null);
      if (u?.email) await this.#mailer.send({ to: u.email, subject: n.title, text, kind: n.kind });
    }
  }

  // ---------------------------------------------------------------- apps
  async #appRow(orgId: string, appId: string): Promise<any> {
    const row = await this.#db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', appId)
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found');
    return row;
  }

  async #view(row: any): Promise<AppView> {
    const nowMs = this.#clock.nowMs();
    const [secrets, prod] = await Promise.all([
      this.#db
        .selectFrom('app_client_secrets')
        .selectAll()
        .where('app_id', '=', row.id)
        .orderBy('id', 'desc')
        .limit(20)
        .execute(),
      this.#db
        .selectFrom('production_access_requests')
        .selectAll()
        .where('app_id', '=', row.id)
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst(),
    ]);
    return {
      id: row.id,
      orgId: row.org_id,
      name: row.name,
      description: row.description,
      callbackUrls: JSON.parse(row.callback_urls),
      publicKeyPem: row.public_key_pem ?? null,
      clientId: row.client_id,
      environment: row.environment,
      status: row.status,
      createdAt: row.created_at,
      updatedAt: row.updated_at,
      secrets: secrets.map((s) => ({
        id: s.id,
        hint: s.hint,
        status: secretStatus(s, nowMs),
        createdAt: s.created_at,
        expiresAt: s.expires_at ?? null,
        revokedAt: s.revoked_at ?? null,
      })),
      productionAccess: prod
        ? { id: prod.id, status: prod.status, reason: prod.reason ?? null, createdAt: prod.created_at }
        : null,
    };
  }

  async createApp(
    orgId: string,
    input: z.input<typeof appInputSchema>,
    ctx: Ctx,
  ): Promise<{ app: AppView; clientSecret: string }> {
    const p = parseInput(appInputSchema, input);
    const org = await this.#orgAccess.getOrganization(orgId);
    if (!org) throw new AppError('not_found');
    if (org.status !== 'active')
      throw new AppError('forbidden', { message: 'The organisation is not active.' });
    const pem = p.publicKeyPem ? validatePublicKeyPem(p.publicKeyPem) : null;
    const nowMs = this.#clock.nowMs();
    const appId = newId('app', nowMs);
    // 128-bit client id (hex, as API Connect's) and a 256-bit secret.
    const clientId = randomBytes(16).toString('hex');
    const secret = randomToken(32);
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('apps')
        .values({
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
        })
        .execute();
      await this.#insertSecret(trx, appId, secret, null, ctx);
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.create',
          target: { type: 'app', id: appId },
          orgId,
          details: { name: p.name, clientId },
        },
        trx,
      );
    });
    return { app: await this.#view(await this.#appRow(orgId, appId)), clientSecret: secret };
  }

  async #insertSecret(trx: Kysely<any>, appId: string, secret: string, expiresAt: string | null, ctx: Ctx) {
    const id = newId('sec', this.#clock.nowMs());
    await trx
      .insertInto('app_client_secrets')
      .values({
        id,
        app_id: appId,
        secret_hash: this.#keyring.hmac(secret, SECRET_PURPOSE),
        hint: secret.slice(-4),
        status: 'active',
        expires_at: expiresAt,
        created_by: ctx.actor.id,
        created_at: this.#nowIso(),
      })
      .execute();
    return id;
  }

  async listApps(orgId: string): Promise<AppView[]> {
    const rows = await this.#db
      .selectFrom('apps')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('status', '!=', 'revoked')
      .orderBy('id')
      .limit(500)
      .execute();
    return Promise.all(rows.map((r) => this.#view(r)));
  }

  async getApp(orgId: string, appId: string): Promise<AppView> {
    return this.#view(await this.#appRow(orgId, appId));
  }

  /** Operators: every app, newest first, optionally for one organisation or status. */
  async listAllApps(filter: { orgId?: string; status?: AppStatus; limit?: number }): Promise<AppView[]> {
    let q = this.#db.selectFrom('apps').selectAll();
    if (filter.orgId) q = q.where('org_id', '=', filter.orgId);
    if (filter.status) q = q.where('status', '=', filter.status);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(Math.min(filter.limit ?? 200, 500))
      .execute();
    return Promise.all(rows.map((r) => this.#view(r)));
  }

  /** Operators: any app by id. */
  async getAppById(appId: string): Promise<AppView | null> {
    const row = await this.#db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirst();
    return row ? this.#view(row) : null;
  }

  async updateApp(orgId: string, appId: string, patch: z.input<typeof appPatchSchema>, ctx: Ctx) {
    const row = await this.#appRow(orgId, appId);
    if (row.status === 'revoked') throw new AppError('not_found');
    const p = parseInput(appPatchSchema, patch);
    const set: Record<string, unknown> = { updated_at: this.#nowIso() };
    if (p.name !== undefined) set.name = p.name;
    if (p.description !== undefined) set.description = p.description;
    if (p.callbackUrls !== undefined) set.callback_urls = JSON.stringify(p.callbackUrls);
    if (p.publicKeyPem !== undefined)
      set.public_key_pem = p.publicKeyPem ? validatePublicKeyPem(p.publicKeyPem) : null;
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable('apps').set(set).where('id', '=', appId).execute();
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.update',
          target: { type: 'app', id: appId },
          orgId,
          details: { fields: Object.keys(p) },
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'app', id: appId, appId });
    return this.getApp(orgId, appId);
  }

  /** Deletes an app for good: status revoked, secrets revoked, subscriptions cancelled. */
  async deleteApp(orgId: string, appId: string, ctx: Ctx): Promise<void> {
    const row = await this.#appRow(orgId, appId);
    if (row.status === 'revoked') throw new AppError('not_found');
    await this.#setAppStatus(row, 'revoked', 'deleted by the organisation', ctx, 'app.delete');
  }

  /** Operators: suspend or reinstate an app (suspension refuses tokens and calls at once). */
  async setAppStatusByOperator(appId: string, status: 'active' | 'suspended', reason: string, ctx: Ctx) {
    const row = await this.#db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirst();
    if (!row || row.status === 'revoked') throw new AppError('not_found');
    await this.#setAppStatus(row, status, reason, ctx, status === 'active' ? 'app.reinstate' : 'app.suspend');
    return (await this.getAppById(appId))!;
  }

  /**
   * The organisation was terminated (terms module: notice date reached, operator, or breach): every
   * app is revoked, which revokes its secrets and ends its subscriptions; tokens die with the app.
   * Idempotent, so the terms worker may retry it.
   */
  async onOrganizationTerminated(orgId: string, reason: string): Promise<void> {
    const rows = await this.#db
      .selectFrom('apps')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('status', '!=', 'revoked')
      .execute();
    for (const row of rows) {
      await this.#setAppStatus(
        row,
        'revoked',
        reason,
        { actor: { type: 'system', id: null } },
        'app.revoke_on_termination',
      );
    }
    await this.invalidate({ kind: 'org', id: orgId });
  }

  async #setAppStatus(row: any, status: AppStatus, reason: string, ctx: Ctx, action: string) {
    const nowIso = this.#nowIso();
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('apps')
        .set({ status, status_reason: reason, updated_at: nowIso })
        .where('id', '=', row.id)
        .execute();
      if (status === 'revoked') {
        await trx
          .updateTable('app_client_secrets')
          .set({ status: 'revoked', revoked_at: nowIso })
          .where('app_id', '=', row.id)
          .where('status', '=', 'active')
          .execute();
        await trx
          .updateTable('subscriptions')
          .set({ status: 'cancelled', live_key: null, cancelled_at: nowIso })
          .where('app_id', '=', row.id)
          .where('status', 'in', ['pending', 'active'])
          .execute();
      }
      await this.#audit.recordBy(
        ctx,
        {
          action,
          target: { type: 'app', id: row.id },
          orgId: row.org_id,
          details: { reason },
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'app', id: row.id, appId: row.id });
    await this.invalidate({ kind: 'client', id: row.client_id, appId: row.id });
  }

  // ---------------------------------------------------------------- client secrets
  async createClientSecret(
    orgId: string,
    appId: string,
    opts: { expiresAt?: string | null },
    ctx: Ctx,
  ): Promise<{ secret: ClientSecretView; clientSecret: string }> {
    const row = await this.#appRow(orgId, appId);
    if (row.status === 'revoked') throw new AppError('not_found');
    const expiresAt = this.#checkExpiry(opts.expiresAt ?? null);
    const secret = randomToken(32);
    let id = '';
    await this.#db.transaction().execute(async (trx) => {
      // Touching the app row first serialises concurrent rotations of one app (a row lock on
      // PostgreSQL; SQLite runs one write transaction at a time), so the count below holds.
      await trx.updateTable('apps').set({ updated_at: this.#nowIso() }).where('id', '=', appId).execute();
      const active = await this.#activeSecretCount(trx, appId);
      if (active >= MAX_ACTIVE_SECRETS) throw new AppError('secret_limit_reached');
      id = await this.#insertSecret(trx, appId, secret, expiresAt, ctx);
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.secret.create',
          target: { type: 'client_secret', id },
          orgId,
          details: { appId, expiresAt },
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'client', id: row.client_id, appId });
    const view = (await this.getApp(orgId, appId)).secrets.find((s) => s.id === id)!;
    return { secret: view, clientSecret: secret };
  }

  #checkExpiry(expiresAt: string | null): string | null {
    if (!expiresAt) return null;
    const ms = Date.parse(expiresAt);
    if (!Number.isFinite(ms) || ms <= this.#clock.nowMs()) {
      throw new AppError('validation_failed', {
        details: [
          { in: 'body', field: 'expiresAt', code: 'invalid_date', message: 'must be a future date-time' },
        ],
      });
    }
    return new Date(ms).toISOString();
  }

  async #activeSecretCount(trx: Kysely<any>, appId: string): Promise<number> {
    const rows = await trx
      .selectFrom('app_client_secrets')
      .select(['id', 'status', 'expires_at'])
      .where('app_id', '=', appId)
      .where('status', '=', 'active')
      .execute();
    const nowMs = this.#clock.nowMs();
    return rows.filter((r) => secretStatus(r, nowMs) === 'active').length;
  }

  async revokeClientSecret(orgId: string, appId: string, secretId: string, ctx: Ctx): Promise<void> {
    const row = await this.#appRow(orgId, appId);
    const r = await this.#db.transaction().execute(async (trx) => {
      const res = await trx
        .updateTable('app_client_secrets')
        .set({ status: 'revoked', revoked_at: this.#nowIso() })
        .where('id', '=', secretId)
        .where('app_id', '=', appId)
        .where('status', '=', 'active')
        .executeTakeFirst();
      if (Number(res.numUpdatedRows) === 0) throw new AppError('not_found');
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.secret.revoke',
          target: { type: 'client_secret', id: secretId },
          orgId,
          details: { appId },
        },
        trx,
      );
      return res;
    });
    void r;
    await this.invalidate({ kind: 'client', id: row.client_id, appId });
  }

  /** Revokes every secret and issues one new one; the client id stays. */
  async resetClientSecret(
    orgId: string,
    appId: string,
    ctx: Ctx,
  ): Promise<{ secret: ClientSecretView; clientSecret: string }> {
    const row = await this.#appRow(orgId, appId);
    if (row.status === 'revoked') throw new AppError('not_found');
    const secret = randomToken(32);
    let id = '';
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('app_client_secrets')
        .set({ status: 'revoked', revoked_at: this.#nowIso() })
        .where('app_id', '=', appId)
        .where('status', '=', 'active')
        .execute();
      id = await this.#insertSecret(trx, appId, secret, null, ctx);
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.secret.reset',
          target: { type: 'client_secret', id },
          orgId,
          details: { appId },
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'client', id: row.client_id, appId });
    const view = (await this.getApp(orgId, appId)).secrets.find((s) => s.id === id)!;
    return { secret: view, clientSecret: secret };
  }

  /** The id of the app's active, unexpired secret equal to `secret`, or null. */
  async matchClientSecret(appId: string, secret: string): Promise<string | null> {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 512) return null;
    const row = await this.#db
      .selectFrom('app_client_secrets')
      .select(['id', 'status', 'expires_at'])
      .where('secret_hash', '=', this.#keyring.hmac(secret, SECRET_PURPOSE))
      .where('app_id', '=', appId)
      .executeTakeFirst();
    if (!row || secretStatus(row, this.#clock.nowMs()) !== 'active') return null;
    return row.id;
  }

  async isSecretActive(secretId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('app_client_secrets')
      .select(['id', 'status', 'expires_at'])
      .where('id', '=', secretId)
      .executeTakeFirst();
    return !!row && secretStatus(row, this.#clock.nowMs()) === 'active';
  }

  /** The app behind a client id (any status), with the org's status folded in. */
  async findAppByClientId(clientId: string) {
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 200) return null;
    const row = await this.#db
      .selectFrom('apps')
      .selectAll()
      .where('client_id', '=', clientId)
      .executeTakeFirst();
    if (!row) return null;
    return this.#gatewayApp(row);
  }

  async findAppById(appId: string) {
    const row = await this.#db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirst();
    return row ? this.#gatewayApp(row) : null;
  }

  async #gatewayApp(row: any) {
    let status: AppStatus = row.status;
    if (status === 'active') {
      const org = await this.#orgAccess.getOrganization(row.org_id);
      if (!org || org.status === 'terminated') status = 'revoked';
      else if (org.status !== 'active') status = 'suspended';
    }
    return {
      appId: row.id as string,
      clientId: row.client_id as string,
      orgId: row.org_id as string,
      name: row.name as string,
      status,
      environment: row.environment as AppEnvironment,
      publicKeyPem: (row.public_key_pem ?? null) as string | null,
    };
  }

  // ---------------------------------------------------------------- production access
  async requestProductionAccess(orgId: string, appId: string, note: string | null, ctx: Ctx) {
    const row = await this.#appRow(orgId, appId);
    if (row.status !== 'active') throw new AppError('app_not_active');
    if (row.environment === 'production')
      throw new AppError('conflict', { message: 'The app is already in production.' });
    const org = await this.#orgAccess.getOrganization(orgId);
    if (!org?.representativeConfirmed) throw new AppError('representative_not_confirmed');
    const pending = await this.#db
      .selectFrom('production_access_requests')
      .selectAll()
      .where('app_id', '=', appId)
      .where('status', '=', 'pending')
      .executeTakeFirst();
    if (pending) return this.#prodView(pending);
    const id = newId('prq', this.#clock.nowMs());
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('production_access_requests')
        .values({
          id,
          app_id: appId,
          org_id: orgId,
          status: 'pending',
          note,
          requested_by: ctx.actor.id,
          created_at: this.#nowIso(),
        })
        .execute();
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.production.request',
          target: { type: 'app', id: appId },
          orgId,
        },
        trx,
      );
    });
    return this.#prodView(
      await this.#db
        .selectFrom('production_access_requests')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow(),
    );
  }

  #prodView(r: any): ProductionRequestView {
    return {
      id: r.id,
      appId: r.app_id,
      orgId: r.org_id,
      status: r.status,
      note: r.note ?? null,
      reason: r.reason ?? null,
      createdAt: r.created_at,
      decidedAt: r.decided_at ?? null,
    };
  }

  async listProductionRequests(status?: string) {
    let q = this.#db.selectFrom('production_access_requests').selectAll();
    if (status) q = q.where('status', '=', status);
    return (await q.orderBy('id', 'desc').limit(500).execute()).map((r) => this.#prodView(r));
  }

  async decideProductionAccess(requestId: string, approve: boolean, reason: string | null, ctx: Ctx) {
    const r = await this.#db
      .selectFrom('production_access_requests')
      .selectAll()
      .where('id', '=', requestId)
      .executeTakeFirst();
    if (!r) throw new AppError('not_found');
    if (r.status !== 'pending')
      throw new AppError('conflict', { message: 'The request was already decided.' });
    if (approve) {
      const org = await this.#orgAccess.getOrganization(r.org_id);
      if (!org?.representativeConfirmed) throw new AppError('representative_not_confirmed');
      if (org.status !== 'active')
        throw new AppError('conflict', { message: 'The organisation is not active.' });
    }
    const nowIso = this.#nowIso();
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('production_access_requests')
        .set({
          status: approve ? 'approved' : 'declined',
          reason,
          decided_by: ctx.actor.id,
          decided_at: nowIso,
        })
        .where('id', '=', requestId)
        .execute();
      if (approve) {
        await trx
          .updateTable('apps')
          .set({ environment: 'production', updated_at: nowIso })
          .where('id', '=', r.app_id)
          .execute();
      }
      await this.#audit.recordBy(
        ctx,
        {
          action: approve ? 'app.production.approve' : 'app.production.decline',
          target: { type: 'app', id: r.app_id },
          orgId: r.org_id,
          details: { requestId, reason },
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'app', id: r.app_id, appId: r.app_id });
    await this.#notifyOrg(r.org_id, {
      kind: approve ? 'app.production.approved' : 'app.production.declined',
      link: `/orgs/${r.org_id}/apps/${r.app_id}`,
      title: approve ? 'Production access approved' : 'Production access declined',
      body: approve
        ? 'Your app may now use the production catalog with its credentials.'
        : `Your request for production access was declined${reason ? `: ${reason}` : '.'}`,
    });
    return this.#prodView(
      await this.#db
        .selectFrom('production_access_requests')
        .selectAll()
        .where('id', '=', requestId)
        .executeTakeFirstOrThrow(),
    );
  }

  // ---------------------------------------------------------------- subscriptions
  async #subView(r: any): Promise<SubscriptionView> {
    const plan = await this.#catalog.getPlan(r.plan_id);
    return {
      id: r.id,
      appId: r.app_id,
      orgId: r.org_id,
      productSlug: r.product_slug,
      planId: r.plan_id,
      planName: plan?.name ?? '',
      status: r.status,
      reason: r.reason ?? null,
      createdAt: r.created_at,
      decidedAt: r.decided_at ?? null,
    };
  }

  /**
   * `skipTermsCheck` is for operator tooling only (darwaza admin create-app); it is recorded in the
   * audit event.
   */
  async subscribe(
    orgId: string,
    appId: string,
    planId: string,
    ctx: Ctx,
    opts: { skipTermsCheck?: boolean } = {},
  ): Promise<SubscriptionView> {
    const app = await this.#appRow(orgId, appId);
    if (app.status !== 'active') throw new AppError('app_not_active');
    const plan = await this.#catalog.getPlan(planId);
    if (plan?.status !== 'active') throw new AppError('not_found', { message: 'No such plan.' });
    const product = await this.#catalog.findProduct(plan.productSlug);
    if (product?.status !== 'published') throw new AppError('product_not_available');
    if (!opts.skipTermsCheck && !(await this.#terms.hasAcceptedProductTerms(orgId, product.slug))) {
      throw new AppError('product_terms_not_accepted');
    }
    const id = newId('sub', this.#clock.nowMs());
    const status = plan.approvalRequired ? 'pending' : 'active';
    const nowIso = this.#nowIso();
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx
          .insertInto('subscriptions')
          .values({
            id,
            app_id: appId,
            org_id: orgId,
            product_id: product.id,
            product_slug: product.slug,
            plan_id: plan.id,
            status,
            live_key: `${appId}:${product.id}`,
            requested_by: ctx.actor.id,
            created_at: nowIso,
            decided_at: status === 'active' ? nowIso : null,
          })
          .execute();
        await this.#audit.recordBy(
          ctx,
          {
            action: 'subscription.create',
            target: { type: 'subscription', id },
            orgId,
            details: {
              appId,
              planId,
              product: product.slug,
              status,
              ...(opts.skipTermsCheck ? { termsCheck: 'skipped' } : {}),
            },
          },
          trx,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('already_subscribed');
      throw err;
    }
    await this.invalidate({ kind: 'subscription', id, appId });
    return this.#subView(await this.#subRow(orgId, appId, id));
  }

  async #subRow(orgId: string, appId: string | null, subId: string): Promise<any> {
    let q = this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', subId)
      .where('org_id', '=', orgId);
    if (appId) q = q.where('app_id', '=', appId);
    const row = await q.executeTakeFirst();
    if (!row) throw new AppError('not_found');
    return row;
  }

  async listSubscriptions(orgId: string, appId: string): Promise<SubscriptionView[]> {
    await this.#appRow(orgId, appId);
    const rows = await this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('app_id', '=', appId)
      .where('org_id', '=', orgId)
      .orderBy('id', 'desc')
      .limit(200)
      .execute();
    return Promise.all(rows.map((r) => this.#subView(r)));
  }

  async getSubscription(orgId: string, appId: string, subId: string): Promise<SubscriptionView> {
    return this.#subView(await this.#subRow(orgId, appId, subId));
  }

  async unsubscribe(orgId: string, appId: string, subId: string, ctx: Ctx): Promise<void> {
    const row = await this.#subRow(orgId, appId, subId);
    if (!['pending', 'active'].includes(row.status))
      throw new AppError('conflict', { message: 'The subscription is not live.' });
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('subscriptions')
        .set({ status: 'cancelled', live_key: null, cancelled_at: this.#nowIso() })
        .where('id', '=', subId)
        .execute();
      await this.#audit.recordBy(
        ctx,
        {
          action: 'subscription.cancel',
          target: { type: 'subscription', id: subId },
          orgId,
          details: { appId },
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'subscription', id: subId, appId });
  }

  async listSubscriptionsByStatus(status: string): Promise<SubscriptionView[]> {
    const rows = await this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('status', '=', status)
      .orderBy('id')
      .limit(500)
      .execute();
    return Promise.all(rows.map((r) => this.#subView(r)));
  }

  async decideSubscription(subId: string, approve: boolean, reason: string | null, ctx: Ctx) {
    const row = await this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', subId)
      .executeTakeFirst();
    if (!row) throw new AppError('not_found');
    if (row.status !== 'pending')
      throw new AppError('conflict', { message: 'The subscription is not pending.' });
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('subscriptions')
        .set({
          status: approve ? 'active' : 'declined',
          live_key: approve ? row.live_key : null,
          reason,
          decided_by: ctx.actor.id,
          decided_at: this.#nowIso(),
        })
        .where('id', '=', subId)
        .where('status', '=', 'pending')
        .execute();
      await this.#audit.recordBy(
        ctx,
        {
          action: approve ? 'subscription.approve' : 'subscription.decline',
          target: { type: 'subscription', id: subId },
          orgId: row.org_id,
          details: { appId: row.app_id, reason },
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'subscription', id: subId, appId: row.app_id });
    const plan = await this.#catalog.getPlan(row.plan_id);
    await this.#notifyOrg(row.org_id, {
      kind: approve ? 'subscription.approved' : 'subscription.declined',
      link: `/orgs/${row.org_id}/apps/${row.app_id}`,
      title: approve ? 'Subscription approved' : 'Subscription declined',
      body: approve
        ? `Your subscription to ${plan?.name ?? 'the plan'} (${row.product_slug}) is active.`
        : `Your subscription to ${plan?.name ?? 'the plan'} (${row.product_slug}) was declined: ${reason ?? 'no reason given'}.`,
    });
    return this.#subView(await this.#subRow(row.org_id, null, subId));
  }

  /** True when the app has at least one active subscription to a product that is not retired. */
  async hasActiveSubscription(appId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('subscriptions')
      .select('id')
      .where('app_id', '=', appId)
      .where('status', '=', 'active')
      .limit(1)
      .executeTakeFirst();
    return !!row;
  }

  /**
   * On `catalog.product_lifecycle`: a deprecation tells the product's subscribers; a retirement
   * ends their subscriptions and tells them. Publication changes nothing here.
   */
  async onProductLifecycle(e: LifecycleEvent): Promise<void> {
    if (e.kind === 'published') return;
    const subs = await this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('product_id', '=', e.product.id)
      .where('status', 'in', ['pending', 'active'])
      .execute();
    if (e.kind === 'retired') {
      await this.#db
        .updateTable('subscriptions')
        .set({ status: 'cancelled', live_key: null, cancelled_at: this.#nowIso(), reason: 'product retired' })
        .where('product_id', '=', e.product.id)
        .where('status', 'in', ['pending', 'active'])
        .execute();
    }
    const orgs = new Set<string>();
    for (const s of subs) {
      orgs.add(s.org_id);
      await this.invalidate({ kind: 'subscription', id: s.id, appId: s.app_id });
    }
    for (const orgId of orgs) {
      await this.#notifyOrg(orgId, {
        kind: `product.${e.kind}`,
        title: `${e.product.name} is ${e.kind}`,
        body:
          e.kind === 'deprecated'
            ? `${e.product.name} is deprecated: it keeps working for now but will be retired.${e.note ? ` ${e.note}` : ''}`
            : `${e.product.name} is retired: its subscriptions have ended and calls are refused.${e.note ? ` ${e.note}` : ''}`,
        // Not the product's page: once retired, a product is no longer shown to developers, and a
        // notice's link must outlive it. The organisation's apps show the subscriptions concerned.
        link: `/orgs/${orgId}/apps`,
      });
    }
  }

  // ---------------------------------------------------------------- effective limits (gateway)
  /** The app's subscription to a product (live one first), with its plan's effective limits. */
  async entitlement(appId: string, productSlug: string) {
    const rows = await this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('app_id', '=', appId)
      .where('product_slug', '=', productSlug)
      .orderBy('id', 'desc')
      .limit(20)
      .execute();
    if (rows.length === 0) return null;
    const row = rows.find((r) => r.status === 'active' || r.status === 'pending') ?? rows[0];
    const plan = await this.#catalog.getPlan(row.plan_id);
    if (!plan) return null;
    return {
      subscriptionId: row.id as string,
      status: row.status as SubscriptionView['status'],
      plan: await this.effectiveLimits(appId, plan),
    };
  }

  /** The plan's limits with the app's in-force overrides applied (a raise never lowers a limit). */
  async effectiveLimits(appId: string, plan: Plan): Promise<PlanLimits> {
    const nowMs = this.#clock.nowMs();
    const rows = await this.#db
      .selectFrom('limit_requests')
      .selectAll()
      .where('app_id', '=', appId)
      .where('plan_id', '=', plan.id)
      .where('status', '=', 'approved')
      .execute();
    const live = rows.filter((r) => this.#inForce(r, nowMs));
    const rate = new Map<RatePeriod, number>(plan.rateLimits.map((r) => [r.period, r.limit]));
    const opRates = new Map<string, Map<RatePeriod, number>>(
      Object.entries(plan.operationRateLimits).map(([op, list]) => [
        op,
        new Map(list.map((r) => [r.period, r.limit])),
      ]),
    );
    let burst = plan.burst;
    let quotaDay = plan.quotas.day;
    let quotaMonth = plan.quotas.month;
    let endUsers = plan.endUserCap?.limit ?? null;
    let validUntilMs: number | null = null;
    const applied: string[] = [];
    const raise = (cur: number | null | undefined, v: number) =>
      cur == null ? (cur ?? null) : Math.max(cur, v);
    for (const r of live) {
      const v = Number(r.granted_value);
      const kind = r.limit_kind as LimitKind;
      if (kind.startsWith('rate:')) {
        const period = kind.slice(5) as RatePeriod;
        const target = r.operation_id ? opRates.get(r.operation_id) : rate;
        if (!target?.has(period)) continue;
        target.set(period, Math.max(target.get(period)!, v));
      } else if (kind === 'quota:day') quotaDay = raise(quotaDay, v);
      else if (kind === 'quota:month') quotaMonth = raise(quotaMonth, v);
      else if (kind === 'end-users') endUsers = raise(endUsers, v);
      else if (kind === 'burst') burst = raise(burst, v);
      applied.push(r.id);
      if (r.granted_until) {
        const until = Date.parse(r.granted_until);
        validUntilMs = validUntilMs === null ? until : Math.min(validUntilMs, until);
      }
    }
    const toList = (m: Map<RatePeriod, number>) =>
      RATE_PERIODS.filter((p) => m.has(p)).map((p) => ({ periodMs: PERIOD_MS[p], limit: m.get(p)! }));
    return {
      id: plan.id,
      name: plan.name,
      productSlug: plan.productSlug,
      rateLimits: toList(rate),
      operationRateLimits: Object.fromEntries([...opRates].map(([op, m]) => [op, toList(m)])),
      burst,
      quotas: { day: quotaDay, month: quotaMonth, timeZone: plan.quotas.timeZone },
      endUserCap:
        plan.endUserCap && endUsers !== null ? { limit: endUsers, period: plan.endUserCap.period } : null,
      appliedOverrides: applied,
      validUntilMs,
    };
  }

  #inForce(r: any, nowMs: number): boolean {
    if (r.status !== 'approved') return false;
    if (r.conditions_terms && !r.terms_accepted_at) return false;
    if (r.granted_until && Date.parse(r.granted_until) <= nowMs) return false;
    return true;
  }

  // ---------------------------------------------------------------- limit-increase requests
  #limitView(r: any): LimitRequestView {
    return {
      id: r.id,
      appId: r.app_id,
      orgId: r.org_id,
      subscriptionId: r.subscription_id,
      planId: r.plan_id,
      productSlug: r.product_slug,
      limit: r.limit_kind,
      operationId: r.operation_id ?? null,
      currentValue: Number(r.current_value),
      requestedValue: Number(r.requested_value),
      reason: r.reason,
      requestedUntil: r.requested_until ?? null,
      status: r.status,
      grantedValue: r.granted_value == null ? null : Number(r.granted_value),
      grantedUntil: r.granted_until ?? null,
      conditionsTerms: r.conditions_terms ?? null,
      termsAcceptedAt: r.terms_accepted_at ?? null,
      decisionNote: r.decision_note ?? null,
      inForce: this.#inForce(r, this.#clock.nowMs()),
      createdAt: r.created_at,
      decidedAt: r.decided_at ?? null,
    };
  }

  #currentValue(limits: PlanLimits, kind: LimitKind, operationId: string | undefined): number | null {
    if (kind.startsWith('rate:')) {
      const periodMs = PERIOD_MS[kind.slice(5) as RatePeriod];
      const list = operationId ? limits.operationRateLimits[operationId] : limits.rateLimits;
      return list?.find((r) => r.periodMs === periodMs)?.limit ?? null;
    }
    if (kind === 'quota:day') return limits.quotas.day;
    if (kind === 'quota:month') return limits.quotas.month;
    if (kind === 'end-users') return limits.endUserCap?.limit ?? null;
    if (kind === 'burst') return limits.burst;
    return null;
  }

  async requestLimitIncrease(
    orgId: string,
    appId: string,
    input: z.input<typeof limitRequestInputSchema>,
    ctx: Ctx,
  ): Promise<LimitRequestView> {
    const p = parseInput(limitRequestInputSchema, input);
    const app = await this.#appRow(orgId, appId);
    if (app.status !== 'active') throw new AppError('app_not_active');
    const sub = await this.#subRow(orgId, appId, p.subscriptionId);
    if (sub.status !== 'active')
      throw new AppError('conflict', { message: 'The subscription is not active.' });
    const plan = await this.#catalog.getPlan(sub.plan_id);
    if (!plan) throw new AppError('not_found');
    if (p.operationId && !p.limit.startsWith('rate:')) {
      throw new AppError('limit_not_in_plan', { message: 'Only rate limits can be raised per operation.' });
    }
    const limits = await this.effectiveLimits(appId, plan);
    const current = this.#currentValue(limits, p.limit, p.operationId);
    if (current === null) throw new AppError('limit_not_in_plan');
    if (p.requestedValue <= current) {
      throw new AppError('validation_failed', {
        details: [
          {
            in: 'body',
            field: 'requestedValue',
            code: 'too_small',
            message: `must be above the current ${current}`,
          },
        ],
      });
    }
    const until = p.until ? this.#checkExpiry(p.until) : null;
    const id = newId('lim', this.#clock.nowMs());
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .insertInto('limit_requests')
        .values({
          id,
          app_id: appId,
          org_id: orgId,
          subscription_id: sub.id,
          plan_id: plan.id,
          product_slug: plan.productSlug,
          limit_kind: p.limit,
          operation_id: p.operationId ?? null,
          current_value: current,
          requested_value: p.requestedValue,
          reason: p.reason,
          requested_until: until,
          status: 'pending',
          requested_by: ctx.actor.id,
          created_at: this.#nowIso(),
        })
        .execute();
      await this.#audit.recordBy(
        ctx,
        {
          action: 'limit_request.create',
          target: { type: 'limit_request', id },
          orgId,
          details: {
            appId,
            limit: p.limit,
            operationId: p.operationId,
            current,
            requested: p.requestedValue,
          },
        },
        trx,
      );
    });
    return this.getLimitRequest(orgId, id);
  }

  async getLimitRequest(orgId: string, id: string): Promise<LimitRequestView> {
    const r = await this.#db
      .selectFrom('limit_requests')
      .selectAll()
      .where('id', '=', id)
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (!r) throw new AppError('not_found');
    return this.#limitView(r);
  }

  async listLimitRequests(filter: {
    orgId?: string;
    status?: string;
    appId?: string;
  }): Promise<LimitRequestView[]> {
    let q = this.#db.selectFrom('limit_requests').selectAll();
    if (filter.orgId) q = q.where('org_id', '=', filter.orgId);
    if (filter.appId) q = q.where('app_id', '=', filter.appId);
    if (filter.status) q = q.where('status', '=', filter.status);
    return (await q.orderBy('id', 'desc').limit(500).execute()).map((r) => this.#limitView(r));
  }

  async cancelLimitRequest(orgId: string, id: string, ctx: Ctx): Promise<LimitRequestView> {
    const r = await this.getLimitRequest(orgId, id);
    if (r.status !== 'pending' && r.status !== 'approved')
      throw new AppError('conflict', { message: 'Nothing to cancel.' });
    await this.#db.transaction().execute(async (trx) => {
      await trx.updateTable('limit_requests').set({ status: 'cancelled' }).where('id', '=', id).execute();
      await this.#audit.recordBy(
        ctx,
        {
          action: 'limit_request.cancel',
          target: { type: 'limit_request', id },
          orgId,
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'plan', id: r.planId });
    await this.invalidate({ kind: 'subscription', id: r.subscriptionId, appId: r.appId });
    return this.getLimitRequest(orgId, id);
  }

  async decideLimitRequest(
    id: string,
    input: z.input<typeof limitDecisionSchema>,
    ctx: Ctx,
  ): Promise<LimitRequestView> {
    const p = parseInput(limitDecisionSchema, input);
    const r = await this.#db.selectFrom('limit_requests').selectAll().where('id', '=', id).executeTakeFirst();
    if (!r) throw new AppError('not_found');
    if (r.status !== 'pending')
      throw new AppError('conflict', { message: 'The request was already decided.' });
    const set: Record<string, unknown> = {
      decided_by: ctx.actor.id,
      decided_at: this.#nowIso(),
      decision_note: p.note ?? null,
    };
    if (p.decision === 'decline') {
      set.status = 'declined';
    } else if (p.decision === 'approve') {
      if (p.value !== undefined || p.until !== undefined || p.terms !== undefined) {
        throw new AppError('validation_failed', {
          message: 'Use approve_with_conditions to change the value, end or terms.',
        });
      }
      set.status = 'approved';
      set.granted_value = r.requested_value;
      set.granted_until = r.requested_until ?? null;
    } else {
      const value = p.value ?? Number(r.requested_value);
      if (value > Number(r.requested_value) || value <= Number(r.current_value)) {
        throw new AppError('validation_failed', {
          details: [
            {
              in: 'body',
              field: 'value',
              code: 'out_of_range',
              message: `must be above ${r.current_value} and at most the ${r.requested_value} asked for`,
            },
          ],
        });
      }
      if (p.value === undefined && p.until === undefined && p.terms === undefined) {
        throw new AppError('validation_failed', {
          message: 'approve_with_conditions needs a value, an end date or terms.',
        });
      }
      set.status = 'approved';
      set.granted_value = value;
      set.granted_until = p.until ? this.#checkExpiry(p.until) : (r.requested_until ?? null);
      set.conditions_terms = p.terms ?? null;
    }
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('limit_requests')
        .set(set)
        .where('id', '=', id)
        .where('status', '=', 'pending')
        .execute();
      await this.#audit.recordBy(
        ctx,
        {
          action: `limit_request.${p.decision}`,
          target: { type: 'limit_request', id },
          orgId: r.org_id,
          details: { value: set.granted_value ?? null, until: set.granted_until ?? null, terms: !!p.terms },
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'plan', id: r.plan_id });
    await this.invalidate({ kind: 'subscription', id: r.subscription_id, appId: r.app_id });
    const view = await this.getLimitRequest(r.org_id, id);
    const what = `${view.limit}${view.operationId ? ` (${view.operationId})` : ''}`;
    await this.#notifyOrg(r.org_id, {
      kind: `limit_request.${p.decision}`,
      link: `/orgs/${r.org_id}/apps/${view.appId}`,
      title: p.decision === 'decline' ? 'Limit increase declined' : 'Limit increase approved',
      body:
        p.decision === 'decline'
          ? `Your request to raise ${what} was declined${p.note ? `: ${p.note}` : '.'}`
          : `Your request to raise ${what} was approved at ${view.grantedValue}${view.grantedUntil ? ` until ${view.grantedUntil}` : ''}.${view.conditionsTerms ? ' Accept the conditions in the portal for it to take effect.' : ''}`,
    });
    return view;
  }

  async acceptLimitConditions(orgId: string, id: string, ctx: Ctx): Promise<LimitRequestView> {
    const r = await this.getLimitRequest(orgId, id);
    if (r.status !== 'approved' || !r.conditionsTerms || r.termsAcceptedAt) {
      throw new AppError('conflict', { message: 'There are no conditions waiting for acceptance.' });
    }
    await this.#db.transaction().execute(async (trx) => {
      await trx
        .updateTable('limit_requests')
        .set({ terms_accepted_at: this.#nowIso(), terms_accepted_by: ctx.actor.id })
        .where('id', '=', id)
        .execute();
      await this.#audit.recordBy(
        ctx,
        {
          action: 'limit_request.accept_conditions',
          target: { type: 'limit_request', id },
          orgId,
        },
        trx,
      );
    });
    await this.invalidate({ kind: 'plan', id: r.planId });
    await this.invalidate({ kind: 'subscription', id: r.subscriptionId, appId: r.appId });
    return this.getLimitRequest(orgId, id);
  }
}

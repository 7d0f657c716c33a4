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
  type AppChange,
  type AppRow,
  AppsStore,
  type LimitRequestChange,
  type LimitRequestRow,
  type ProductionRequestRow,
  type SecretState,
  type SubscriptionRow,
} from './apps-store.ts';
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
import type { AppsTables } from './tables.ts';

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

function secretStatus(
  r: Pick<SecretState, 'status' | 'expires_at'>,
  nowMs: number,
): ClientSecretView['status'] {
  if (r.status !== 'active') return 'revoked';
  if (r.expires_at && Date.parse(r.expires_at) <= nowMs) return 'expired';
  return 'active';
}

/** Templates sent both as a notice and as an e-mail to an organisation's owners and admins. */
type OrgNoticeKind = MailMessage['kind'] & Parameters<NotificationService['notify']>[1]['kind'];

export class AppsService {
  readonly #store: AppsStore;
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
    db: Kysely<AppsTables>;
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
    this.#store = new AppsStore(opts.db);
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
  async #appRow(orgId: string, appId: string): Promise<AppRow> {
    const row = await this.#store.findApp(orgId, appId);
    if (!row) throw new AppError('not_found');
    return row;
  }

  async #view(row: AppRow): Promise<AppView> {
    const nowMs = this.#clock.nowMs();
    const [secrets, prod] = await Promise.all([
      this.#store.recentSecrets(row.id),
      this.#store.latestProductionRequest(row.id),
    ]);
    return {
      id: row.id,
      orgId: row.org_id,
      name: row.name,
      description: row.description,
      callbackUrls: JSON.parse(row.callback_urls),
      publicKeyPem: row.public_key_pem ?? null,
      clientId: row.client_id,
      environment: row.environment as AppEnvironment,
      status: row.status as AppStatus,
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
        ? {
            id: prod.id,
            status: prod.status as ProductionRequestView['status'],
            reason: prod.reason ?? null,
            createdAt: prod.created_at,
          }
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
    await this.#store.transaction(async (store, tx) => {
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
      await this.#insertSecret(store, appId, secret, null, ctx);
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.create',
          target: { type: 'app', id: appId },
          orgId,
          details: { name: p.name, clientId },
        },
        tx,
      );
    });
    return { app: await this.#view(await this.#appRow(orgId, appId)), clientSecret: secret };
  }

  async #insertSecret(store: AppsStore, appId: string, secret: string, expiresAt: string | null, ctx: Ctx) {
    const id = newId('sec', this.#clock.nowMs());
    await store.insertSecret({
      id,
      app_id: appId,
      secret_hash: this.#keyring.hmac(secret, SECRET_PURPOSE),
      hint: secret.slice(-4),
      status: 'active',
      expires_at: expiresAt,
      created_by: ctx.actor.id,
      created_at: this.#nowIso(),
    });
    return id;
  }

  async listApps(orgId: string): Promise<AppView[]> {
    const rows = await this.#store.listAppsOfOrg(orgId);
    return Promise.all(rows.map((r) => this.#view(r)));
  }

  async getApp(orgId: string, appId: string): Promise<AppView> {
    return this.#view(await this.#appRow(orgId, appId));
  }

  /** Operators: every app, newest first, optionally for one organisation or status. */
  async listAllApps(filter: { orgId?: string; status?: AppStatus; limit?: number }): Promise<AppView[]> {
    const rows = await this.#store.listAllApps({
      orgId: filter.orgId,
      status: filter.status,
      limit: Math.min(filter.limit ?? 200, 500),
    });
    return Promise.all(rows.map((r) => this.#view(r)));
  }

  /** Operators: any app by id. */
  async getAppById(appId: string): Promise<AppView | null> {
    const row = await this.#store.findAppById(appId);
    return row ? this.#view(row) : null;
  }

  async updateApp(orgId: string, appId: string, patch: z.input<typeof appPatchSchema>, ctx: Ctx) {
    const row = await this.#appRow(orgId, appId);
    if (row.status === 'revoked') throw new AppError('not_found');
    const p = parseInput(appPatchSchema, patch);
    const set: AppChange = { updated_at: this.#nowIso() };
    if (p.name !== undefined) set.name = p.name;
    if (p.description !== undefined) set.description = p.description;
    if (p.callbackUrls !== undefined) set.callback_urls = JSON.stringify(p.callbackUrls);
    if (p.publicKeyPem !== undefined)
      set.public_key_pem = p.publicKeyPem ? validatePublicKeyPem(p.publicKeyPem) : null;
    await this.#store.transaction(async (store, tx) => {
      await store.updateApp(appId, set);
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.update',
          target: { type: 'app', id: appId },
          orgId,
          details: { fields: Object.keys(p) },
        },
        tx,
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
    const row = await this.#store.findAppById(appId);
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
    const rows = await this.#store.unrevokedAppsOfOrg(orgId);
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

  async #setAppStatus(row: AppRow, status: AppStatus, reason: string, ctx: Ctx, action: string) {
    const nowIso = this.#nowIso();
    await this.#store.transaction(async (store, tx) => {
      await store.updateApp(row.id, { status, status_reason: reason, updated_at: nowIso });
      if (status === 'revoked') {
        await store.revokeActiveSecrets(row.id, nowIso);
        await store.cancelLiveSubscriptionsOfApp(row.id, nowIso);
      }
      await this.#audit.recordBy(
        ctx,
        {
          action,
          target: { type: 'app', id: row.id },
          orgId: row.org_id,
          details: { reason },
        },
        tx,
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
    await this.#store.transaction(async (store, tx) => {
      // Touching the app row first serialises concurrent rotations of one app (a row lock on
      // PostgreSQL; SQLite runs one write transaction at a time), so the count below holds.
      await store.updateApp(appId, { updated_at: this.#nowIso() });
      const active = await this.#activeSecretCount(store, appId);
      if (active >= MAX_ACTIVE_SECRETS) throw new AppError('secret_limit_reached');
      id = await this.#insertSecret(store, appId, secret, expiresAt, ctx);
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.secret.create',
          target: { type: 'client_secret', id },
          orgId,
          details: { appId, expiresAt },
        },
        tx,
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

  async #activeSecretCount(store: AppsStore, appId: string): Promise<number> {
    const rows = await store.activeSecrets(appId);
    const nowMs = this.#clock.nowMs();
    return rows.filter((r) => secretStatus(r, nowMs) === 'active').length;
  }

  async revokeClientSecret(orgId: string, appId: string, secretId: string, ctx: Ctx): Promise<void> {
    const row = await this.#appRow(orgId, appId);
    const r = await this.#store.transaction(async (store, tx) => {
      const res = await store.revokeSecret(secretId, appId, this.#nowIso());
      if (res === 0) throw new AppError('not_found');
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.secret.revoke',
          target: { type: 'client_secret', id: secretId },
          orgId,
          details: { appId },
        },
        tx,
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
    await this.#store.transaction(async (store, tx) => {
      await store.revokeActiveSecrets(appId, this.#nowIso());
      id = await this.#insertSecret(store, appId, secret, null, ctx);
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.secret.reset',
          target: { type: 'client_secret', id },
          orgId,
          details: { appId },
        },
        tx,
      );
    });
    await this.invalidate({ kind: 'client', id: row.client_id, appId });
    const view = (await this.getApp(orgId, appId)).secrets.find((s) => s.id === id)!;
    return { secret: view, clientSecret: secret };
  }

  /** The id of the app's active, unexpired secret equal to `secret`, or null. */
  async matchClientSecret(appId: string, secret: string): Promise<string | null> {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > 512) return null;
    const row = await this.#store.findSecretByHash(this.#keyring.hmac(secret, SECRET_PURPOSE), appId);
    if (!row || secretStatus(row, this.#clock.nowMs()) !== 'active') return null;
    return row.id;
  }

  async isSecretActive(secretId: string): Promise<boolean> {
    const row = await this.#store.findSecret(secretId);
    return !!row && secretStatus(row, this.#clock.nowMs()) === 'active';
  }

  /** The app behind a client id (any status), with the org's status folded in. */
  async findAppByClientId(clientId: string) {
    if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > 200) return null;
    const row = await this.#store.findAppByClientId(clientId);
    if (!row) return null;
    return this.#gatewayApp(row);
  }

  async findAppById(appId: string) {
    const row = await this.#store.findAppById(appId);
    return row ? this.#gatewayApp(row) : null;
  }

  async #gatewayApp(row: AppRow) {
    let status = row.status as AppStatus;
    if (status === 'active') {
      const org = await this.#orgAccess.getOrganization(row.org_id);
      if (!org || org.status === 'terminated') status = 'revoked';
      else if (org.status !== 'active') status = 'suspended';
    }
    return {
      appId: row.id,
      clientId: row.client_id,
      orgId: row.org_id,
      name: row.name,
      status,
      environment: row.environment as AppEnvironment,
      publicKeyPem: row.public_key_pem ?? null,
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
    const pending = await this.#store.pendingProductionRequest(appId);
    if (pending) return this.#prodView(pending);
    const id = newId('prq', this.#clock.nowMs());
    await this.#store.transaction(async (store, tx) => {
      await store.insertProductionRequest({
        id,
        app_id: appId,
        org_id: orgId,
        status: 'pending',
        note,
        requested_by: ctx.actor.id,
        created_at: this.#nowIso(),
      });
      await this.#audit.recordBy(
        ctx,
        {
          action: 'app.production.request',
          target: { type: 'app', id: appId },
          orgId,
        },
        tx,
      );
    });
    return this.#prodView(await this.#store.getProductionRequest(id));
  }

  #prodView(r: ProductionRequestRow): ProductionRequestView {
    return {
      id: r.id,
      appId: r.app_id,
      orgId: r.org_id,
      status: r.status as ProductionRequestView['status'],
      note: r.note ?? null,
      reason: r.reason ?? null,
      createdAt: r.created_at,
      decidedAt: r.decided_at ?? null,
    };
  }

  async listProductionRequests(status?: string) {
    return (await this.#store.listProductionRequests(status)).map((r) => this.#prodView(r));
  }

  async decideProductionAccess(requestId: string, approve: boolean, reason: string | null, ctx: Ctx) {
    const r = await this.#store.findProductionRequest(requestId);
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
    await this.#store.transaction(async (store, tx) => {
      await store.updateProductionRequest(requestId, {
        status: approve ? 'approved' : 'declined',
        reason,
        decided_by: ctx.actor.id,
        decided_at: nowIso,
      });
      if (approve) {
        await store.updateApp(r.app_id, { environment: 'production', updated_at: nowIso });
      }
      await this.#audit.recordBy(
        ctx,
        {
          action: approve ? 'app.production.approve' : 'app.production.decline',
          target: { type: 'app', id: r.app_id },
          orgId: r.org_id,
          details: { requestId, reason },
        },
        tx,
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
    return this.#prodView(await this.#store.getProductionRequest(requestId));
  }

  // ---------------------------------------------------------------- subscriptions
  async #subView(r: SubscriptionRow): Promise<SubscriptionView> {
    const plan = await this.#catalog.getPlan(r.plan_id);
    return {
      id: r.id,
      appId: r.app_id,
      orgId: r.org_id,
      productSlug: r.product_slug,
      planId: r.plan_id,
      planName: plan?.name ?? '',
      status: r.status as SubscriptionView['status'],
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
      await this.#store.transaction(async (store, tx) => {
        await store.insertSubscription({
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
        });
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
          tx,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('already_subscribed');
      throw err;
    }
    await this.invalidate({ kind: 'subscription', id, appId });
    return this.#subView(await this.#subRow(orgId, appId, id));
  }

  async #subRow(orgId: string, appId: string | null, subId: string): Promise<SubscriptionRow> {
    const row = await this.#store.findSubscription(orgId, appId, subId);
    if (!row) throw new AppError('not_found');
    return row;
  }

  async listSubscriptions(orgId: string, appId: string): Promise<SubscriptionView[]> {
    await this.#appRow(orgId, appId);
    const rows = await this.#store.listSubscriptionsOfApp(orgId, appId);
    return Promise.all(rows.map((r) => this.#subView(r)));
  }

  async getSubscription(orgId: string, appId: string, subId: string): Promise<SubscriptionView> {
    return this.#subView(await this.#subRow(orgId, appId, subId));
  }

  async unsubscribe(orgId: string, appId: string, subId: string, ctx: Ctx): Promise<void> {
    const row = await this.#subRow(orgId, appId, subId);
    if (!['pending', 'active'].includes(row.status))
      throw new AppError('conflict', { message: 'The subscription is not live.' });
    await this.#store.transaction(async (store, tx) => {
      await store.cancelSubscription(subId, this.#nowIso());
      await this.#audit.recordBy(
        ctx,
        {
          action: 'subscription.cancel',
          target: { type: 'subscription', id: subId },
          orgId,
          details: { appId },
        },
        tx,
      );
    });
    await this.invalidate({ kind: 'subscription', id: subId, appId });
  }

  async listSubscriptionsByStatus(status: string): Promise<SubscriptionView[]> {
    const rows = await this.#store.listSubscriptionsByStatus(status);
    return Promise.all(rows.map((r) => this.#subView(r)));
  }

  async decideSubscription(subId: string, approve: boolean, reason: string | null, ctx: Ctx) {
    const row = await this.#store.findSubscriptionById(subId);
    if (!row) throw new AppError('not_found');
    if (row.status !== 'pending')
      throw new AppError('conflict', { message: 'The subscription is not pending.' });
    await this.#store.transaction(async (store, tx) => {
      await store.decidePendingSubscription(subId, {
        status: approve ? 'active' : 'declined',
        live_key: approve ? row.live_key : null,
        reason,
        decided_by: ctx.actor.id,
        decided_at: this.#nowIso(),
      });
      await this.#audit.recordBy(
        ctx,
        {
          action: approve ? 'subscription.approve' : 'subscription.decline',
          target: { type: 'subscription', id: subId },
          orgId: row.org_id,
          details: { appId: row.app_id, reason },
        },
        tx,
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
    return this.#store.hasActiveSubscription(appId);
  }

  /**
   * On `catalog.product_lifecycle`: a deprecation tells the product's subscribers; a retirement
   * ends their subscriptions and tells them. Publication changes nothing here.
   */
  async onProductLifecycle(e: LifecycleEvent): Promise<void> {
    if (e.kind === 'published') return;
    const subs = await this.#store.liveSubscriptionsOfProduct(e.product.id);
    if (e.kind === 'retired') {
      await this.#store.cancelLiveSubscriptionsOfProduct(e.product.id, this.#nowIso(), 'product retired');
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
    const rows = await this.#store.recentSubscriptions(appId, productSlug);
    if (rows.length === 0) return null;
    const row = rows.find((r) => r.status === 'active' || r.status === 'pending') ?? rows[0];
    const plan = await this.#catalog.getPlan(row.plan_id);
    if (!plan) return null;
    return {
      subscriptionId: row.id,
      status: row.status as SubscriptionView['status'],
      plan: await this.effectiveLimits(appId, plan),
    };
  }

  /** The plan's limits with the app's in-force overrides applied (a raise never lowers a limit). */
  async effectiveLimits(appId: string, plan: Plan): Promise<PlanLimits> {
    const nowMs = this.#clock.nowMs();
    const rows = await this.#store.approvedLimitRequests(appId, plan.id);
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

  #inForce(
    r: Pick<LimitRequestRow, 'status' | 'conditions_terms' | 'terms_accepted_at' | 'granted_until'>,
    nowMs: number,
  ): boolean {
    if (r.status !== 'approved') return false;
    if (r.conditions_terms && !r.terms_accepted_at) return false;
    if (r.granted_until && Date.parse(r.granted_until) <= nowMs) return false;
    return true;
  }

  // ---------------------------------------------------------------- limit-increase requests
  #limitView(r: LimitRequestRow): LimitRequestView {
    return {
      id: r.id,
      appId: r.app_id,
      orgId: r.org_id,
      subscriptionId: r.subscription_id,
      planId: r.plan_id,
      productSlug: r.product_slug,
      limit: r.limit_kind as LimitKind,
      operationId: r.operation_id ?? null,
      currentValue: Number(r.current_value),
      requestedValue: Number(r.requested_value),
      reason: r.reason,
      requestedUntil: r.requested_until ?? null,
      status: r.status as LimitRequestView['status'],
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
    await this.#store.transaction(async (store, tx) => {
      await store.insertLimitRequest({
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
      });
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
        tx,
      );
    });
    return this.getLimitRequest(orgId, id);
  }

  async getLimitRequest(orgId: string, id: string): Promise<LimitRequestView> {
    const r = await this.#store.findLimitRequest(id, orgId);
    if (!r) throw new AppError('not_found');
    return this.#limitView(r);
  }

  async listLimitRequests(filter: {
    orgId?: string;
    status?: string;
    appId?: string;
  }): Promise<LimitRequestView[]> {
    return (await this.#store.listLimitRequests(filter)).map((r) => this.#limitView(r));
  }

  async cancelLimitRequest(orgId: string, id: string, ctx: Ctx): Promise<LimitRequestView> {
    const r = await this.getLimitRequest(orgId, id);
    if (r.status !== 'pending' && r.status !== 'approved')
      throw new AppError('conflict', { message: 'Nothing to cancel.' });
    await this.#store.transaction(async (store, tx) => {
      await store.updateLimitRequest(id, { status: 'cancelled' });
      await this.#audit.recordBy(
        ctx,
        {
          action: 'limit_request.cancel',
          target: { type: 'limit_request', id },
          orgId,
        },
        tx,
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
    const r = await this.#store.findLimitRequest(id);
    if (!r) throw new AppError('not_found');
    if (r.status !== 'pending')
      throw new AppError('conflict', { message: 'The request was already decided.' });
    const set: LimitRequestChange = {
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
    await this.#store.transaction(async (store, tx) => {
      await store.decidePendingLimitRequest(id, set);
      await this.#audit.recordBy(
        ctx,
        {
          action: `limit_request.${p.decision}`,
          target: { type: 'limit_request', id },
          orgId: r.org_id,
          details: { value: set.granted_value ?? null, until: set.granted_until ?? null, terms: !!p.terms },
        },
        tx,
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
    await this.#store.transaction(async (store, tx) => {
      await store.updateLimitRequest(id, {
        terms_accepted_at: this.#nowIso(),
        terms_accepted_by: ctx.actor.id,
      });
      await this.#audit.recordBy(
        ctx,
        {
          action: 'limit_request.accept_conditions',
          target: { type: 'limit_request', id },
          orgId,
        },
        tx,
      );
    });
    await this.invalidate({ kind: 'plan', id: r.planId });
    await this.invalidate({ kind: 'subscription', id: r.subscriptionId, appId: r.appId });
    return this.getLimitRequest(orgId, id);
  }
}

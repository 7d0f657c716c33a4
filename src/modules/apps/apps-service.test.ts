import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { DAY, FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import type { AppError } from '../../platform/errors.ts';
import { EventBus } from '../../platform/events.ts';
import { createLogger } from '../../platform/logger.ts';
import { createKeyring } from '../../platform/master-key.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { CACHE_INVALIDATE_CHANNEL } from '../../platform/shared-state/cache-invalidation.ts';
import { MemorySharedState } from '../../platform/shared-state/memory-shared-state.ts';
import { testEngines } from '../../platform/testing.ts';
import { auditModule } from '../audit/index.ts';
import { type Catalog, catalogModule, seedCatalog, shellProducts } from '../catalog/index.ts';
import type { GatewayDirectory } from '../gateway/index.ts';
import { notificationsModule } from '../notifications/index.ts';
import { oauthModule } from '../oauth/index.ts';
import type { OrgAccess, OrgSummary } from '../organizations/index.ts';
import type { TermsGate } from '../terms/index.ts';
import { AppsService, type LimitKind, validatePublicKeyPem } from './apps-service.ts';
import { migrations as appsMigrations } from './migrations.ts';

/** A small fake of the organisations module: org id → status and confirmation. */
function fakeOrgAccess(orgs: Map<string, OrgSummary>): OrgAccess {
  return {
    async requireMember() {
      return 'owner';
    },
    async getOrganization(id) {
      return orgs.get(id) ?? null;
    },
    async memberUserIds(id) {
      return orgs.has(id) ? [`usr_owner_of_${id}`] : [];
    },
    async orgIdsOfUser() {
      return [];
    },
  };
}

const ctx: RequestContext = {
  actor: { type: 'user', id: 'usr_test' },
  ip: null,
  userAgent: null,
  requestId: null,
};

for (const engine of testEngines()) {
  describe(`AppsService on ${engine.name}`, () => {
    let database: Awaited<ReturnType<typeof engine.open>>;
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 9));
    const shared = new MemorySharedState();
    const orgs = new Map<string, OrgSummary>([
      ['org_a', { id: 'org_a', name: 'A', status: 'active', representativeConfirmed: true }],
      ['org_b', { id: 'org_b', name: 'B', status: 'active', representativeConfirmed: false }],
    ]);
    let accepted = true;
    const terms: TermsGate = { hasAcceptedProductTerms: async () => accepted };
    let apps: AppsService;
    let catalog: Catalog;
    let dir: GatewayDirectory;
    const messages: Array<{ kind: string; id: string; appId?: string }> = [];

    before(async () => {
      database = await engine.open();
      await migrateToLatest(database.db, [
        auditModule.migrations,
        notificationsModule.migrations,
        catalogModule.migrations,
        appsMigrations,
        oauthModule.migrations,
      ]);
      const db = database.db;
      const keyring = createKeyring(randomBytes(32));
      const audit = (await auditModule.create({ db: db, clock: clock })).ports.audit;
      const events = new EventBus();
      catalog = (
        await catalogModule.create({
          db,
          clock,
          provider: 'p',
          publicUrl: 'http://x',
          invalidate: (m) => shared.publish(CACHE_INVALIDATE_CHANNEL, JSON.stringify(m)),
          events,
          audit,
        })
      ).ports.catalog;
      const { mailer, notifications } = (
        await notificationsModule.create({
          db,
          clock,
          keyring,
          log: createLogger('silent'),
          from: 'x@y',
          devMailbox: 'off',
        })
      ).ports;
      apps = new AppsService({
        db,
        clock,
        keyring,
        sharedState: shared,
        catalog,
        orgAccess: fakeOrgAccess(orgs),
        termsGate: terms,
        audit,
        notifications,
        mailer,
        publicUrl: 'http://x',
      });
      events.subscribe('apps', { 'catalog.product_lifecycle': (e) => apps.onProductLifecycle(e) });
      dir = (
        await oauthModule.create({
          db,
          clock,
          keyring,
          sharedState: shared,
          apps,
          orgAccess: fakeOrgAccess(orgs),
          audit,
          endpoints: null,
        })
      ).ports.gatewayDirectory;
      await seedCatalog(catalog, shellProducts);
      await shared.subscribe(CACHE_INVALIDATE_CHANNEL, (m) => messages.push(JSON.parse(m)));
    });
    after(() => database.cleanup());

    const planId = async (product: string, name: string) => (await catalog.findPlanByName(product, name))!.id;

    test('seeding is idempotent and publishes three plans per product', async () => {
      assert.equal(await seedCatalog(catalog, shellProducts), undefined);
      const products = await catalog.listProducts();
      assert.deepEqual(
        products.map((p) => p.slug),
        ['ibft', 'bills', '1pay'],
      );
      for (const p of products) {
        assert.equal(p.status, 'published');
        assert.equal(p.plans.length, 3);
        assert.equal(p.plans.filter((x) => x.approvalRequired).length, 1);
      }
      assert.deepEqual(products[0].plans[0].rateLimits, [{ period: 'hour', limit: 100 }]);
      assert.equal(products[0].plans[0].quotas.timeZone, 'Asia/Karachi');
    });

    test('every gateway-visible change is announced on cache-invalidate', async () => {
      await new Promise((r) => setTimeout(r, 10)); // earlier publications land first
      messages.length = 0;
      const { app } = await apps.createApp('org_a', { name: 'n' }, ctx);
      const sub = await apps.subscribe(
        'org_a',
        app.id,
        await planId('ibft', 'Default Plan – 100 calls per hour'),
        ctx,
      );
      await apps.updateApp('org_a', app.id, { name: 'm' }, ctx);
      const s2 = await apps.createClientSecret('org_a', app.id, {}, ctx);
      await apps.revokeClientSecret('org_a', app.id, s2.secret.id, ctx);
      const plan = await catalog.createPlan('bills', { name: 'Announced plan' });
      await catalog.updatePlan(plan!.id, { burst: 20 });
      await apps.unsubscribe('org_a', app.id, sub.id, ctx);
      const mineNow = () => messages.filter((m) => m.appId === app.id || m.id === plan!.id);
      for (let i = 0; i < 100 && mineNow().length < 6; i++) await new Promise((r) => setTimeout(r, 10));
      const mine = messages.filter((m) => m.appId === app.id || m.id === plan!.id);
      assert.deepEqual(
        mine.map((m) => `${m.kind}:${[app.id, app.clientId, sub.id, plan!.id].includes(m.id)}`),
        ['subscription:true', 'app:true', 'client:true', 'client:true', 'plan:true', 'subscription:true'],
      );
    });

    test('terms gate, one live plan per product, and foreign-organisation ids', async () => {
      const { app } = await apps.createApp('org_a', { name: 't' }, ctx);
      accepted = false;
      await assert.rejects(
        apps.subscribe('org_a', app.id, await planId('bills', 'Default Plan – 100 calls per hour'), ctx),
        (e: AppError) => e.code === 'product_terms_not_accepted',
      );
      accepted = true;
      await apps.subscribe('org_a', app.id, await planId('bills', 'Default Plan – 100 calls per hour'), ctx);
      await assert.rejects(
        apps.subscribe('org_a', app.id, await planId('bills', 'Growth – 50 calls per second'), ctx),
        (e: AppError) => e.code === 'already_subscribed',
      );
      await assert.rejects(apps.getApp('org_b', app.id), (e: AppError) => e.code === 'not_found');
      await assert.rejects(
        apps.createClientSecret('org_b', app.id, {}, ctx),
        (e: AppError) => e.code === 'not_found',
      );
      await assert.rejects(apps.listSubscriptions('org_b', app.id), (e: AppError) => e.code === 'not_found');
      await assert.rejects(
        apps.subscribe('org_b', app.id, await planId('ibft', 'Default Plan – 100 calls per hour'), ctx),
        (e: AppError) => e.code === 'not_found',
      );
    });

    test('concurrent secret creation never exceeds two active secrets', async () => {
      const { app } = await apps.createApp('org_a', { name: 'race' }, ctx);
      const results = await Promise.allSettled(
        Array.from({ length: 5 }, () => apps.createClientSecret('org_a', app.id, {}, ctx)),
      );
      const view = await apps.getApp('org_a', app.id);
      assert.equal(view.secrets.filter((s) => s.status === 'active').length, 2);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(results.some((r) => r.status === 'rejected'));
    });

    test('overrides: per-operation, quota and end-user raises; the best in-force grant wins; expiry by clock', async () => {
      const { app } = await apps.createApp('org_a', { name: 'limits' }, ctx);
      const plan = await catalog.createPlan('ibft', {
        name: 'Ops plan',
        rateLimits: [{ period: 'minute', limit: 60 }],
        operationRateLimits: { ibftFundsTransfer: [{ period: 'second', limit: 2 }] },
        quotaDay: 1000,
        endUserCap: { limit: 10, period: 'day' },
      });
      const sub = await apps.subscribe('org_a', app.id, plan.id, ctx);
      const ask = (limit: LimitKind, requestedValue: number, extra: Record<string, unknown> = {}) =>
        apps.requestLimitIncrease(
          'org_a',
          app.id,
          { subscriptionId: sub.id, limit, requestedValue, reason: 'a good reason here', ...extra },
          ctx,
        );
      const r1 = await ask('rate:second', 10, { operationId: 'ibftFundsTransfer' });
      const r2 = await ask('quota:day', 5000);
      const r3 = await ask('end-users', 100, { until: new Date(clock.nowMs() + 2 * DAY).toISOString() });
      await assert.rejects(
        ask('rate:second', 10, { operationId: 'ibftTitleFetch' }),
        (e: AppError) => e.code === 'limit_not_in_plan',
      );
      await apps.decideLimitRequest(r1.id, { decision: 'approve' }, ctx);
      await apps.decideLimitRequest(
        r2.id,
        {
          decision: 'approve_with_conditions',
          value: 3000,
          until: new Date(clock.nowMs() + DAY).toISOString(),
        },
        ctx,
      );
      await apps.decideLimitRequest(r3.id, { decision: 'approve' }, ctx);
      let ent = await dir.entitlement(app.id, 'ibft');
      assert.deepEqual(ent!.plan.operationRateLimits.ibftFundsTransfer, [{ periodMs: 1000, limit: 10 }]);
      assert.deepEqual(ent!.plan.rateLimits, [{ periodMs: 60_000, limit: 60 }]);
      assert.equal(ent!.plan.quotas.day, 3000);
      assert.equal(ent!.plan.endUserCap!.limit, 100);
      assert.equal(ent!.plan.validUntilMs, clock.nowMs() + DAY);
      clock.advance(DAY);
      ent = await dir.entitlement(app.id, 'ibft');
      assert.equal(ent!.plan.quotas.day, 1000, 'expired at its end');
      assert.equal(ent!.plan.endUserCap!.limit, 100);
      clock.advance(DAY);
      ent = await dir.entitlement(app.id, 'ibft');
      assert.equal(ent!.plan.endUserCap!.limit, 10);
      assert.deepEqual(ent!.plan.appliedOverrides, [r1.id]);
      await apps.cancelLimitRequest('org_a', r1.id, ctx);
      ent = await dir.entitlement(app.id, 'ibft');
      assert.deepEqual(ent!.plan.operationRateLimits.ibftFundsTransfer, [{ periodMs: 1000, limit: 2 }]);
    });

    test('gateway directory folds the organisation status into the app status', async () => {
      const { app } = await apps.createApp('org_b', { name: 'org status' }, ctx);
      assert.equal((await dir.findAppByClientId(app.clientId))!.status, 'active');
      orgs.set('org_b', { ...orgs.get('org_b')!, status: 'suspended' });
      assert.equal((await dir.findAppByClientId(app.clientId))!.status, 'suspended');
      // Whose suspension it is, so the gateway's refusal can name the organisation's.
      assert.equal((await dir.findAppByClientId(app.clientId))!.orgStatus, 'suspended');
      orgs.set('org_b', { ...orgs.get('org_b')!, status: 'terminated' });
      assert.equal((await dir.findAppByClientId(app.clientId))!.status, 'revoked');
      orgs.set('org_b', { ...orgs.get('org_b')!, status: 'active' });
      assert.equal(await dir.findAppByClientId('nope'), null);
      assert.equal(await dir.verifyClientSecret(app.id, '', 'sandbox'), false);
      assert.equal(await dir.verifyAccessToken('x'.repeat(600)), null);
    });

    test('public keys must be RSA ≥ 2048 bits', () => {
      assert.throws(
        () => validatePublicKeyPem('-----BEGIN PUBLIC KEY-----\nMFkw\n-----END PUBLIC KEY-----'),
        (e: AppError) => e.code === 'invalid_public_key',
      );
    });
  });
}

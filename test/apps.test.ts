import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { seedTerms } from '../src/modules/terms/terms-seed.ts';
import { DAY } from '../src/platform/clock.ts';
import { actorOf, systemContext } from '../src/platform/request-context.ts';
import {
  type AppsWorld,
  appsWorld,
  call,
  createApp,
  dumpDatabase,
  passProductionGate,
  refreshSessions,
  tokenCall,
} from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, addMember, testOrganization } from './identity-helpers.ts';

const rsaPub = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();
const rsaPriv = generateKeyPairSync('rsa', { modulusLength: 2048 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
const ecPub = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  .publicKey.export({ type: 'spki', format: 'pem' })
  .toString();

for (const engine of engines()) {
  describe(`apps, credentials, subscriptions, limits on ${engine.name}`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
    });
    after(() => sys.cleanup());

    test('createApp shows the secret once; reads never show it; the database holds only its HMAC', async () => {
      const r = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps`, {
        name: 'Payroll',
        description: 'salaries',
        callbackUrls: ['https://example.test/cb'],
        publicKeyPem: rsaPub,
      });
      assert.equal(r.status, 201, r.raw);
      assert.equal(r.headers['cache-control'], 'no-store');
      const secret = r.body.clientSecret as string;
      assert.ok(Buffer.from(secret, 'base64url').length >= 16, '≥ 128 bits');
      assert.match(r.body.clientId, /^[0-9a-f]{32}$/);
      assert.equal(r.body.gatewayBaseUrl, `http://localhost:3000/${sys.config.gatewayProvider}/sandbox`);
      assert.equal(r.body.app.environment, 'sandbox');
      const read = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps/${r.body.app.id}`);
      assert.equal(read.status, 200);
      assert.ok(!read.raw.includes(secret));
      assert.equal(read.body.secrets.length, 1);
      assert.equal(read.body.secrets[0].hint, secret.slice(-4));
      const list = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps`);
      assert.ok(!list.raw.includes(secret));
      assert.ok(!(await dumpDatabase(sys)).includes(secret), 'plaintext secret in the database');
    });

    test('mass assignment and bad input are refused', async () => {
      for (const extra of [
        { orgId: w.orgB },
        { status: 'active' },
        { environment: 'production' },
        { clientId: 'x' },
      ]) {
        const r = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps`, { name: 'x', ...extra });
        assert.equal(r.status, 400, JSON.stringify(extra));
      }
      const a = await createApp(sys, w.ownerA, w.orgA);
      const patch = await call(sys, w.ownerA, 'PATCH', `/api/v1/orgs/${w.orgA}/apps/${a.appId}`, {
        environment: 'production',
      });
      assert.equal(patch.status, 400);
      const sub = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${a.appId}/subscriptions`, {
        planId: w.plans.ibftDefault,
        status: 'active',
      });
      assert.equal(sub.status, 400);
      const cb = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps`, {
        name: 'x',
        callbackUrls: ['javascript:alert(1)'],
      });
      assert.equal(cb.status, 400);
    });

    test('public keys: RSA public PEM accepted; EC, private and garbage refused', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA);
      const url = `/api/v1/orgs/${w.orgA}/apps/${a.appId}`;
      assert.equal((await call(sys, w.ownerA, 'PATCH', url, { publicKeyPem: rsaPub })).status, 200);
      for (const pem of [
        ecPub,
        rsaPriv,
        '-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----',
        'hello',
      ]) {
        const r = await call(sys, w.ownerA, 'PATCH', url, { publicKeyPem: pem });
        assert.equal(r.status, 400);
        assert.equal(r.body.error.code, 'invalid_public_key');
      }
      const got = await sys.services.gatewayDirectory.findAppByClientId(a.clientId);
      assert.match(got!.publicKeyPem!, /BEGIN PUBLIC KEY/);
    });

    test('secrets: at most 2 active; expiry honoured; reset keeps the client id', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const base = `/api/v1/orgs/${w.orgA}/apps/${a.appId}`;
      const expiresAt = new Date(sys.clock.nowMs() + DAY).toISOString();
      const second = await call(sys, w.ownerA, 'POST', `${base}/secrets`, { expiresAt });
      assert.equal(second.status, 201, second.raw);
      assert.equal(second.body.secret.expiresAt, expiresAt);
      const third = await call(sys, w.ownerA, 'POST', `${base}/secrets`, {});
      assert.equal(third.status, 409);
      assert.equal(third.body.error.code, 'secret_limit_reached');
      const past = await call(sys, w.ownerA, 'POST', `${base}/secrets`, {
        expiresAt: new Date(sys.clock.nowMs() - 1000).toISOString(),
      });
      assert.ok([400, 409].includes(past.status));
      assert.equal(
        await sys.services.gatewayDirectory.verifyClientSecret(a.appId, second.body.clientSecret, 'sandbox'),
        true,
      );
      sys.clock.advance(DAY + 1000);
      await refreshSessions(sys, w);
      assert.equal(
        await sys.services.gatewayDirectory.verifyClientSecret(a.appId, second.body.clientSecret, 'sandbox'),
        false,
        'expired',
      );
      const reset = await call(sys, w.ownerA, 'POST', `${base}/reset-secret`);
      assert.equal(reset.status, 200, reset.raw);
      assert.equal(
        await sys.services.gatewayDirectory.verifyClientSecret(a.appId, a.clientSecret, 'sandbox'),
        false,
      );
      const fresh = reset.body.clientSecret as string;
      const tok = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: a.clientId,
        client_secret: fresh,
      });
      assert.equal(tok.status, 200, 'the client id is unchanged');
    });

    test('subscriptions: one plan per product; approval-only plans pend until an operator decides', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const base = `/api/v1/orgs/${w.orgA}/apps/${a.appId}/subscriptions`;
      const again = await call(sys, w.ownerA, 'POST', base, { planId: w.plans.ibftGrowth });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'already_subscribed');
      const pending = await call(sys, w.ownerA, 'POST', base, { planId: w.plans.billsPartner });
      assert.equal(pending.status, 201, pending.raw);
      assert.equal(pending.body.status, 'pending');
      const ent = await sys.services.gatewayDirectory.entitlement(a.appId, 'bills');
      assert.equal(ent?.status, 'pending', 'the gateway sees the subscription as pending');
      assert.equal(await sys.services.gatewayDirectory.entitlement(a.appId, '1pay'), null);
      const queue = await call(sys, w.operator, 'GET', '/api/v1/admin/subscriptions?status=pending');
      assert.ok(queue.body.items.some((s: any) => s.id === pending.body.id));
      const ok = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/subscriptions/${pending.body.id}/approve`,
        {},
      );
      assert.equal(ok.status, 200, ok.raw);
      assert.equal(ok.body.status, 'active');
      assert.equal((await sys.services.gatewayDirectory.entitlement(a.appId, 'bills'))?.status, 'active');
      const twice = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/subscriptions/${pending.body.id}/decline`,
        { reason: 'late' },
      );
      assert.equal(twice.status, 409);
      const notes = await sys.services.notifications.list(w.ownerA.userId);
      assert.ok(notes.some((n) => n.kind === 'subscription.approved'));

      const b = await createApp(sys, w.ownerA, w.orgA);
      const p2 = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${b.appId}/subscriptions`, {
        planId: w.plans.ibftPartner,
      });
      const no = await call(sys, w.operator, 'POST', `/api/v1/admin/subscriptions/${p2.body.id}/decline`, {
        reason: 'volume not justified',
      });
      assert.equal(no.status, 200, no.raw);
      assert.equal(no.body.status, 'declined');
      assert.equal(no.body.reason, 'volume not justified');
      assert.equal((await sys.services.gatewayDirectory.entitlement(b.appId, 'ibft'))?.status, 'declined');
      const tok = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: b.clientId,
        client_secret: b.clientSecret,
      });
      assert.equal(tok.body.error, 'invalid_client', 'no active plan, no token');
      assert.ok(
        (await sys.services.notifications.list(w.ownerA.userId)).some(
          (n) => n.kind === 'subscription.declined',
        ),
      );
      // After a decline the app may pick another plan of that product.
      const again2 = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/apps/${b.appId}/subscriptions`,
        { planId: w.plans.ibftDefault },
      );
      assert.equal(again2.status, 201, again2.raw);
    });

    test('production access: per product, only for confirmed representatives, only operators approve', async () => {
      passProductionGate(sys);
      const b = await createApp(sys, w.ownerB, w.orgB, { planId: w.plans.ibftDefault });
      const refused = await call(
        sys,
        w.ownerB,
        'POST',
        `/api/v1/orgs/${w.orgB}/apps/${b.appId}/production-access`,
        { productId: b.productId },
      );
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'representative_not_confirmed');
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const noProduct = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/apps/${a.appId}/production-access`,
        { note: 'ready' },
      );
      assert.equal(noProduct.status, 400, 'the request names its product');
      const req = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/apps/${a.appId}/production-access`,
        { productId: a.productId, note: 'ready' },
      );
      assert.equal(req.status, 201, req.raw);
      assert.equal(req.body.status, 'pending');
      assert.equal(req.body.productSlug, 'ibft');
      const self = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/admin/production-requests/${req.body.id}/decide`,
        { approve: true },
      );
      assert.equal(self.status, 403);
      const ok = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/production-requests/${req.body.id}/decide`,
        { approve: true },
      );
      assert.equal(ok.status, 200, ok.raw);
      // Issue 35: approval no longer flips the app in place. The sandbox client id stays a sandbox
      // one (its credentials keep working there and are refused by production); a separate
      // production client id was issued, without a secret until the developer creates one.
      assert.equal(
        (await sys.services.gatewayDirectory.findAppByClientId(a.clientId))?.environment,
        'sandbox',
      );
      const form = { grant_type: 'client_credentials', client_id: a.clientId, client_secret: a.clientSecret };
      assert.equal((await tokenCall(sys, form, { catalog: 'sandbox' })).status, 200);
      const wrong = await tokenCall(sys, form, { catalog: 'production' });
      assert.equal(wrong.status, 400);
      assert.equal(wrong.body.darwaza_code, 'credential_wrong_catalog');
      const app = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps/${a.appId}`);
      assert.match(app.body.productionClientId, /^[0-9a-f]{32}$/);
      assert.notEqual(app.body.productionClientId, a.clientId);
      assert.deepEqual(
        app.body.productionAccess.map((p: any) => [p.productSlug, p.status]),
        [['ibft', 'approved']],
      );
      assert.equal(
        (await sys.services.gatewayDirectory.findAppByClientId(app.body.productionClientId))?.environment,
        'production',
      );
    });

    test('limit increase approved with conditions applies a lower value and expires on its own', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const hour = 3_600_000;
      const before = await sys.services.gatewayDirectory.entitlement(a.appId, 'ibft');
      assert.deepEqual(before!.plan.rateLimits, [{ periodMs: hour, limit: 100 }]);
      const until = new Date(sys.clock.nowMs() + 30 * DAY).toISOString();
      const req = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${a.appId}/limit-requests`, {
        subscriptionId: a.subscriptionId,
        limit: 'rate:hour',
        requestedValue: 1000,
        reason: 'Salary run on the first of the month',
        until,
      });
      assert.equal(req.status, 201, req.raw);
      assert.equal(req.body.currentValue, 100);
      const lower = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/apps/${a.appId}/limit-requests`,
        {
          subscriptionId: a.subscriptionId,
          limit: 'rate:hour',
          requestedValue: 50,
          reason: 'this is not an increase at all',
        },
      );
      assert.equal(lower.status, 400);
      const notInPlan = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/apps/${a.appId}/limit-requests`,
        {
          subscriptionId: a.subscriptionId,
          limit: 'quota:day',
          requestedValue: 50,
          reason: 'there is no daily quota on this plan',
        },
      );
      assert.equal(notInPlan.body.error.code, 'limit_not_in_plan');
      const byDev = await call(sys, w.ownerA, 'POST', `/api/v1/admin/limit-requests/${req.body.id}/decide`, {
        decision: 'approve',
      });
      assert.equal(byDev.status, 403);
      const tooHigh = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/limit-requests/${req.body.id}/decide`,
        {
          decision: 'approve_with_conditions',
          value: 5000,
        },
      );
      assert.equal(tooHigh.status, 400);
      const weekEnd = new Date(sys.clock.nowMs() + 7 * DAY).toISOString();
      const dec = await call(sys, w.operator, 'POST', `/api/v1/admin/limit-requests/${req.body.id}/decide`, {
        decision: 'approve_with_conditions',
        value: 500,
        until: weekEnd,
        note: 'half, for a week',
      });
      assert.equal(dec.status, 200, dec.raw);
      assert.equal(dec.body.grantedValue, 500);
      assert.equal(dec.body.inForce, true);
      const during = await sys.services.gatewayDirectory.entitlement(a.appId, 'ibft');
      assert.deepEqual(during!.plan.rateLimits, [{ periodMs: hour, limit: 500 }]);
      assert.deepEqual(during!.plan.appliedOverrides, [req.body.id]);
      assert.equal(during!.plan.validUntilMs, Date.parse(weekEnd));
      sys.clock.advance(7 * DAY + 1);
      await refreshSessions(sys, w);
      const afterExpiry = await sys.services.gatewayDirectory.entitlement(a.appId, 'ibft');
      assert.deepEqual(afterExpiry!.plan.rateLimits, [{ periodMs: hour, limit: 100 }]);
      const view = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/limit-requests/${req.body.id}`);
      assert.equal(view.body.inForce, false);
      assert.ok(
        (await sys.services.notifications.list(w.ownerA.userId)).some(
          (n) => n.kind === 'limit_request.approve_with_conditions',
        ),
      );
    });

    test('conditions with additional terms apply only once the organisation accepts them', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftGrowth });
      const req = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${a.appId}/limit-requests`, {
        subscriptionId: a.subscriptionId,
        limit: 'end-users',
        requestedValue: 100_000,
        reason: 'Launching to a second city next month',
      });
      assert.equal(req.status, 201, req.raw);
      await call(sys, w.operator, 'POST', `/api/v1/admin/limit-requests/${req.body.id}/decide`, {
        decision: 'approve_with_conditions',
        terms: 'Report end-user complaints to the operator weekly.',
      });
      let ent = await sys.services.gatewayDirectory.entitlement(a.appId, 'ibft');
      assert.equal(ent!.plan.endUserCap!.limit, 50_000, 'not before acceptance');
      const acc = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/limit-requests/${req.body.id}/accept-conditions`,
      );
      assert.equal(acc.status, 200, acc.raw);
      ent = await sys.services.gatewayDirectory.entitlement(a.appId, 'ibft');
      assert.equal(ent!.plan.endUserCap!.limit, 100_000);
      const declined = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/apps/${a.appId}/limit-requests`,
        {
          subscriptionId: a.subscriptionId,
          limit: 'rate:second',
          requestedValue: 500,
          reason: 'Load test on our side before launch',
        },
      );
      const d = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/limit-requests/${declined.body.id}/decide`,
        {
          decision: 'decline',
          note: 'load tests are not allowed on the sandbox',
        },
      );
      assert.equal(d.body.status, 'declined');
      ent = await sys.services.gatewayDirectory.entitlement(a.appId, 'ibft');
      assert.equal(ent!.plan.rateLimits.find((r) => r.periodMs === 1000)!.limit, 50);
    });

    test('usage summary: quotas, end users and rate limits per subscription', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftGrowth });
      const r = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps/${a.appId}/usage`);
      assert.equal(r.status, 200, r.raw);
      assert.equal(r.body.calls, 0);
      const s = r.body.subscriptions[0];
      assert.equal(s.productSlug, 'ibft');
      assert.deepEqual(
        s.quotas.map((q: any) => [q.period, q.limit, q.remaining]),
        [['month', 5_000_000, 5_000_000]],
      );
      assert.equal(s.endUsers.limit, 50_000);
    });

    test('product lifecycle: deprecation notifies subscribers; retirement ends subscriptions and tokens', async () => {
      const prod = await call(sys, w.operator, 'POST', '/api/v1/admin/products', {
        slug: 'qr',
        name: '1QR',
        description: 'QR payments',
        apis: [
          {
            openapi: {
              openapi: '3.1.0',
              info: { title: 'QR', version: '1.0.0' },
              paths: {
                '/qr-rest-service/getQRCode': {
                  post: { operationId: 'getQRCode', responses: { '200': { description: 'ok' } } },
                },
              },
            },
          },
        ],
      });
      assert.equal(prod.status, 200, prod.raw);
      assert.equal(
        (await call(sys, w.operator, 'POST', '/api/v1/admin/products/qr/publish')).status,
        409,
        'no plan yet',
      );
      const plan = await call(sys, w.operator, 'POST', '/api/v1/admin/products/qr/plans', {
        name: 'QR basic',
        rateLimits: [{ period: 'minute', limit: 60 }],
        operationRateLimits: { getQRCode: [{ period: 'second', limit: 5 }] },
      });
      assert.equal(plan.status, 201, plan.raw);
      const badOp = await call(sys, w.operator, 'POST', '/api/v1/admin/products/qr/plans', {
        name: 'QR bad',
        operationRateLimits: { nope: [{ period: 'second', limit: 5 }] },
      });
      assert.equal(badOp.status, 400);
      assert.equal((await call(sys, null, 'GET', '/api/v1/products/qr')).status, 404, 'drafts are hidden');
      assert.equal((await call(sys, w.operator, 'POST', '/api/v1/admin/products/qr/publish')).status, 200);
      const pub = await call(sys, null, 'GET', '/api/v1/products/qr');
      assert.equal(pub.status, 200);
      assert.equal(pub.body.apis[0].operations[0].operationId, 'getQRCode');
      const docRes = await call(
        sys,
        null,
        'GET',
        `/api/v1/products/qr/apis/${pub.body.apis[0].id}/openapi.json`,
      );
      assert.equal(docRes.body.openapi, '3.1.0');
      assert.equal(docRes.body.servers[0].url, `http://localhost:3000/${sys.config.gatewayProvider}/sandbox`);
      const a = await createApp(sys, w.ownerA, w.orgA, { planId: plan.body.id });
      const ent = await sys.services.gatewayDirectory.entitlement(a.appId, 'qr');
      assert.deepEqual(ent!.plan.operationRateLimits, { getQRCode: [{ periodMs: 1000, limit: 5 }] });
      const tok = (
        await tokenCall(sys, {
          grant_type: 'client_credentials',
          client_id: a.clientId,
          client_secret: a.clientSecret,
        })
      ).body.access_token;
      const dep = await call(sys, w.operator, 'POST', '/api/v1/admin/products/qr/deprecate', {
        note: 'use v2',
      });
      assert.equal(dep.status, 200, dep.raw);
      assert.ok(
        (await sys.services.notifications.list(w.ownerA.userId)).some((n) => n.kind === 'product.deprecated'),
      );
      const c = await createApp(sys, w.ownerA, w.orgA);
      const late = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${c.appId}/subscriptions`, {
        planId: plan.body.id,
      });
      assert.equal(late.body.error.code, 'product_not_available');
      assert.ok(await sys.services.gatewayDirectory.verifyAccessToken(tok), 'deprecated still works');
      assert.equal((await call(sys, w.operator, 'POST', '/api/v1/admin/products/qr/retire', {})).status, 200);
      assert.equal((await sys.services.gatewayDirectory.entitlement(a.appId, 'qr'))?.status, 'cancelled');
      assert.equal(await sys.services.gatewayDirectory.verifyAccessToken(tok), null);
      assert.ok(
        (await sys.services.notifications.list(w.ownerA.userId)).some((n) => n.kind === 'product.retired'),
      );
      const list = await call(sys, null, 'GET', '/api/v1/products');
      const slugs = list.body.items.map((p: any) => p.slug);
      assert.ok(slugs.includes('ibft') && slugs.includes('bills') && !slugs.includes('qr'), slugs.join());
      const cats = await call(sys, null, 'GET', '/api/v1/catalogs');
      assert.deepEqual(
        cats.body.items.map((c2: any) => c2.basePath),
        [`/${sys.config.gatewayProvider}/sandbox`, `/${sys.config.gatewayProvider}/production`],
      );
    });

    test('an operator-required details update blocks new apps and subscriptions until confirmed', async () => {
      const owner = await activeUser(sys);
      const org = await testOrganization(sys, owner, { confirmed: true });
      const a = await createApp(sys, owner, org);
      await sys.services.organizations.requireOrganizationUpdate(org, {
        ...systemContext(),
        actor: actorOf(w.operator.principal),
      });
      const blocked = await call(sys, owner, 'POST', `/api/v1/orgs/${org}/apps`, { name: 'blocked' });
      assert.equal(blocked.body.error.code, 'details_confirmation_required');
      const sub = await call(sys, owner, 'POST', `/api/v1/orgs/${org}/apps/${a.appId}/subscriptions`, {
        planId: w.plans.ibftDefault,
      });
      assert.equal(sub.body.error.code, 'details_confirmation_required');
      await sys.services.organizations.confirmOrganizationDetails(owner.principal, org, {
        ...systemContext(),
        actor: actorOf(owner.principal),
      });
      assert.equal(
        (await call(sys, owner, 'POST', `/api/v1/orgs/${org}/apps`, { name: 'ok now' })).status,
        201,
      );
    });

    test('Idempotency-Key: 20 concurrent createApp retries make one app; other body → 422', async () => {
      const owner = await activeUser(sys);
      const org = await testOrganization(sys, owner);
      const send = (name: string) =>
        sys.app.inject({
          method: 'POST',
          url: `/api/v1/orgs/${org}/apps`,
          headers: { ...owner.headers, 'content-type': 'application/json', 'idempotency-key': 'k-create-1' },
          payload: JSON.stringify({ name }),
        });
      const rs = await Promise.all(Array.from({ length: 20 }, () => send('Once')));
      const ok = rs.filter((r) => r.statusCode === 201);
      assert.ok(ok.length >= 1);
      assert.ok(
        rs.every((r) => r.statusCode === 201 || r.statusCode === 409),
        rs.map((r) => r.statusCode).join(),
      );
      assert.equal(new Set(ok.map((r) => r.json().clientSecret)).size, 1, 'replays carry the same response');
      const again = await send('Once');
      assert.equal(again.statusCode, 201);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal((await send('Other')).statusCode, 422);
      const list = await call(sys, owner, 'GET', `/api/v1/orgs/${org}/apps`);
      assert.equal(list.body.items.length, 1, 'exactly one effect');
      assert.ok(!(await dumpDatabase(sys)).includes(ok[0].json().clientSecret));
    });

    test('roles: viewers read but cannot create; developers cannot use operator routes', async () => {
      const viewer = await activeUser(sys);
      await addMember(sys, w.ownerA, w.orgA, viewer, 'viewer');
      assert.equal((await call(sys, viewer, 'GET', `/api/v1/orgs/${w.orgA}/apps`)).status, 200);
      assert.equal(
        (await call(sys, viewer, 'POST', `/api/v1/orgs/${w.orgA}/apps`, { name: 'v' })).status,
        403,
      );
      const someSub = 'sub_00000000000000000000000000';
      const operatorRoutes: Array<[string, string, unknown?]> = [
        ['GET', '/api/v1/admin/subscriptions'],
        ['POST', `/api/v1/admin/subscriptions/${someSub}/approve`, {}],
        ['POST', `/api/v1/admin/subscriptions/${someSub}/decline`, { reason: 'xyz' }],
        ['GET', '/api/v1/admin/production-requests'],
        [
          'POST',
          '/api/v1/admin/production-requests/prq_00000000000000000000000000/decide',
          { approve: true },
        ],
        ['GET', '/api/v1/admin/limit-requests'],
        [
          'POST',
          '/api/v1/admin/limit-requests/lim_00000000000000000000000000/decide',
          { decision: 'approve' },
        ],
        [
          'POST',
          '/api/v1/admin/apps/app_00000000000000000000000000/status',
          { status: 'suspended', reason: 'xyz' },
        ],
        ['GET', '/api/v1/admin/apps'],
        ['GET', '/api/v1/admin/apps/app_00000000000000000000000000'],
        ['POST', '/api/v1/admin/products', { slug: 'evil', name: 'Evil' }],
        ['POST', '/api/v1/admin/products/ibft/apis', { openapi: { openapi: '3.1.0', paths: {} } }],
        ['POST', '/api/v1/admin/products/ibft/publish'],
        ['POST', '/api/v1/admin/products/ibft/deprecate', {}],
        ['POST', '/api/v1/admin/products/ibft/retire', {}],
        ['POST', '/api/v1/admin/products/ibft/plans', { name: 'free for all' }],
        ['PATCH', `/api/v1/admin/plans/${w.plans.ibftDefault}`, { rateLimits: [] }],
      ];
      for (const [method, url, body] of operatorRoutes) {
        const r = await call(sys, w.ownerA, method as 'GET', url, body);
        assert.equal(r.status, 403, `${method} ${url}`);
        const anon = await call(sys, null, method as 'GET', url, body);
        assert.equal(anon.status, 401, `${method} ${url} anonymous`);
      }
    });

    test('cross-organisation probes on every app, credential, subscription and request route: 0 leaks', async () => {
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'MARKER-A-APP', planId: w.plans.ibftDefault });
      const viewA = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps/${a.appId}`);
      const secretId = viewA.body.secrets[0].id;
      const pend = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${a.appId}/subscriptions`, {
        planId: w.plans.billsPartner,
      });
      const lim = await call(sys, w.ownerA, 'POST', `/api/v1/orgs/${w.orgA}/apps/${a.appId}/limit-requests`, {
        subscriptionId: a.subscriptionId,
        limit: 'rate:hour',
        requestedValue: 200,
        reason: 'MARKER-A-REASON for more',
      });
      assert.equal(lim.status, 201, lim.raw);
      const routes = (org: string): Array<[string, string, unknown?]> => [
        ['GET', `/api/v1/orgs/${org}/apps`],
        ['POST', `/api/v1/orgs/${org}/apps`, { name: 'intruder' }],
        ['GET', `/api/v1/orgs/${org}/apps/${a.appId}`],
        ['PATCH', `/api/v1/orgs/${org}/apps/${a.appId}`, { name: 'pwned' }],
        ['DELETE', `/api/v1/orgs/${org}/apps/${a.appId}`],
        ['POST', `/api/v1/orgs/${org}/apps/${a.appId}/secrets`, {}],
        ['DELETE', `/api/v1/orgs/${org}/apps/${a.appId}/secrets/${secretId}`],
        ['POST', `/api/v1/orgs/${org}/apps/${a.appId}/reset-secret`],
        ['POST', `/api/v1/orgs/${org}/apps/${a.appId}/production-access`, { productId: a.productId }],
        ['GET', `/api/v1/orgs/${org}/apps/${a.appId}/production-credentials`],
        ['POST', `/api/v1/orgs/${org}/apps/${a.appId}/production-credentials/secrets`, {}],
        ['DELETE', `/api/v1/orgs/${org}/apps/${a.appId}/production-credentials/secrets/${secretId}`],
        ['GET', `/api/v1/orgs/${org}/apps/${a.appId}/subscriptions`],
        ['POST', `/api/v1/orgs/${org}/apps/${a.appId}/subscriptions`, { planId: w.plans.billsDefault }],
        ['GET', `/api/v1/orgs/${org}/apps/${a.appId}/subscriptions/${a.subscriptionId}`],
        ['DELETE', `/api/v1/orgs/${org}/apps/${a.appId}/subscriptions/${a.subscriptionId}`],
        ['DELETE', `/api/v1/orgs/${org}/apps/${a.appId}/subscriptions/${pend.body.id}`],
        ['GET', `/api/v1/orgs/${org}/apps/${a.appId}/usage`],
        [
          'POST',
          `/api/v1/orgs/${org}/apps/${a.appId}/limit-requests`,
          {
            subscriptionId: a.subscriptionId,
            limit: 'rate:hour',
            requestedValue: 999,
            reason: 'intrusion attempt here',
          },
        ],
        ['GET', `/api/v1/orgs/${org}/limit-requests`],
        ['GET', `/api/v1/orgs/${org}/limit-requests/${lim.body.id}`],
        ['POST', `/api/v1/orgs/${org}/limit-requests/${lim.body.id}/accept-conditions`],
        ['POST', `/api/v1/orgs/${org}/limit-requests/${lim.body.id}/cancel`],
      ];
      let tried = 0;
      const leaks: string[] = [];
      for (const org of [w.orgA, w.orgB]) {
        for (const [method, url, body] of routes(org)) {
          // org B's owner: on org A's paths (not a member) and on its own org's paths with A's ids.
          if (org === w.orgB && url === `/api/v1/orgs/${w.orgB}/apps`) continue;
          if (org === w.orgB && url === `/api/v1/orgs/${w.orgB}/limit-requests`) continue;
          tried++;
          const r = await call(sys, w.ownerB, method as 'GET', url, body);
          if (r.status < 400 || r.raw.includes('MARKER-A') || r.raw.includes(a.clientId))
            leaks.push(`${method} ${url} → ${r.status}`);
          else assert.equal(r.status, 404, `${method} ${url} → ${r.status} (existence must not leak)`);
        }
      }
      // Own-org listings of B never include A's things.
      const listB = await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgB}/apps`);
      const limB = await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgB}/limit-requests`);
      for (const r of [listB, limB])
        if (r.raw.includes('MARKER-A') || r.raw.includes(a.appId)) leaks.push('listing');
      assert.deepEqual(leaks, []);
      assert.ok(tried >= 37, `tried ${tried}`);
      // And A's app is untouched.
      const still = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps/${a.appId}`);
      assert.equal(still.body.name, 'MARKER-A-APP');
      assert.equal(still.body.secrets.filter((s: any) => s.status === 'active').length, 1);
      assert.equal(
        await sys.services.gatewayDirectory.verifyClientSecret(a.appId, a.clientSecret, 'sandbox'),
        true,
      );
    });

    // Last: it seeds the bills additional terms, which every later bills subscription would need.
    test("subscribing needs the product's additional terms accepted by the organisation", async () => {
      await seedTerms(sys.services.terms);
      const owner = await activeUser(sys);
      const org = await testOrganization(sys, owner);
      const a = await createApp(sys, owner, org);
      const url = `/api/v1/orgs/${org}/apps/${a.appId}/subscriptions`;
      const refused = await call(sys, owner, 'POST', url, { planId: w.plans.billsDefault });
      assert.equal(refused.status, 403, refused.raw);
      assert.equal(refused.body.error.code, 'product_terms_not_accepted');
      const applicable = await call(sys, null, 'GET', '/api/v1/terms/applicable?product=bills');
      const bills = applicable.body.documents.find(
        (d: any) => d.kind === 'additional' && d.productSlug === 'bills',
      );
      const versionId = (bills.inForce ?? bills.pending[0]).id;
      const acc = await call(sys, owner, 'POST', `/api/v1/terms/versions/${versionId}/accept`, {
        onBehalfOf: 'organization',
        orgId: org,
      });
      assert.equal(acc.status, 201, acc.raw);
      assert.equal((await call(sys, owner, 'POST', url, { planId: w.plans.billsDefault })).status, 201);
    });
  });
}

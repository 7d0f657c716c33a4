import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { appsWorld, call, createApp, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * Termination reaches every module: the organisation's apps are revoked (secrets revoked,
 * subscriptions ended), so neither its old token nor a new token call works afterwards.
 */
for (const engine of engines()) {
  describe(`organisation termination across modules (${engine.name})`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ engine });
    });
    after(() => sys.cleanup());

    test('automatic termination on breach revokes apps, secrets, subscriptions and tokens', async () => {
      const w = await appsWorld(sys);
      const app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const ok = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: '1LinkApi',
      });
      assert.equal(ok.status, 200);

      await sys.services.terminations.terminateForBreach(w.orgA, { rule: 'test-rule', reason: 'flooding' });

      const view = await sys.services.apps.getAppById(app.appId);
      assert.equal(view?.status, 'revoked');
      assert.ok(view?.secrets.every((s) => s.status !== 'active'));
      const subs = await call(sys, w.operator, 'GET', '/api/v1/admin/subscriptions?status=cancelled');
      assert.equal(subs.status, 200);
      assert.ok(subs.body.items.some((s: { id: string }) => s.id === app.subscriptionId));
      const again = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
      });
      assert.equal(again.status, 401);
      assert.equal(again.body.error, 'invalid_client');
      const introspect = await sys.services.gatewayDirectory.verifyAccessToken(ok.body.access_token);
      assert.equal(introspect, null);

      // The other organisation is untouched.
      const other = await createApp(sys, w.ownerB, w.orgB, { planId: w.plans.ibftDefault });
      assert.equal((await sys.services.apps.getAppById(other.appId))?.status, 'active');
    });
  });
}

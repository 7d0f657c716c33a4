import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import {
  type AppsWorld,
  appsWorld,
  call,
  createApp,
  grantProduction,
  passProductionGate,
  tokenCall,
} from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { startUpstream, type UpstreamProcess } from './upstream-helpers.ts';

/**
 * The whole system (main.ts's wiring): an operator points IBFT's upstream at the simulated upstream
 * process through updateUpstream; an app granted production access calls the production catalog
 * with its production credentials and gets the upstream's answer, recorded as a production call;
 * its sandbox credentials are refused there without reaching the upstream.
 */
for (const engine of engines()) {
  describe(`production call through the whole system (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let up: UpstreamProcess;
    before(async () => {
      up = await startUpstream();
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      passProductionGate(sys);
    });
    after(async () => {
      await sys?.cleanup();
      await up?.stop();
    });

    const titleFetch = (catalog: string, clientId: string, token: string) =>
      sys.app.inject({
        method: 'POST',
        url: `/${sys.config.gatewayProvider}/${catalog}/path-1`,
        headers: {
          'x-ibm-client-id': clientId,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
        },
        payload: JSON.stringify(ibftBody()),
      });

    it('production credentials reach the upstream and the call is recorded; sandbox ones never do', async () => {
      const set = await call(sys, w.operator, 'PATCH', '/api/v1/admin/upstreams/ibft', { baseUrl: up.url });
      assert.equal(set.status, 200, set.raw);
      const a = await createApp(sys, w.ownerA, w.orgA, { name: 'Live app', planId: w.plans.ibftDefault });
      await grantProduction(sys, w, w.ownerA, w.orgA, a);
      const s = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/apps/${a.appId}/production-credentials/secrets`,
        {},
      );
      assert.equal(s.status, 201, s.raw);
      const t = await tokenCall(
        sys,
        {
          grant_type: 'client_credentials',
          client_id: s.body.clientId,
          client_secret: s.body.clientSecret,
          scope: '1LinkApi',
        },
        { catalog: 'production' },
      );
      assert.equal(t.status, 200, JSON.stringify(t.body));
      // The gateway reads the change from the shared state's message (or its next refresh).
      let res = await titleFetch('production', s.body.clientId, t.body.access_token);
      for (let i = 0; i < 50 && res.statusCode === 503; i++) {
        await new Promise((r) => setTimeout(r, 20));
        res = await titleFetch('production', s.body.clientId, t.body.access_token);
      }
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ResponseCode, '00');
      assert.equal((await up.hits()).ibftTitleFetch, 1);
      await sys.services.gateway!.recorder.flush();
      const row = await sys.database.db
        .selectFrom('gateway_usage')
        .select(['catalog', 'app_id', 'network_code', 'status'])
        .where('request_id', '=', String(res.headers['x-request-id']))
        .executeTakeFirstOrThrow();
      assert.deepEqual(
        { ...row },
        { catalog: 'production', app_id: a.appId, network_code: '00', status: 200 },
      );

      const sandboxToken = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: a.clientId,
        client_secret: a.clientSecret,
        scope: '1LinkApi',
      });
      const refused = await titleFetch('production', a.clientId, sandboxToken.body.access_token);
      assert.equal(refused.statusCode, 401, refused.body);
      assert.equal((await up.hits()).ibftTitleFetch, 1, 'the refused call never reached the upstream');
    });
  });
}

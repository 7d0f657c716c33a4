import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { type AppsWorld, appsWorld, call, createApp, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * The gateway in the whole system (real apps directory, OAuth tokens, terms gate, sandbox): the
 * drop-in flow a 1LINK client uses, the "100 calls per hour" plan, usage records and the portal's
 * request log.
 */
for (const engine of engines()) {
  describe(`gateway full flow (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let app: { appId: string; clientId: string; clientSecret: string };
    let token = '';
    const base = () => `/${sys.config.gatewayProvider}/sandbox`;

    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
      const t = await tokenCall(sys, {
        grant_type: 'client_credentials',
        client_id: app.clientId,
        client_secret: app.clientSecret,
        scope: '1LinkApi',
      });
      assert.equal(t.status, 200, JSON.stringify(t.body));
      token = t.body.access_token;
    });
    after(() => sys.cleanup());

    const op = (body: unknown, headers: Record<string, string> = {}) =>
      sys.app.inject({
        method: 'POST',
        url: `${base()}/path-1`,
        headers: {
          'x-ibm-client-id': app.clientId,
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          accept: 'application/json',
          ...headers,
        },
        payload: JSON.stringify(body),
      });

    it('token with scope 1LinkApi, then an operation with X-IBM-Client-Id + Bearer', async () => {
      const res = await op(ibftBody());
      assert.equal(res.statusCode, 200, res.body);
      assert.ok(res.json().ResponseCode, res.body);
      assert.match(String(res.headers['ratelimit-policy']), /"hour";q=100;w=3600/);
    });

    it('plan "100 calls per hour": call 101 → 429 with Retry-After and consistent headers', async () => {
      let used = 1;
      let last = 99;
      while (used < 100) {
        sys.clock.advance(5);
        const res = await op(ibftBody());
        assert.equal(res.statusCode, 200, `call ${used + 1}: ${res.body}`);
        const r = Number(/"hour";r=(\d+)/.exec(String(res.headers.ratelimit))![1]);
        assert.ok(r < last || (r === 0 && last === 0));
        last = r;
        used++;
      }
      assert.equal(last, 0);
      const refused = await op(ibftBody());
      assert.equal(refused.statusCode, 429);
      assert.match(String(refused.headers['content-type']), /application\/problem\+json/);
      const t = Number(/"hour";r=0;t=(\d+)/.exec(String(refused.headers.ratelimit))![1]);
      assert.ok(Number(refused.headers['retry-after']) >= t);
      // The hour window is what is exhausted: its t is the window's reset, not the burst bucket's.
      assert.ok(t > 60, `t=${t} should be the hour window's reset`);
      assert.equal(Number(refused.headers['retry-after']), t);
      assert.equal(refused.headers['x-ratelimit-remaining'], '0');
      assert.equal(refused.json()['violated-policies'][0].id, 'hour');
    });

    it('usage rows for every 2xx, visible to members in the request log and the time series', async () => {
      await sys.services.gateway!.recorder.flush();
      const rows = await sys.database.db
        .selectFrom('gateway_usage')
        .where('app_id', '=', app.appId)
        .select(['status'])
        .execute();
      assert.equal(rows.filter((r) => r.status === 200).length, 100);
      assert.equal(rows.filter((r) => r.status === 429).length, 1);
      const logs = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/request-logs?status=429`);
      assert.equal(logs.status, 200, logs.raw);
      assert.equal(logs.body.items.length, 1);
      const ts = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/usage/timeseries?bucket=hour`);
      assert.equal(ts.status, 200, ts.raw);
      assert.equal(
        ts.body.points.reduce((n: number, p: { calls: number }) => n + p.calls, 0),
        101,
      );
      const outsider = await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgA}/request-logs`);
      assert.equal(outsider.status, 404);
      sys.clock.advance(1);
      const usage = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/apps/${app.appId}/usage`);
      if (usage.status === 200) assert.equal(usage.body.calls, 101);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { type AppsWorld, appsWorld, call, createApp, tokenCall } from './apps-helpers.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

/**
 * The operator's request-log settings reach the gateway: REQUEST_LOG_BODIES_PER_APP_PER_SECOND=0
 * keeps no successful call's bodies (every error's still), REQUEST_LOG_RETENTION_DAYS=2 prunes bodies
 * older than two days and keeps the usage rows.
 */
describe('request-log settings (REQUEST_LOG_*)', () => {
  let sys: TestSystem;
  let w: AppsWorld;
  let app: { appId: string; clientId: string; clientSecret: string };
  let token = '';
  before(async () => {
    sys = await startTestSystem({
      env: { REQUEST_LOG_BODIES_PER_APP_PER_SECOND: '0', REQUEST_LOG_RETENTION_DAYS: '2' },
    });
    w = await appsWorld(sys);
    app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
    const t = await tokenCall(sys, {
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: '1LinkApi',
    });
    token = t.body.access_token;
  });
  after(() => sys.cleanup());

  const op = (body: unknown) =>
    sys.app.inject({
      method: 'POST',
      url: `/${sys.config.gatewayProvider}/sandbox/path-1`,
      headers: {
        'x-ibm-client-id': app.clientId,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      payload: JSON.stringify(body),
    });

  it('successful calls keep no bodies, errors do; old bodies are pruned after the retention', async () => {
    assert.equal((await op(ibftBody())).json().ResponseCode, '00');
    assert.equal((await op(ibftBody({ STAN: 'abc' }))).json().ResponseCode, '09', 'a declined call');
    const logs = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/request-logs`);
    assert.equal(logs.status, 200, logs.raw);
    type Item = { networkCode: string | null; requestBody: unknown };
    const byCode = new Map(logs.body.items.map((i: Item) => [i.networkCode, i]));
    assert.equal((byCode.get('00') as Item).requestBody, null, 'success: bodies not kept');
    assert.notEqual((byCode.get('09') as Item).requestBody, null, 'decline: bodies kept');

    sys.clock.advance(3 * 86_400_000);
    assert.equal(await sys.services.gateway!.recorder.prune(), 1, 'the declined call’s bodies are pruned');
    const rows = await sys.database.db
      .selectFrom('gateway_usage')
      .where('app_id', '=', app.appId)
      .select('id')
      .execute();
    assert.equal(rows.length, 2, 'usage rows are kept');
  });
});

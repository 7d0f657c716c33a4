import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { appsWorld, createApp, tokenCall } from './apps-helpers.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

/**
 * On a real socket gateway calls take the fast path (no Fastify hooks); they must still be counted
 * in /metrics per route template, like every other route.
 */
describe('gateway traffic in /metrics (real socket, fast path)', () => {
  let sys: TestSystem;
  let base: string;
  before(async () => {
    sys = await startTestSystem();
    await sys.app.listen({ port: 0, host: '127.0.0.1' });
    const addr = sys.app.server.address();
    base = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}`;
  });
  after(() => sys.cleanup());

  it('counts title fetches under /{provider}/sandbox/path-1 with status and latency', async () => {
    const w = await appsWorld(sys);
    const app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftGrowth });
    const tok = await tokenCall(sys, {
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: '1LinkApi',
    });
    assert.equal(tok.status, 200);
    const path = `/${sys.config.gatewayProvider}/sandbox/path-1`;
    for (let i = 0; i < 3; i++) {
      const r = await fetch(`${base}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-ibm-client-id': app.clientId,
          authorization: `Bearer ${tok.body.access_token}`,
        },
        body: JSON.stringify(ibftBody()),
      });
      assert.equal(r.status, 200, await r.text());
    }
    const unauth = await fetch(`${base}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    assert.equal(unauth.status, 401);
    const text = await (await fetch(`${base}/metrics`)).text();
    const count = (status: string) =>
      Number(
        new RegExp(
          `darwaza_http_requests_total\\{method="POST",route="${path}",status="${status}"\\} (\\d+)`,
        ).exec(text)?.[1] ?? 0,
      );
    assert.equal(
      count('200'),
      3,
      text
        .split('\n')
        .filter((l) => l.includes('path-1'))
        .join('\n'),
    );
    assert.equal(count('401'), 1);
    assert.match(
      text,
      new RegExp(
        `darwaza_http_request_duration_seconds_count\\{method="POST",route="${path}",status="200"\\} 3`,
      ),
    );
  });
});

import assert from 'node:assert/strict';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { classify } from '../src/modules/detectors/call-classes.ts';
import type { CallRecord, CallRecordHandler } from '../src/modules/gateway/index.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { takeResponse } from '../src/platform/http/raw-http-testing.ts';
import { appsWorld, appWithToken } from './apps-helpers.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

/**
 * The off-path feed of the whole system (issue 28, item 3): a subscriber on the gateway's face
 * gets a record of every call — answered, declined by the network, refused by the gateway (401,
 * 400, 429) — through every entrance, and a subscriber that never finishes holds no call back.
 */
describe('call records: every call reaches the subscribers, off the call', () => {
  let sys: TestSystem;
  let port = 0;
  let prefix = '';
  let app: { clientId: string; token: string; orgId: string; appId: string };
  let limited: { clientId: string; token: string };
  const seen: CallRecord[] = [];
  let stuckBatches = 0;
  before(async () => {
    sys = await startTestSystem();
    await sys.app.listen({ port: 0, host: '127.0.0.1' });
    port = (sys.app.server.address() as AddressInfo).port;
    prefix = `/${sys.config.gatewayProvider}/sandbox`;
    const w = await appsWorld(sys);
    app = await appWithToken(sys, w.plans.ibftGrowth);
    const tight = await sys.services.catalog.createPlan('ibft', {
      name: 'Call records plan',
      rateLimits: [{ period: 'hour', limit: 1 }],
    });
    limited = await appWithToken(sys, tight.id);
    const feed = sys.services.gateway!.callRecords;
    const collect: CallRecordHandler = (batch) => {
      seen.push(...batch);
    };
    feed.subscribe(collect);
    // A subscriber that never finishes its first batch.
    feed.subscribe(() => {
      stuckBatches++;
      return new Promise<void>(() => {});
    });
  });
  after(() => sys.cleanup());

  const headers = (a: { clientId: string; token: string }, requestId: string) => ({
    'content-type': 'application/json',
    'x-ibm-client-id': a.clientId,
    authorization: `Bearer ${a.token}`,
    'x-request-id': requestId,
    'user-agent': 'okhttp/4.12.0',
  });
  const lean = (h: Record<string, string>, body: string) =>
    new Promise<number>((resolve, reject) => {
      const s = connect(port, '127.0.0.1');
      let buf: Buffer = Buffer.alloc(0);
      s.on('data', (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const got = takeResponse(buf);
        if (got) {
          s.destroy();
          resolve(got.reply.status);
        }
      });
      s.on('error', reject);
      const lines = [`POST ${prefix}/path-1 HTTP/1.1`, 'host: 127.0.0.1'];
      for (const [k, v] of Object.entries(h)) lines.push(`${k}: ${v}`);
      s.write([...lines, `content-length: ${Buffer.byteLength(body)}`, '', body].join('\r\n'));
    });

  it('answered, declined and refused calls, through the lean layer and Fastify, each arrive once', async () => {
    const refs = { RRN: '100000000555', STAN: '100555' };
    const statuses = [
      await lean(headers(app, 'req_cr_happy'), JSON.stringify(ibftBody(refs))),
      await lean(
        headers(app, 'req_cr_declined'),
        JSON.stringify(ibftBody({ ...refs, AccountNumberTo: '9990000000000003' })),
      ),
      await lean({ ...headers(app, 'req_cr_401'), authorization: 'Bearer nope' }, '{}'),
      await lean(headers(app, 'req_cr_400'), '{"broken":'),
      await lean(headers(limited, 'req_cr_limited_1'), JSON.stringify(ibftBody(refs))),
      await lean(headers(limited, 'req_cr_limited_2'), JSON.stringify(ibftBody(refs))),
    ];
    const injected = await sys.app.inject({
      method: 'POST',
      url: `${prefix}/path-1`,
      headers: headers(app, 'req_cr_inject'),
      payload: JSON.stringify(ibftBody(refs)),
    });
    assert.deepEqual([...statuses, injected.statusCode], [200, 200, 401, 400, 200, 429, 200]);
    await new Promise((r) => setImmediate(r));
    const byId = new Map(seen.map((r) => [r.requestId, r]));
    assert.equal(seen.length, byId.size, 'each call once');
    const happy = byId.get('req_cr_happy')!;
    assert.equal(happy.status, 200);
    assert.equal(happy.networkCode, '00');
    assert.equal(happy.refs.stan, '100555');
    assert.equal(happy.refs.rrn, '100000000555');
    assert.match(happy.refs.authId ?? '', /^\d{6}$/);
    // The token was issued over inject, from 127.0.0.1: its network rides in the record.
    assert.deepEqual(happy.client, {
      orgId: app.orgId,
      appId: app.appId,
      clientId: app.clientId,
      tokenNetwork: '127.0.0.0/24',
    });
    // Classed in the detectors' worker, not on the serving thread: the record carries the raw inputs.
    assert.equal(happy.source.userAgent, undefined);
    assert.equal(happy.probe, undefined);
    assert.equal(happy.inputs?.userAgent, 'okhttp/4.12.0');
    assert.equal(classify(happy).source.userAgent, 'sdk');
    assert.equal(classify(happy).probe, null);
    assert.equal(happy.source.ip, '127.0.0.1');
    assert.equal(happy.atMs, sys.clock.nowMs());
    assert.equal(byId.get('req_cr_declined')!.networkCode, '03');
    const refused = byId.get('req_cr_401')!;
    assert.equal(refused.errorCode, 'gateway_invalid_token');
    assert.equal(refused.client.appId, null);
    assert.equal(refused.client.clientId, app.clientId, 'the client id as presented');
    assert.equal(refused.client.tokenNetwork, null, 'no token verified, no issue network');
    assert.equal(byId.get('req_cr_400')!.shape.bodyRefused, true);
    assert.equal(byId.get('req_cr_limited_2')!.status, 429);
    assert.equal(byId.get('req_cr_inject')!.status, 200);
    // The stuck subscriber got its first batch and nothing since, and held no call back.
    assert.equal(stuckBatches, 1);
  });
});

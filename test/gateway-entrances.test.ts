import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { SECURITY_HEADERS } from '../src/modules/gateway/respond/writer.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { takeResponse } from '../src/platform/http/raw-http-testing.ts';
import { appsWorld, appWithToken } from './apps-helpers.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

/**
 * Byte-identity of the gateway's three HTTP entrances (issue 28): the answers of the lean HTTP/1.1
 * layer, Node's HTTP server (the fast path) and the Fastify route (app.inject) to requests shaped
 * as 1LINK clients send them — happy, declined, auth failure, malformed JSON, 404, 429 (a problem
 * body), 413 — are compared with the answers captured before the gateway became a pipeline
 * (commit 8fba749), kept in gateway-entrances.snapshot.json. Only the `date` line and the ids the
 * test system makes afresh per run (organisation, app, client id, token, plan) and the sandbox's
 * random AuthID are normalised. `UPDATE_SNAPSHOT=1` rewrites the file (only ever against the baseline).
 */
const SNAPSHOT = new URL('./gateway-entrances.snapshot.json', import.meta.url);

type Req = { name: string; path: string; headers: Record<string, string>; body: string };

async function raw(port: number, text: string): Promise<string> {
  const s = connect(port, '127.0.0.1');
  let buf: Buffer = Buffer.alloc(0);
  return await new Promise<string>((resolve, reject) => {
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const got = takeResponse(buf);
      if (got) {
        s.destroy();
        resolve(`${got.reply.head}\r\n\r\n${got.reply.body}`);
      }
    });
    s.on('error', reject);
    s.on('close', () => reject(new Error(`closed: ${buf.toString()}`)));
    s.write(text);
  });
}

function requestText(r: Req, close: boolean): string {
  const lines = [`POST ${r.path} HTTP/1.1`, 'host: 127.0.0.1'];
  for (const [k, v] of Object.entries(r.headers)) lines.push(`${k}: ${v}`);
  if (close) lines.push('connection: close');
  lines.push(`content-length: ${Buffer.byteLength(r.body)}`, '', r.body);
  return lines.join('\r\n');
}

describe('gateway entrances answer exactly as before the pipeline refactoring', () => {
  let sys: TestSystem;
  let port = 0;
  const requests: Req[] = [];
  const volatile: string[] = [];
  const normalise = (s: string) => {
    let out = s
      .replace(/\r\ndate: [^\r]*/gi, '\r\ndate: <date>')
      .replace(
        /"AuthorizationIdentificationResponse":"\d+"/g,
        '"AuthorizationIdentificationResponse":"<auth>"',
      );
    for (const [i, v] of volatile.entries()) out = out.split(v).join(`<id${i}>`);
    return out;
  };
  before(async () => {
    sys = await startTestSystem();
    await sys.app.listen({ port: 0, host: '127.0.0.1' });
    port = (sys.app.server.address() as AddressInfo).port;
    const prefix = `/${sys.config.gatewayProvider}/sandbox`;
    const w = await appsWorld(sys);
    const app = await appWithToken(sys, w.plans.ibftGrowth);
    const tight = await sys.services.catalog.createPlan('ibft', {
      name: 'Snapshot plan',
      rateLimits: [{ period: 'hour', limit: 1 }],
    });
    const limited = await appWithToken(sys, tight.id);
    for (const a of [app, limited]) volatile.push(a.orgId, a.appId, a.clientId, a.token);
    volatile.push(tight.id);
    const auth = (a: typeof app) => ({
      'content-type': 'application/json',
      'x-ibm-client-id': a.clientId,
      authorization: `Bearer ${a.token}`,
    });
    const fixed = { RRN: '100000000777', STAN: '100777' };
    const add = (name: string, path: string, headers: Record<string, string>, body: string) =>
      requests.push({ name, path, headers: { ...headers, 'x-request-id': `req_snap_${name}` }, body });
    add('happy', `${prefix}/path-1`, auth(app), JSON.stringify(ibftBody(fixed)));
    add(
      'declined',
      `${prefix}/path-1`,
      auth(app),
      JSON.stringify(ibftBody({ ...fixed, AccountNumberTo: '9990000000000003' })),
    );
    add(
      'auth-failure',
      `${prefix}/path-1`,
      { ...auth(app), authorization: 'Bearer not-a-token' },
      JSON.stringify(ibftBody(fixed)),
    );
    add('malformed-json', `${prefix}/path-1`, auth(app), '{"TransactionAmount": ');
    add('not-found', `${prefix}/no-such-operation`, auth(app), JSON.stringify(ibftBody(fixed)));
    add('too-large', `${prefix}/path-1`, auth(app), JSON.stringify({ pad: 'x'.repeat(300_000) }));
    add('rate-limited', `${prefix}/path-1`, auth(limited), JSON.stringify(ibftBody(fixed)));
    // The limited app's one call of the hour: every answer below is its 429 (a problem body).
    await sys.app.inject({
      method: 'POST',
      url: `${prefix}/path-1`,
      headers: auth(limited),
      payload: JSON.stringify(ibftBody(fixed)),
    });
  });
  after(() => sys.cleanup());

  it('lean layer, Node fast path and Fastify route: the captured answers', async () => {
    const got: Record<string, string> = {};
    for (const r of requests) {
      got[`lean ${r.name}`] = normalise(await raw(port, requestText(r, false)));
      // `connection: close` is not the lean layer's: Node's server and the fast path answer it.
      got[`node ${r.name}`] = normalise(await raw(port, requestText(r, true)));
      const res = await sys.app.inject({ method: 'POST', url: r.path, headers: r.headers, payload: r.body });
      const head = Object.entries(res.headers)
        .map(([k, v]) => `${k}: ${v}`)
        .join('\r\n');
      got[`fastify ${r.name}`] = normalise(`${res.statusCode}\r\n${head}\r\n\r\n${res.body}`);
    }
    if (process.env.UPDATE_SNAPSHOT === '1') writeFileSync(SNAPSHOT, `${JSON.stringify(got, null, 2)}\n`);
    const want = JSON.parse(readFileSync(SNAPSHOT, 'utf8')) as Record<string, string>;
    assert.deepEqual(Object.keys(got), Object.keys(want));
    for (const k of Object.keys(want)) assert.equal(got[k], want[k], k);
  });

  it("the writer's static security headers are helmet's, as the app sends them", async () => {
    const res = await sys.app.inject({ method: 'GET', url: '/healthz' });
    for (const [name, value] of SECURITY_HEADERS) {
      if (name === 'cache-control') continue; // the gateway's own (no-store), not helmet's
      assert.equal(res.headers[name], value, name);
    }
  });
});

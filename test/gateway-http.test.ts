import assert from 'node:assert/strict';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { type RawReply, takeResponse } from '../src/platform/http/raw-http-testing.ts';
import { appsWorld, createApp } from './apps-helpers.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

/** Sends each request on one keep-alive connection, the next after the previous answer. */
async function onOneConnection(
  port: number,
  requests: Array<(prev: RawReply[]) => string>,
): Promise<RawReply[]> {
  const s = connect(port, '127.0.0.1');
  await new Promise<void>((r) => s.on('connect', () => r()));
  let buf: Buffer = Buffer.alloc(0);
  let wake: (() => void) | null = null;
  let closed = false;
  s.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    wake?.();
  });
  s.on('close', () => {
    closed = true;
    wake?.();
  });
  const replies: RawReply[] = [];
  try {
    for (const make of requests) {
      s.write(make(replies));
      for (;;) {
        const got = takeResponse(buf);
        if (got) {
          replies.push(got.reply);
          buf = got.rest;
          break;
        }
        if (closed) throw new Error(`connection closed before a complete answer: ${buf.toString()}`);
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    }
  } finally {
    s.destroy();
  }
  return replies;
}

/**
 * The whole system on a real socket: gateway calls on a fresh connection are answered by the lean
 * HTTP/1.1 layer; the OAuth token call (a Fastify route) on the same connection hands it to Node's
 * server, which answers that call and every later one, and every call has its usage row.
 */
describe('gateway over HTTP/1.1: lean layer and hand-over to Node on one connection', () => {
  let sys: TestSystem;
  let port = 0;
  let prefix = '';
  let app: { clientId: string; clientSecret: string };
  before(async () => {
    sys = await startTestSystem();
    await sys.app.listen({ port: 0, host: '127.0.0.1' });
    port = (sys.app.server.address() as AddressInfo).port;
    prefix = `/${sys.config.gatewayProvider}/sandbox`;
    const w = await appsWorld(sys);
    app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftGrowth });
  });
  after(() => sys.cleanup());

  const operation = (token: string, requestId: string) => {
    const body = JSON.stringify(ibftBody());
    return [
      `POST ${prefix}/path-1 HTTP/1.1`,
      'host: 127.0.0.1',
      'content-type: application/json',
      `x-ibm-client-id: ${app.clientId}`,
      `authorization: Bearer ${token}`,
      `x-request-id: ${requestId}`,
      `content-length: ${Buffer.byteLength(body)}`,
      '',
      body,
    ].join('\r\n');
  };
  const tokenRequest = () => {
    const form = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: app.clientId,
      client_secret: app.clientSecret,
      scope: '1LinkApi',
    }).toString();
    return [
      `POST ${prefix}/oauth2/token HTTP/1.1`,
      'host: 127.0.0.1',
      'content-type: application/x-www-form-urlencoded',
      `content-length: ${form.length}`,
      '',
      form,
    ].join('\r\n');
  };
  const usageRows = async (ids: string[]) => {
    await sys.services.gateway?.recorder.flush();
    const rows = await sys.database.db
      .selectFrom('gateway_usage')
      .select(['request_id', 'status'])
      .where('request_id', 'in', ids)
      .execute();
    return rows.map((r) => `${r.request_id} ${r.status}`).sort();
  };

  it('operation, token call, operation on one connection: in order, each by the expected layer', async () => {
    const replies = await onOneConnection(port, [
      () => operation('not-a-token', 'req_http_one_1'),
      () => tokenRequest(),
      (prev) => operation(JSON.parse(prev[1].body).access_token, 'req_http_one_2'),
    ]);
    const [first, second, third] = replies;
    // No token yet: the lean layer answers the 401 itself (lower-case date line).
    assert.equal(first.status, 401, first.body);
    assert.match(first.head, /\r\nwww-authenticate: /i);
    assert.match(first.head, /\r\ndate: /);
    // The token call is Fastify's: from it on, Node's server has the connection (`Date:`).
    assert.equal(second.status, 200, second.body);
    assert.match(second.head, /\r\nDate: /);
    assert.equal(third.status, 200, third.body);
    assert.equal(JSON.parse(third.body).ResponseCode, '00', third.body);
    assert.match(third.head, /\r\nDate: /);
    assert.match(third.head, /\r\nratelimit-policy: /i);
    assert.deepEqual(await usageRows(['req_http_one_1', 'req_http_one_2']), [
      'req_http_one_1 401',
      'req_http_one_2 200',
    ]);
  });

  it('a connection that carries only operations stays with the lean layer, and every call is recorded', async () => {
    const [tok] = await onOneConnection(port, [() => tokenRequest()]);
    const token = JSON.parse(tok.body).access_token;
    const ids = Array.from({ length: 5 }, (_, i) => `req_http_lean_${i}`);
    const replies = await onOneConnection(
      port,
      ids.map((id) => () => operation(token, id)),
    );
    for (const r of replies) {
      assert.equal(r.status, 200, r.body);
      assert.equal(JSON.parse(r.body).ResponseCode, '00', r.body);
      assert.match(r.head, /\r\ndate: /);
      assert.match(r.head, /\r\ncache-control: no-store/);
      assert.match(r.head, /\r\nratelimit: /);
    }
    assert.deepEqual(
      await usageRows(ids),
      ids.map((id) => `${id} 200`),
    );
  });
  it('random requests through either layer: never a 5xx, always a complete answer', async () => {
    const [tok] = await onOneConnection(port, [() => tokenRequest()]);
    const token = JSON.parse(tok.body).access_token;
    let seed = 20261124;
    const rnd = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    const bodies = [
      () => JSON.stringify(ibftBody()),
      () => JSON.stringify({ ...ibftBody(), AccountNumberTo: 'x'.repeat(Math.floor(rnd() * 300)) }),
      () => '{"__proto__":{"a":1}}',
      () => '{"RRN":',
      () => JSON.stringify({ TransactionAmount: 'ünïcödé ✓', STAN: null }),
      () => '[1,2,3]',
      () => '',
      () => 'x'.repeat(Math.floor(rnd() * 2000)),
    ];
    const extras = [
      '',
      'x-end-user-id: user-1\r\n',
      'x-request-id: short\r\n',
      'idempotency-key: k1\r\n',
      'x-a: caf\u00e9\r\n',
      'accept: text/html\r\n',
      'x-ibm-client-secret: wrong\r\n',
    ];
    for (let i = 0; i < 120; i++) {
      const body = pick(bodies)();
      const ct = pick([
        'application/json',
        'text/plain',
        'application/vnd.x+json',
        'application/json; charset=utf-8',
      ]);
      const auth = pick([`Bearer ${token}`, 'Bearer nope', 'Basic abc', '']);
      const request = [
        `POST ${prefix}/${pick(['path-1', 'path-2'])}${pick(['', '?a=1'])} HTTP/1.1`,
        'host: 127.0.0.1',
        `content-type: ${ct}`,
        `x-ibm-client-id: ${pick([app.clientId, 'unknown-client'])}`,
        ...(auth ? [`authorization: ${auth}`] : []),
        `content-length: ${Buffer.byteLength(body)}`,
        '',
        '',
      ]
        .join('\r\n')
        .replace('\r\n\r\n', `\r\n${pick(extras)}\r\n`);
      const [r] = await onOneConnection(port, [() => `${request}${body}`]);
      assert.ok(r.status >= 200 && r.status < 500, `${r.status} for ${JSON.stringify(request)}: ${r.body}`);
    }
  });
});

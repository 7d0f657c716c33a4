import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { upstreamDispatcher } from './dispatch.ts';
import type { GatewayError } from './gateway-errors.ts';
import type { NetworkCallContext, NetworkOperation } from './ports.ts';

const op = (path: string): NetworkOperation => ({
  productSlug: 'ibft',
  operationId: 'x',
  method: 'POST',
  path,
  paymentCreating: false,
  requiresClientSecret: false,
  handle: async () => ({ status: 200, body: null }),
});
const ctx: NetworkCallContext = {
  orgId: 'org',
  appId: 'app',
  appPublicKeyPem: null,
  body: { a: 1 },
  query: {},
  headers: { 'content-type': 'application/json', authorization: 'Bearer secret' },
  requestId: 'req_1',
  nowMs: 0,
};

describe('upstream dispatcher', () => {
  let server: Server;
  let base = '';
  let seenAuth: string | undefined;
  let seen: Record<string, string | string[] | undefined> = {};
  before(async () => {
    server = createServer((req, res) => {
      seenAuth = req.headers.authorization;
      seen = req.headers;
      if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 1000);
      if (req.url === '/big') return void res.end('x'.repeat(5000));
      if (req.url === '/deep') return void res.end(`${'['.repeat(5000)}${']'.repeat(5000)}`);
      if (req.url === '/raw') {
        // Echoes the text received inside an answer written by hand (spacing, digits past a double's).
        let text = '';
        req.on('data', (c) => (text += c));
        req.on('end', () =>
          res.end(`{ "ResponseCode" : "00", "Amount": 12345678901234567890.10, "got": ${text} }`),
        );
        return;
      }
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({ ResponseCode: '00', echo: JSON.parse(body), rid: req.headers['x-request-id'] }),
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('forwards the body and request id, not the caller credentials', async () => {
    const d = upstreamDispatcher({ baseUrl: base });
    const r = await d(op('/ok'), ctx);
    assert.equal(r.status, 200);
    assert.equal(r.networkCode, '00');
    assert.deepEqual((r.body as { echo: unknown }).echo, { a: 1 });
    assert.equal((r.body as { rid: string }).rid, 'req_1');
    assert.equal(seenAuth, undefined);
    await d.close();
  });
  it('sends the body text as the caller wrote it and answers with the upstream text as written', async () => {
    // Re-serialising would round both amounts to a double's 17 digits and drop the spacing.
    const text = '{"Amount": 98765432109876543210.55, "a" : 1}';
    const d = upstreamDispatcher({ baseUrl: base });
    const r = await d(op('/raw'), { ...ctx, body: JSON.parse(text), bodyText: text });
    assert.equal(r.networkCode, '00');
    assert.equal(r.bodyText, `{ "ResponseCode" : "00", "Amount": 12345678901234567890.10, "got": ${text} }`);
    assert.equal((r.body as { got: { a: number } }).got.a, 1);
    // Without a text (callers that give the body parsed), the body is serialised as before.
    const parsed = await d(op('/raw'), { ...ctx, body: { a: 2 } });
    assert.match(String(parsed.bodyText), /"got": \{"a":2\} \}$/);
    // An answer that is not JSON is no text to pass on: the caller gets it as a JSON string.
    const roomy = upstreamDispatcher({ baseUrl: base, maxResponseBytes: 10_000 });
    const big = await roomy(op('/big'), ctx);
    assert.equal(big.bodyText, undefined);
    assert.equal(big.body, 'x'.repeat(5000));
    await roomy.close();
    await d.close();
  });

  it('times out a slow upstream with 504 gateway_upstream_timeout', async () => {
    const d = upstreamDispatcher({ baseUrl: base, responseTimeoutMs: 100 });
    await assert.rejects(
      d(op('/slow'), ctx),
      (e: GatewayError) => e.status === 504 && e.code === 'gateway_upstream_timeout',
    );
    await d.close();
  });
  it('passes on the allow-listed headers and who is calling, never the credentials', async () => {
    const d = upstreamDispatcher({ baseUrl: base, headerAllowList: ['x-trace', 'authorization'] });
    await d(op('/ok'), {
      ...ctx,
      appPublicKeyPem: 'PEM',
      headers: { ...ctx.headers, 'x-trace': 't1', accept: 'text/plain' },
    });
    assert.equal(seenAuth, undefined, 'authorization is never passed on');
    assert.equal(seen['x-trace'], 't1');
    assert.equal(seen.accept, undefined, 'not on this allow-list');
    assert.equal(seen['x-darwaza-org-id'], 'org');
    assert.equal(seen['x-darwaza-app-id'], 'app');
    assert.equal(Buffer.from(String(seen['x-darwaza-app-key']), 'base64').toString(), 'PEM');
    await d.close();
  });
  it('caps the response size', async () => {
    const d = upstreamDispatcher({ baseUrl: base, maxResponseBytes: 1000 });
    await assert.rejects(
      d(op('/big'), ctx),
      (e: GatewayError) =>
        e.status === 502 && e.code === 'gateway_upstream_bad_answer' && /exceeds/.test(e.message),
    );
    await d.close();
  });
  it('an answer nested deeper than 64 levels is a 502, not parsed', async () => {
    const d = upstreamDispatcher({ baseUrl: base });
    await assert.rejects(
      d(op('/deep'), ctx),
      (e: GatewayError) => e.status === 502 && /64 levels/.test(e.message),
    );
    await d.close();
  });
  it('connection refused is a 503 gateway_upstream_unreachable with Retry-After (nothing was sent)', async () => {
    const d = upstreamDispatcher({ baseUrl: 'http://127.0.0.1:1', connectTimeoutMs: 200 });
    await assert.rejects(
      d(op('/x'), ctx),
      (e: GatewayError) => e.status === 503 && e.code === 'gateway_upstream_unreachable',
    );
    await d.close();
  });
});

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
  before(async () => {
    server = createServer((req, res) => {
      seenAuth = req.headers.authorization;
      if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 1000);
      if (req.url === '/big') return void res.end('x'.repeat(5000));
      if (req.url === '/deep') return void res.end(`${'['.repeat(5000)}${']'.repeat(5000)}`);
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
  it('times out a slow upstream with 502', async () => {
    const d = upstreamDispatcher({ baseUrl: base, responseTimeoutMs: 100 });
    await assert.rejects(d(op('/slow'), ctx), (e: GatewayError) => e.status === 502);
    await d.close();
  });
  it('caps the response size', async () => {
    const d = upstreamDispatcher({ baseUrl: base, maxResponseBytes: 1000 });
    await assert.rejects(
      d(op('/big'), ctx),
      (e: GatewayError) => e.status === 502 && /exceeds/.test(e.message),
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
  it('connection refused is a 502', async () => {
    const d = upstreamDispatcher({ baseUrl: 'http://127.0.0.1:1', connectTimeoutMs: 200 });
    await assert.rejects(d(op('/x'), ctx), (e: GatewayError) => e.status === 502);
    await d.close();
  });
});

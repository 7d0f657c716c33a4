import assert from 'node:assert/strict';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { upstreamDispatcher } from './dispatch.ts';
import type { NetworkCallContext, NetworkOperation } from './ports.ts';

/**
 * Which client carries a production call (ADR 0019): plain-HTTP upstreams get the lean client,
 * told apart here by the request head it writes (no `connection` header; undici always sends
 * `connection: keep-alive`); a call it cannot send as is (a header value outside visible ASCII)
 * still reaches the upstream, through undici; close() closes the lean client's connections.
 */
const op: NetworkOperation = {
  productSlug: 'ibft',
  operationId: 'x',
  method: 'POST',
  path: '/path-1',
  paymentCreating: false,
  requiresClientSecret: false,
  handle: async () => ({ status: 200, body: null }),
};
const ctx = (headers: Record<string, string>): NetworkCallContext => ({
  orgId: 'org',
  appId: 'app',
  appPublicKeyPem: null,
  body: { a: 1 },
  query: {},
  headers: { 'content-type': 'application/json', ...headers },
  requestId: 'req_1',
  nowMs: 0,
});

describe('production dispatch through the lean client', () => {
  let server: Server;
  let base = '';
  const heads: string[] = [];
  let open = 0;
  before(async () => {
    server = createServer((s) => {
      open++;
      s.on('close', () => open--);
      let buf = '';
      s.on('data', (d) => {
        buf += d.toString('latin1');
        const end = buf.indexOf('\r\n\r\n');
        if (end < 0) return;
        const head = buf.slice(0, end);
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1] ?? 0);
        if (buf.length < end + 4 + length) return;
        heads.push(head.toLowerCase());
        buf = buf.slice(end + 4 + length);
        const body = '{"ResponseCode":"00"}';
        s.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => new Promise<void>((r) => server.close(() => r())));

  it('a plain-HTTP upstream is called by the lean client, over one kept-alive connection', async () => {
    const d = upstreamDispatcher({ baseUrl: base });
    for (let i = 0; i < 3; i++) {
      const r = await d(op, ctx({}));
      assert.equal(r.status, 200);
      assert.equal(r.networkCode, '00');
    }
    const mine = heads.slice(-3);
    for (const h of mine) {
      assert.match(h, /^post \/path-1 http\/1\.1\r\n/);
      assert.ok(!/\r\nconnection:/.test(h), h);
      assert.match(h, /\r\nx-request-id: req_1/);
    }
    assert.equal(open, 1);
    await d.close();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(open, 0, 'close() closed the lean connection');
  });

  it('a call the lean client cannot send as is (accept, forwarded by default, with a non-ASCII byte) goes through undici and still arrives', async () => {
    const d = upstreamDispatcher({ baseUrl: base });
    const r = await d(op, ctx({ accept: 'application/json; q=0.9 \u00e9' }));
    assert.equal(r.status, 200);
    assert.match(heads.at(-1) ?? '', /\r\nconnection: keep-alive/);
    await d.close();
  });
});

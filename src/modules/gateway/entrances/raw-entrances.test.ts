import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyInstance } from 'fastify';
import type { CallInput, CallOutput, Route } from '../pipeline/call.ts';
import { rawServe } from '../pipeline/serve.ts';
import type { NetworkOperation } from '../ports.ts';
import { callMetrics, nodeWriter } from '../respond/writer.ts';
import { installLeanEntrance } from './lean-http1.ts';
import { installNodeHttp } from './node-http.ts';

/** The two raw entrances on one server, as gateway.ts installs them (`lean` false: Node's alone). */
function installRaw(
  app: FastifyInstance,
  routes: Map<string, Route>,
  call: (o: NetworkOperation, c: string, input: CallInput) => Promise<CallOutput>,
  lean: boolean,
): void {
  const bodyLimit = 1024;
  const publicUrl = 'http://t';
  const observe = callMetrics(undefined);
  const serve = rawServe({ call, bodyLimit, publicUrl, timed: false });
  const write = nodeWriter(publicUrl, observe);
  assert.ok(installNodeHttp(app.server, { routes, bodyLimit, serve, write }));
  if (lean) installLeanEntrance(app.server, { routes, bodyLimit, publicUrl, serve, observe });
}

const op = (path: string): NetworkOperation => ({
  productSlug: 'p',
  operationId: path.slice(1),
  method: 'POST',
  path,
  paymentCreating: false,
  requiresClientSecret: false,
  handle: async () => ({ status: 200, body: null }),
});

/**
 * The raw entrances (Node's HTTP server, the lean HTTP/1.1 layer) on a real socket: the responses of one event-loop turn are written together,
 * each with its own status, headers and body; one response Node refuses to write (a header value
 * with a line break) becomes a 500 without touching the others or the process.
 */
for (const lean of [true, false])
  describe(`gateway raw entrances (real socket, ${lean ? 'lean HTTP/1.1 layer' : "Node's HTTP server"})`, () => {
    let app: FastifyInstance;
    let base: string;
    const seen: Array<string | null | undefined> = [];
    const seenBytes: Array<Buffer | null | undefined> = [];
    before(async () => {
      app = Fastify();
      app.get('/other', async () => ({ via: 'fastify' }));
      const byPath = new Map(
        ['/ok', '/bad', '/uni'].map((p) => [
          `POST /x/sandbox${p}`,
          { op: op(p), catalog: 'sandbox' as const, template: `/x/sandbox${p}` },
        ]),
      );
      // The pipeline parses the body (after authentication): the fast path hands it over as text.
      const call = async (o: NetworkOperation, _c: string, input: CallInput): Promise<CallOutput> => {
        seen.push(input.bodyText);
        seenBytes.push(input.bodyBytes);
        input.body = input.bodyText ? JSON.parse(input.bodyText) : undefined;
        return o.path === '/uni'
          ? {
              status: 200,
              headers: {},
              contentType: 'application/json; charset=utf-8',
              payload: JSON.stringify({ title: 'Ünïcödé ✓ 😀', path: input.path }),
            }
          : {
              status: o.path === '/bad' ? 200 : 201,
              headers:
                o.path === '/bad'
                  ? { 'x-broken': 'a\nb' }
                  : { 'x-echo': String((input.body as { n: number }).n) },
              contentType: 'application/json; charset=utf-8',
              payload: JSON.stringify({ n: (input.body as { n: number }).n }),
            };
      };
      app.addHook('onListen', async () => {
        installRaw(app, byPath, call, lean);
      });
      await app.listen({ port: 0, host: '127.0.0.1' });
      base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    });
    after(() => app.close());

    const post = (path: string, body: unknown) =>
      fetch(`${base}/x/sandbox${path}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    it('concurrent calls each get their own response; a refused header turns into a 500 alone', async () => {
      const rs = await Promise.all([
        ...Array.from({ length: 20 }, (_, n) => post('/ok', { n })),
        post('/bad', { n: 99 }),
      ]);
      for (let n = 0; n < 20; n++) {
        assert.equal(rs[n].status, 201);
        assert.equal(rs[n].headers.get('x-echo'), String(n));
        assert.equal(rs[n].headers.get('cache-control'), 'no-store');
        assert.deepEqual(await rs[n].json(), { n });
      }
      const bad = rs[20];
      assert.equal(bad.status, 500);
      const body = await bad.json();
      assert.equal(body.error.code, 'internal_error');
      assert.ok(bad.headers.get('x-request-id'));
      // The server still serves both paths afterwards.
      assert.equal((await post('/ok', { n: 1 })).status, 201);
      assert.equal((await fetch(`${base}/other`)).status, 200);
    });

    it(`plain HTTP/1.1 calls are answered by ${lean ? 'the lean layer' : "Node's HTTP server"}`, async () => {
      // The lean layer writes its date line in lower case, Node as `Date:`: the raw bytes tell them apart.
      const head = await new Promise<string>((resolve, reject) => {
        const s = connect(Number(new URL(base).port), '127.0.0.1');
        let got = '';
        s.on('data', (d) => {
          got += d.toString('latin1');
          if (got.includes('\r\n\r\n')) {
            s.destroy();
            resolve(got);
          }
        });
        s.on('error', reject);
        const body = '{"n":5}';
        s.write(
          `POST /x/sandbox/ok HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        );
      });
      assert.match(head, /^HTTP\/1\.1 201 Created\r\n/);
      assert.match(head, lean ? /\r\ndate: / : /\r\nDate: /);
    });

    it('bodies reach the pipeline as the text and the bytes received, unparsed; only an oversized one is refused here', async () => {
      seen.length = 0;
      seenBytes.length = 0;
      const text = '{"n":4,  "deep":[[[[]]]], "x":"\\u00e9", "y":"ü"}';
      const r = await fetch(`${base}/x/sandbox/ok`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: text,
      });
      assert.equal(r.status, 201);
      assert.deepEqual(seen, [text]);
      // The bytes too (the call record's body head is cut from them: pipeline/records.ts).
      assert.deepEqual(seenBytes, [Buffer.from(text)]);
      const big = await post('/ok', { n: 1, pad: 'x'.repeat(2000) });
      assert.equal(big.status, 413);
      assert.equal((await big.json()).error.code, 'payload_too_large');
      assert.equal(seen.length, 1, 'an oversized body never reaches the pipeline');
    });

    it('non-ASCII payloads go out as UTF-8 with their byte length; ASCII ones as the same bytes', async () => {
      const r = await post('/uni', { n: 1 });
      const bytes = Buffer.from(await r.arrayBuffer());
      assert.equal(Number(r.headers.get('content-length')), bytes.length);
      assert.deepEqual(JSON.parse(bytes.toString('utf8')), { title: 'Ünïcödé ✓ 😀', path: '/x/sandbox/uni' });
      const a = await post('/ok', { n: 7 });
      assert.equal(await a.text(), '{"n":7}');
    });
  });

describe('gateway entrances', () => {
  it('each entrance file stays under 150 lines (they move bytes; the pipeline and writer do the rest)', () => {
    const dir = new URL('./', import.meta.url);
    const files = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'));
    assert.deepEqual(files.sort(), ['fastify-route.ts', 'lean-http1.ts', 'node-http.ts']);
    for (const f of files) {
      const lines = readFileSync(new URL(f, dir), 'utf8').split('\n').length;
      assert.ok(lines < 150, `${f}: ${lines} lines`);
    }
  });
});

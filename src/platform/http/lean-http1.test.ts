import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { type AddressInfo, connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { headerLines, installLeanHttp1, type LeanHttp } from './lean-http1.ts';
import { type RawReply, takeResponse } from './raw-http-testing.ts';

type Seen = { by: string; method: string; url: string; headers: Record<string, string>; body: string };

/** What Node's own server saw: the request as its parser delivered it. */
function nodeHandler(req: IncomingMessage, res: ServerResponse) {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) headers[k] = String(v);
    const seen: Seen = {
      by: 'node',
      method: req.method ?? '',
      url: req.url ?? '',
      headers,
      body: Buffer.concat(chunks).toString('latin1'),
    };
    const payload = JSON.stringify(seen);
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) });
    res.end(payload);
  });
}

/** A Node server with the lean layer claiming POST/GET /lean…; its handler echoes what it saw. */
function leanServer(
  delays?: Map<string, number>,
  onHandle?: (path: string) => void,
): { server: Server; lean: () => LeanHttp } {
  const server = createServer(nodeHandler);
  let lean: LeanHttp | undefined;
  server.on('listening', () => {
    lean = installLeanHttp1(server, {
      maxBodyBytes: 4096,
      claims: (_m, path) => (path.startsWith('/lean') ? true : undefined),
      handle: (req, _claim, reply) => {
        const seen: Seen = {
          by: 'lean',
          method: req.method,
          url: req.url,
          headers: { ...req.headers },
          body: req.body.toString('latin1'),
        };
        const payload = JSON.stringify(seen);
        const answer = () =>
          reply({
            status: 200,
            head: `content-type: application/json\r\ncontent-length: ${Buffer.byteLength(payload)}\r\n`,
            payload,
            ascii: Buffer.byteLength(payload) === payload.length,
          });
        const d = delays?.get(req.path);
        if (d) setTimeout(answer, d);
        else answer();
        onHandle?.(req.path);
      },
    });
  });
  return { server, lean: () => lean as LeanHttp };
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

/**
 * Sends `parts` (one write each, 1 ms apart) on a new connection and reads `n` responses (content-length
 * framed), or what came before the connection closed. `closed` tells whether the server closed it.
 */
function exchange(
  port: number,
  parts: Array<string | Buffer>,
  n: number,
  waitClose = false,
): Promise<{ replies: RawReply[]; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const s = connect(port, '127.0.0.1');
    let buf: Buffer = Buffer.alloc(0);
    const replies: RawReply[] = [];
    let done = false;
    const finish = (closed: boolean) => {
      if (done) return;
      done = true;
      s.destroy();
      resolve({ replies, closed });
    };
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      for (let got = takeResponse(buf); got; got = takeResponse(buf)) {
        replies.push(got.reply);
        buf = got.rest;
      }
      if (replies.length >= n && !waitClose) finish(false);
    });
    s.on('close', () => finish(true));
    s.on('error', (e) => (done ? undefined : reject(e)));
    s.on('connect', async () => {
      for (const p of parts) {
        if (s.destroyed) return;
        s.write(p);
        if (parts.length > 1) await new Promise((r) => setTimeout(r, 1));
      }
    });
  });
}

const req = (method: string, path: string, body = '', extra = '') =>
  `${method} ${path} HTTP/1.1\r\nhost: t\r\n${extra}${body || method === 'POST' ? `content-length: ${Buffer.byteLength(body)}\r\n` : ''}\r\n${body}`;

/** Splits `s` at random byte offsets into 1–6 pieces. */
function splitRandomly(s: string, rnd: () => number): Buffer[] {
  const b = Buffer.from(s, 'latin1');
  const cuts = Array.from({ length: Math.floor(rnd() * 6) }, () => Math.floor(rnd() * b.length)).sort(
    (x, y) => x - y,
  );
  const out: Buffer[] = [];
  let at = 0;
  for (const c of [...cuts, b.length]) {
    if (c > at) out.push(b.subarray(at, c));
    at = c;
  }
  return out;
}

function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 2 ** 32;
  };
}

describe('lean HTTP/1.1 layer', () => {
  const { server, lean } = leanServer(new Map([['/lean/slow', 40]]));
  const plain = createServer(nodeHandler); // Node alone: the reference for what a request means
  let port = 0;
  let plainPort = 0;
  before(async () => {
    port = await listen(server);
    plainPort = await listen(plain);
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    plain.closeAllConnections();
    plain.close();
  });

  it('serves claimed requests itself and hands the rest of the connection to Node', async () => {
    const { replies } = await exchange(
      port,
      [req('POST', '/lean/a', '{"n":1}'), req('GET', '/other?x=1'), req('POST', '/lean/b', '{"n":2}')],
      3,
    );
    const seen = replies.map((r) => JSON.parse(r.body) as Seen);
    assert.deepEqual(
      seen.map((s) => [s.by, s.method, s.url, s.body]),
      [
        ['lean', 'POST', '/lean/a', '{"n":1}'],
        ['node', 'GET', '/other?x=1', ''],
        // once Node has the connection it keeps it
        ['node', 'POST', '/lean/b', '{"n":2}'],
      ],
    );
    assert.equal(replies[0].headers.connection, 'keep-alive');
    assert.match(replies[0].headers.date, /GMT$/);
  });

  it('answers pipelined requests in order, whatever order they finish in and however they are split', async () => {
    const rnd = prng(42);
    for (let round = 0; round < 40; round++) {
      const stream = [
        req('POST', '/lean/slow', `{"r":${round}}`),
        req('POST', '/lean/fast', 'x'.repeat(Math.floor(rnd() * 300))),
        req('GET', '/lean/q?a=b'),
        req('POST', '/node', 'tail'),
        req('POST', '/lean/after', 'z'),
      ].join('');
      const { replies } = await exchange(port, splitRandomly(stream, rnd), 5);
      const seen = replies.map((r) => JSON.parse(r.body) as Seen);
      assert.deepEqual(
        seen.map((s) => `${s.by} ${s.url}`),
        ['lean /lean/slow', 'lean /lean/fast', 'lean /lean/q?a=b', 'node /node', 'node /lean/after'],
        `round ${round}`,
      );
      assert.equal(seen[0].body, `{"r":${round}}`);
    }
  });

  it('reads on after pausing for more pipelined requests than it keeps in flight', async () => {
    // 150 slow requests in one write: more than the 64 in flight at once, so reading pauses
    // and must resume as answers go out.
    const stream = Array.from({ length: 150 }, (_, i) => req('POST', '/lean/slow', `{"i":${i}}`)).join('');
    const { replies } = await exchange(port, [stream], 150);
    assert.equal(replies.length, 150);
    assert.deepEqual(
      replies.map((r) => (JSON.parse((JSON.parse(r.body) as Seen).body) as { i: number }).i),
      Array.from({ length: 150 }, (_, i) => i),
    );
  });

  it('hands over every request outside its narrow subset, so Node parses (or refuses) it', async () => {
    const odd: Array<[string, string]> = [
      [
        'transfer-encoding',
        'POST /lean/x HTTP/1.1\r\nhost: t\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n',
      ],
      [
        'content-length and transfer-encoding',
        'POST /lean/x HTTP/1.1\r\nhost: t\r\ncontent-length: 3\r\ntransfer-encoding: chunked\r\n\r\nabc',
      ],
      [
        'two content-lengths',
        'POST /lean/x HTTP/1.1\r\nhost: t\r\ncontent-length: 3\r\ncontent-length: 4\r\n\r\nabcd',
      ],
      ['obs-fold', 'GET /lean/x HTTP/1.1\r\nhost: t\r\nx-a: 1\r\n  folded\r\n\r\n'],
      ['bare LF', 'GET /lean/x HTTP/1.1\r\nhost: t\nx-a: 1\r\n\r\n'],
      ['space before colon', 'GET /lean/x HTTP/1.1\r\nhost : t\r\n\r\n'],
      ['HTTP/1.0', 'GET /lean/x HTTP/1.0\r\nhost: t\r\n\r\n'],
      ['expect', 'POST /lean/x HTTP/1.1\r\nhost: t\r\nexpect: 100-continue\r\ncontent-length: 1\r\n\r\na'],
      ['no host', 'GET /lean/x HTTP/1.1\r\nx-a: 1\r\n\r\n'],
      ['non-ASCII value', 'GET /lean/x HTTP/1.1\r\nhost: t\r\nx-a: caf\xe9\r\n\r\n'],
      ['signed length', 'POST /lean/x HTTP/1.1\r\nhost: t\r\ncontent-length: +1\r\n\r\na'],
      ['connection: close', 'GET /lean/x HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n'],
      ['upgrade', 'GET /lean/x HTTP/1.1\r\nhost: t\r\nconnection: upgrade\r\nupgrade: websocket\r\n\r\n'],
      [
        'body over the limit',
        `POST /lean/x HTTP/1.1\r\nhost: t\r\ncontent-length: 5000\r\n\r\n${'a'.repeat(5000)}`,
      ],
      ['leading empty line', '\r\nGET /lean/x HTTP/1.1\r\nhost: t\r\n\r\n'],
      ['lower-case method', 'get /lean/x HTTP/1.1\r\nhost: t\r\n\r\n'],
    ];
    let answered = 0;
    for (const [what, bytes] of odd) {
      const { replies } = await exchange(port, [Buffer.from(bytes, 'latin1')], 1, false);
      if (replies.length === 0) continue; // Node closed the connection without an answer
      answered++;
      const r = replies[0];
      const by = r.status === 200 ? (JSON.parse(r.body) as Seen).by : `node ${r.status}`;
      assert.ok(by.startsWith('node'), `${what}: answered by ${by}`);
    }
    assert.ok(answered >= odd.length - 2, `only ${answered} answered`);
  });

  it('whatever it serves, Node would have read as the same request (random streams)', async () => {
    const rnd = prng(7);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];
    // Known names in any case (matched in place by the layer), names one character off them, others.
    const names = [
      'host',
      'x-a',
      'X-B',
      'content-type',
      'Content-Type',
      'accept',
      'x-ibm-client-id',
      'X-IBM-Client-Id',
      'x-ibm-client-ie',
      'authorization',
      'AUTHORIZATION',
      'content-typf',
      'HoSt',
    ];
    const values = [
      't',
      'v',
      ' padded\t',
      'a,b',
      '',
      'Bearer abc.def',
      'x'.repeat(40),
      'é',
      'a\tb',
      ' \t ',
      '\t a b  ',
    ];
    let served = 0;
    for (let i = 0; i < 300; i++) {
      const lines: string[] = [];
      const n = Math.floor(rnd() * 5);
      for (let k = 0; k < n; k++) lines.push(`${pick(names)}:${pick(values)}`);
      if (rnd() < 0.8) lines.push('host: t');
      const body = rnd() < 0.5 ? '' : 'b'.repeat(Math.floor(rnd() * 20));
      if (body || rnd() < 0.3) lines.push(`content-length: ${body.length}`);
      const bytes = `${pick(['POST', 'GET', 'PUT'])} ${pick(['/lean/p', '/lean/p?q=1&r=%20'])} HTTP/1.1\r\n${lines.join('\r\n')}${lines.length ? '\r\n' : ''}\r\n${body}`;
      const [a, b] = await Promise.all([
        exchange(port, [Buffer.from(bytes, 'latin1')], 1),
        exchange(plainPort, [Buffer.from(bytes, 'latin1')], 1),
      ]);
      const ours = a.replies[0];
      if (ours?.status !== 200 || (JSON.parse(ours.body) as Seen).by !== 'lean') continue;
      served++;
      const mine = JSON.parse(ours.body) as Seen;
      assert.ok(b.replies[0], `Node refused what the lean layer served: ${JSON.stringify(bytes)}`);
      const node = JSON.parse(b.replies[0].body) as Seen;
      assert.deepEqual(
        { method: mine.method, url: mine.url, headers: mine.headers, body: mine.body },
        { method: node.method, url: node.url, headers: node.headers, body: node.body },
        JSON.stringify(bytes),
      );
    }
    assert.ok(served > 20, `only ${served} of 300 random requests were served by the lean layer`);
  });

  it('closes idle connections when the server closes, and busy ones after their last response', async () => {
    const handled = new Set<string>();
    let wake = () => {};
    const { server: s2 } = leanServer(new Map([['/lean/slow', 1000]]), (path) => {
      handled.add(path);
      wake();
    });
    const p2 = await listen(s2);
    const idle = exchange(p2, [req('GET', '/lean/a')], 1, true);
    const busy = exchange(p2, [req('GET', '/lean/slow')], 1, true);
    // Both requests read (the slow one still running) and the quick one's answer written (the
    // turn's write runs in a setImmediate queued before the one awaited here).
    while (!(handled.has('/lean/a') && handled.has('/lean/slow'))) {
      await new Promise<void>((r) => {
        wake = r;
      });
    }
    await new Promise((r) => setImmediate(r));
    const closed = new Promise<void>((r) => s2.close(() => r()));
    const [i, b] = await Promise.all([idle, busy]);
    await closed;
    assert.equal(i.replies.length, 1);
    assert.equal(i.closed, true);
    assert.equal(b.replies.length, 1, 'the busy connection got its answer before closing');
    assert.equal(b.replies[0].headers.connection, 'close');
    assert.equal(b.closed, true);
  });

  it('times out a request that does not finish arriving, and an idle connection', async () => {
    const { server: s3, lean: l3 } = leanServer();
    s3.headersTimeout = 1200;
    s3.keepAliveTimeout = 1200;
    const p3 = await listen(s3);
    const started = Date.now();
    const [partial, idle] = await Promise.all([
      exchange(p3, ['POST /lean/x HTTP/1.1\r\nhost: t\r\ncontent-length: 10\r\n\r\nabc'], 1, true),
      exchange(p3, [req('GET', '/lean/a')], 1, true),
    ]);
    const took = Date.now() - started;
    assert.equal(partial.replies[0]?.status, 408);
    assert.equal(partial.closed, true);
    assert.equal(idle.replies[0]?.status, 200);
    assert.equal(idle.closed, true);
    assert.ok(took >= 1200 && took < 5000, `closed after ${took} ms`);
    assert.equal(l3().connections(), 0);
    s3.close();
  });

  it('stops reading from a client that does not read its responses', async () => {
    const { server: s4, lean: l4 } = leanServer();
    const p4 = await listen(s4);
    const sock = connect(p4, '127.0.0.1');
    sock.pause(); // never reads a response
    await new Promise<void>((r) => sock.on('connect', () => r()));
    const one = req('POST', '/lean/x', 'x'.repeat(3000));
    // Keep writing while the server keeps reading. A server that read on regardless would buffer
    // every answer (~3 KB each) and this loop would reach its cap; this one stops reading once the
    // socket's outgoing buffer is full, so the client's writes stop draining.
    let sent = 0;
    let stalled = false;
    while (sent < 20_000 && !stalled) {
      if (sock.write(one)) {
        sent++;
        continue;
      }
      sent++;
      stalled = !(await Promise.race([
        new Promise<boolean>((r) => sock.once('drain', () => r(true))),
        new Promise<boolean>((r) => setTimeout(() => r(false), 500)),
      ]));
    }
    assert.equal(stalled, true, `the server read all ${sent} requests without its answers being read`);
    assert.ok(sent < 5_000, `${sent} requests were read before the server stopped reading`);
    assert.equal(l4().connections(), 1);
    sock.destroy();
    s4.close();
  });

  it('header lines: names must be tokens and values must be sendable', () => {
    assert.equal(headerLines(['a', 'b', 'x-c', 'd e']), 'a: b\r\nx-c: d e\r\n');
    assert.equal(headerLines(['a', 'b\nc']), null);
    assert.equal(headerLines(['a b', 'c']), null);
    assert.equal(headerLines(['a', 'é']), null);
  });

  it('leaves a TLS server alone', () => {
    const tls = createHttpsServer();
    const before = tls.listeners('connection');
    installLeanHttp1(tls, { maxBodyBytes: 1, claims: () => true, handle: () => {} });
    assert.deepEqual(tls.listeners('connection'), before);
  });

  it('reports the connections it serves', async () => {
    const s = connect(port, '127.0.0.1');
    await new Promise<void>((r) => s.on('connect', () => r()));
    await new Promise((r) => setTimeout(r, 20));
    assert.ok(lean().connections() >= 1);
    s.destroy();
  });
});

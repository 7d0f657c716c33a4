import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import {
  type AddressInfo,
  createServer as createNetServer,
  type Server as NetServer,
  type Socket,
} from 'node:net';
import { after, describe, it } from 'node:test';
import { AnswerParser, LeanClientError, LeanHttpClient } from './lean-client.ts';

const servers: Array<Server | NetServer> = [];
after(async () => {
  for (const s of servers) {
    (s as Server).closeAllConnections?.();
    await new Promise<void>((r) => s.close(() => r()));
  }
});

async function httpServer(
  handle: (req: IncomingMessage, res: ServerResponse, body: string) => void,
): Promise<{ port: number; connections: () => number; requests: () => number }> {
  let connections = 0;
  let requests = 0;
  const s = createServer((req, res) => {
    requests++;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (d: string) => {
      body += d;
    });
    req.on('end', () => handle(req, res, body));
  });
  s.on('connection', () => connections++);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return {
    port: (s.address() as AddressInfo).port,
    connections: () => connections,
    requests: () => requests,
  };
}

async function rawServer(onSocket: (s: Socket) => void): Promise<number> {
  const s = createNetServer(onSocket);
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  servers.push(s);
  return (s.address() as AddressInfo).port;
}

const client = (port: number, over: Partial<ConstructorParameters<typeof LeanHttpClient>[0]> = {}) =>
  new LeanHttpClient({
    host: '127.0.0.1',
    port,
    connectTimeoutMs: 1000,
    responseTimeoutMs: 2000,
    maxResponseBytes: 1024 * 1024,
    ...over,
  });

async function code(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'resolved';
  } catch (err) {
    assert.ok(err instanceof LeanClientError, String(err));
    return err.code;
  }
}

describe('lean HTTP client against node:http', () => {
  it('sends method, path, headers and body; reads status and body; reuses one connection', async () => {
    const seen: Array<{ method?: string; url?: string; h: string | undefined; body: string }> = [];
    const srv = await httpServer((req, res, body) => {
      seen.push({ method: req.method, url: req.url, h: req.headers['x-request-id'] as string, body });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ echo: body.length }));
    });
    const c = client(srv.port);
    for (let i = 0; i < 3; i++) {
      const r = await c.request(
        'POST',
        '/path-1?x=1',
        { 'x-request-id': `r${i}`, 'content-type': 'application/json' },
        '{"a":"ü"}',
      );
      assert.equal(r.status, 201);
      assert.deepEqual(JSON.parse(r.body.toString('utf8')), { echo: 9 });
    }
    assert.deepEqual(seen[2], { method: 'POST', url: '/path-1?x=1', h: 'r2', body: '{"a":"ü"}' });
    assert.equal(srv.connections(), 1);
    await c.close();
  });

  it('reads chunked answers with trailers, and keeps the connection', async () => {
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { trailer: 'x-checksum' });
      res.write('{"part":');
      res.write('"one and two"');
      res.addTrailers({ 'x-checksum': 'abc' });
      res.end('}');
    });
    const c = client(srv.port);
    for (let i = 0; i < 2; i++) {
      const r = await c.request('GET', '/', {}, null);
      assert.equal(r.body.toString(), '{"part":"one and two"}');
    }
    assert.equal(srv.connections(), 1);
    await c.close();
  });

  it('does not reuse a connection the server closes (connection: close)', async () => {
    const srv = await httpServer((_req, res) => {
      res.writeHead(200, { connection: 'close', 'content-length': 2 });
      res.end('ok');
    });
    const c = client(srv.port);
    assert.equal((await c.request('GET', '/', {}, null)).body.toString(), 'ok');
    assert.equal((await c.request('GET', '/', {}, null)).body.toString(), 'ok');
    assert.equal(srv.connections(), 2);
    await c.close();
  });

  it('opens at most maxConnections; the rest wait their turn', async () => {
    const srv = await httpServer((_req, res) => setTimeout(() => res.end('x'), 20));
    const c = client(srv.port, { maxConnections: 2 });
    const rs = await Promise.all(Array.from({ length: 6 }, () => c.request('GET', '/', {}, null)));
    assert.equal(rs.length, 6);
    assert.ok(rs.every((r) => r.status === 200));
    assert.equal(srv.connections(), 2);
    await c.close();
  });

  it('refuses a header that would inject a line, sending nothing', async () => {
    const srv = await httpServer((_req, res) => res.end('x'));
    const c = client(srv.port);
    assert.equal(await code(c.request('GET', '/', { 'x-a': 'v\r\nx-evil: 1' }, null)), 'unsupported');
    assert.equal(await code(c.request('GET', '/', { 'bad name': 'v' }, null)), 'unsupported');
    assert.equal(await code(c.request('GET', '/a b', {}, null)), 'unsupported');
    assert.equal(srv.requests(), 0);
    await c.close();
  });

  it('times out an answer that does not come, and closes that connection', async () => {
    const srv = await httpServer(() => {});
    const c = client(srv.port, { responseTimeoutMs: 150 });
    const t0 = Date.now();
    assert.equal(await code(c.request('GET', '/', {}, null)), 'timeout');
    const took = Date.now() - t0;
    assert.ok(took >= 150 && took < 1000, `${took} ms`);
    await c.close();
  });

  it('an answer over the size cap is too_large (by its length, and as it arrives)', async () => {
    const big = await httpServer((_req, res) => res.end('x'.repeat(5000)));
    const c = client(big.port, { maxResponseBytes: 4096 });
    assert.equal(await code(c.request('GET', '/', {}, null)), 'too_large');
    await c.close();
    const chunked = await httpServer((_req, res) => {
      res.write('x'.repeat(3000));
      res.end('x'.repeat(3000));
    });
    const d = client(chunked.port, { maxResponseBytes: 4096 });
    assert.equal(await code(d.request('GET', '/', {}, null)), 'too_large');
    await d.close();
  });

  it('closes idle connections after idleMs', async () => {
    let closed = 0;
    const port = await rawServer((s) => {
      s.on('data', () => s.write('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nx'));
      s.on('close', () => closed++);
    });
    const c = client(port, { idleMs: 100 });
    await c.request('GET', '/', {}, null);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(closed, 1);
    await c.close();
  });
});

describe('lean HTTP client against raw answers', () => {
  const answering = (answer: string) =>
    rawServer((s) => {
      s.once('data', () => s.end(answer));
    });

  it('reads an answer framed by the end of the connection', async () => {
    const c = client(await answering('HTTP/1.1 200 OK\r\ncontent-type: text/plain\r\n\r\nuntil the end'));
    assert.equal((await c.request('GET', '/', {}, null)).body.toString(), 'until the end');
    await c.close();
  });

  it('a connection closed before a complete answer is unavailable', async () => {
    const c = client(await answering('HTTP/1.1 200 OK\r\ncontent-length: 10\r\n\r\nshort'));
    assert.equal(await code(c.request('GET', '/', {}, null)), 'unavailable');
    const d = client(await answering(''));
    assert.equal(await code(d.request('GET', '/', {}, null)), 'unavailable');
    await c.close();
    await d.close();
  });

  it('nothing listening is refused: no connection, nothing sent (not the unavailable of a dropped call)', async () => {
    const port = await rawServer(() => {});
    const s = servers.pop() as NetServer;
    await new Promise<void>((r) => s.close(() => r()));
    const c = client(port);
    assert.equal(await code(c.request('GET', '/', {}, null)), 'refused');
    await c.close();
  });
});

describe('AnswerParser', () => {
  const parse = (text: string, cuts: number[] = [], max = 1 << 20) => {
    const p = new AnswerParser(max);
    const bytes = Buffer.from(text, 'latin1');
    let at = 0;
    let out: ReturnType<AnswerParser['push']> = null;
    for (const cut of [...cuts, bytes.length]) {
      if (cut <= at) continue;
      out = p.push(bytes.subarray(at, cut));
      at = cut;
      if (out) break;
    }
    return out;
  };

  const answers = [
    'HTTP/1.1 200 OK\r\ncontent-length: 11\r\ncontent-type: application/json\r\n\r\n{"a":"bcd"}',
    'HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n4\r\n{"a"\r\n7;ext=1\r\n:"bcd"}\r\n0\r\nx-t: 1\r\n\r\n',
    'HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{"a":"bcd"}',
  ];

  it('reads the same answer however the bytes are split (random cuts)', () => {
    let seed = 7;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    for (const a of answers) {
      for (let k = 0; k < 200; k++) {
        const cuts = Array.from({ length: rnd(6) }, () => rnd(a.length)).sort((x, y) => x - y);
        const r = parse(a, cuts);
        assert.ok(r, `no answer for cuts ${cuts}`);
        assert.equal(r.status, 200);
        assert.equal(r.body.toString(), '{"a":"bcd"}', `cuts ${cuts}`);
        assert.equal(r.keepAlive, true);
      }
    }
  });

  it('knows when the connection may be reused', () => {
    assert.equal(
      parse('HTTP/1.1 200 OK\r\nConnection: close\r\ncontent-length: 0\r\n\r\n')?.keepAlive,
      false,
    );
    assert.equal(parse('HTTP/1.0 200 OK\r\ncontent-length: 0\r\n\r\n')?.keepAlive, false);
    assert.equal(
      parse('HTTP/1.0 200 OK\r\nconnection: keep-alive\r\ncontent-length: 0\r\n\r\n')?.keepAlive,
      true,
    );
    assert.equal(parse('HTTP/1.1 204 No Content\r\n\r\n')?.body.length, 0);
  });

  it('refuses malformed answers as bad_answer, oversized ones as too_large', () => {
    const bad = (text: string) =>
      assert.throws(
        () => parse(text),
        (e: LeanClientError) => e.code === 'bad_answer',
        text,
      );
    bad('HTTP/2 200 OK\r\n\r\n');
    bad('HTTP/1.1 20 OK\r\n\r\n');
    bad('HTTP/1.1 200 OK\r\ncontent-length: 1\r\ncontent-length: 2\r\n\r\nab');
    bad('HTTP/1.1 200 OK\r\ncontent-length: 2\r\ntransfer-encoding: chunked\r\n\r\n');
    bad('HTTP/1.1 200 OK\r\ntransfer-encoding: gzip\r\n\r\n');
    bad('HTTP/1.1 200 OK\r\ncontent-length: -1\r\n\r\n');
    bad('HTTP/1.1 200 OK\r\nbad header\r\n\r\n');
    bad('HTTP/1.1 200 OK\r\ncontent-length: 1\r\n\r\nab');
    bad('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\nzz\r\n');
    bad('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n2\r\nabXY');
    const large = (text: string) =>
      assert.throws(
        () => parse(text, [], 4),
        (e: LeanClientError) => e.code === 'too_large',
        text,
      );
    large('HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n');
    large('HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n3\r\nabc\r\n3\r\ndef\r\n0\r\n\r\n');
  });
});

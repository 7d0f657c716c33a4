import { connect, type Socket } from 'node:net';

/**
 * A lean keep-alive HTTP/1.1 client for one plain-HTTP origin: the upstream side of the gateway's
 * proxy hop (docs/performance.md item 35, ADR 0019). undici's `request` builds a readable stream,
 * an abort signal and their promises per call; on the production bench that costs ~3× what
 * nginx spends on a whole proxied call. This client writes each request as one string to a pooled
 * socket and reads the answer straight from it into one buffer.
 *
 * What it promises:
 * - One request at a time per connection (no pipelining), connections reused most-recent-first;
 *   at most `maxConnections` open, further calls wait in order. An idle connection is closed
 *   after `idleMs` (below the usual server keep-alive time-outs, so the server rarely closes one
 *   under us) or when the server closes it.
 * - Requests: `METHOD path HTTP/1.1`, `host`, the given headers, `content-length` for a body. A
 *   header name must be a token and a value visible ASCII, space or tab (no CR/LF can be
 *   injected): otherwise the call is refused before anything is sent (`unsupported`), and the
 *   caller may send it another way.
 * - Answers: HTTP/1.1 or 1.0, framed by `content-length`, `transfer-encoding: chunked` (trailers
 *   read and dropped) or the connection's end; 1xx interim answers are skipped; 204 and 304 have
 *   no body. A connection is reused only after a complete answer with no `connection: close`
 *   (HTTP/1.0: only with `connection: keep-alive`). Anything malformed — a bad status line, two
 *   differing lengths, a length with a transfer-encoding, an unknown coding, bytes after the
 *   answer — is `bad_answer`, and the connection is closed.
 * - Limits: the answer's head within 64 KiB and its body within `maxResponseBytes`
 *   (`too_large`); the connection within `connectTimeoutMs` (`connect_timeout`); the whole answer
 *   within `responseTimeoutMs` of the request (`timeout`): checked by one sweep every 50 ms per
 *   client, not a timer per call. A connection that fails a call is closed, never reused.
 * - Errors are LeanClientError with a `code`; `unavailable` when the connection fails or closes
 *   before the answer is complete. Nothing is retried here: the caller knows which calls may be.
 */
export type LeanClientOptions = {
  host: string;
  port: number;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  maxResponseBytes: number;
  /** Open connections at most (default 256). */
  maxConnections?: number;
  /** Idle connections are closed after this long (default 4 s). */
  idleMs?: number;
};

export type LeanResponse = { status: number; body: Buffer };

export type LeanErrorCode =
  | 'unsupported'
  /** No connection could be made (refused, unreachable): nothing was sent. */
  | 'refused'
  | 'connect_timeout'
  | 'timeout'
  | 'unavailable'
  | 'too_large'
  | 'bad_answer';

export class LeanClientError extends Error {
  readonly code: LeanErrorCode;
  constructor(code: LeanErrorCode, message: string) {
    super(message);
    this.code = code;
  }
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const VALUE = /^[\t\x20-\x7e]*$/;
const MAX_HEAD = 64 * 1024;
const SWEEP_MS = 50;

type Pending = {
  head: string;
  body: string | null;
  deadline: number;
  resolve(r: LeanResponse): void;
  reject(e: LeanClientError): void;
};

/** One pooled connection and the answer it is reading. */
class Conn {
  readonly socket: Socket;
  connected = false;
  idleSince = 0;
  /** Deadline of the connection attempt, then of the call in flight (0 when idle). */
  deadline: number;
  call: Pending | null = null;
  #parser: AnswerParser | null = null;

  readonly client: LeanHttpClient;

  constructor(client: LeanHttpClient, o: LeanClientOptions) {
    this.client = client;
    this.deadline = Date.now() + o.connectTimeoutMs;
    this.socket = connect({ host: o.host, port: o.port, noDelay: true });
    this.socket.on('connect', () => {
      this.connected = true;
      if (this.call) this.deadline = this.call.deadline;
      this.#write();
    });
    this.socket.on('data', (d: Buffer) => this.#data(d));
    this.socket.on('end', () => this.#end());
    this.socket.on('error', (err) =>
      this.fail(
        new LeanClientError(
          this.connected ? 'unavailable' : 'refused',
          `upstream connection failed: ${err.message}`,
        ),
      ),
    );
    this.socket.on('close', () => {
      this.fail(new LeanClientError('unavailable', 'the upstream closed the connection before answering'));
      client.forget(this);
    });
  }

  start(p: Pending): void {
    this.call = p;
    if (this.connected) this.deadline = p.deadline;
    this.#parser = new AnswerParser(this.client.maxResponseBytes);
    if (this.connected) this.#write();
  }

  #write(): void {
    const p = this.call;
    if (!p) return;
    this.socket.write(p.body === null ? p.head : p.head + p.body);
  }

  #data(d: Buffer): void {
    const parser = this.#parser;
    if (!parser || !this.call) {
      // Bytes nobody asked for: the connection cannot be trusted any more.
      this.socket.destroy();
      return;
    }
    let done: ReturnType<AnswerParser['push']>;
    try {
      done = parser.push(d);
    } catch (err) {
      this.fail(err as LeanClientError);
      return;
    }
    if (done) this.#finish(done.status, done.body, done.keepAlive);
  }

  #end(): void {
    const parser = this.#parser;
    if (parser && this.call) {
      const done = parser.end();
      if (done) {
        this.#finish(done.status, done.body, false);
        return;
      }
    }
    this.socket.destroy();
  }

  #finish(status: number, body: Buffer, keepAlive: boolean): void {
    const p = this.call;
    this.call = null;
    this.#parser = null;
    this.deadline = 0;
    if (!keepAlive) this.socket.destroy();
    p?.resolve({ status, body });
    if (keepAlive) this.client.release(this);
  }

  /** Fails the call in flight (if any) and closes the connection. */
  fail(err: LeanClientError): void {
    const p = this.call;
    this.call = null;
    this.#parser = null;
    this.socket.destroy();
    p?.reject(err);
  }
}

export class LeanHttpClient {
  readonly maxResponseBytes: number;
  readonly #o: LeanClientOptions;
  readonly #max: number;
  readonly #idleMs: number;
  readonly #hostHeader: string;
  #idle: Conn[] = [];
  readonly #all = new Set<Conn>();
  #waiting: Pending[] = [];
  #sweep: NodeJS.Timeout | null = null;
  #closed = false;

  constructor(o: LeanClientOptions) {
    this.#o = o;
    this.maxResponseBytes = o.maxResponseBytes;
    this.#max = o.maxConnections ?? 256;
    this.#idleMs = o.idleMs ?? 4000;
    this.#hostHeader = `host: ${o.host.includes(':') ? `[${o.host}]` : o.host}:${o.port}\r\n`;
  }

  /** Sends one request; resolves with the complete answer or rejects with a LeanClientError. */
  request(
    method: string,
    path: string,
    headers: Record<string, string>,
    body: string | null,
  ): Promise<LeanResponse> {
    if (this.#closed) return Promise.reject(new LeanClientError('unavailable', 'the client is closed'));
    if (!TOKEN.test(method) || !/^\/[\x21-\x7e]*$/.test(path)) {
      return Promise.reject(new LeanClientError('unsupported', 'method or path not sendable as is'));
    }
    let head = `${method} ${path} HTTP/1.1\r\n${this.#hostHeader}`;
    for (const name in headers) {
      const value = headers[name];
      if (!TOKEN.test(name) || !VALUE.test(value)) {
        return Promise.reject(
          new LeanClientError('unsupported', `header ${JSON.stringify(name)} not sendable as is`),
        );
      }
      const lower = name.toLowerCase();
      if (
        lower === 'host' ||
        lower === 'content-length' ||
        lower === 'transfer-encoding' ||
        lower === 'connection'
      )
        continue;
      head += `${name}: ${value}\r\n`;
    }
    if (body !== null) head += `content-length: ${Buffer.byteLength(body)}\r\n`;
    head += '\r\n';
    return new Promise<LeanResponse>((resolve, reject) => {
      const p: Pending = { head, body, deadline: Date.now() + this.#o.responseTimeoutMs, resolve, reject };
      this.#startSweep();
      const conn = this.#idle.pop();
      if (conn) conn.start(p);
      else if (this.#all.size < this.#max) this.#open().start(p);
      else this.#waiting.push(p);
    });
  }

  #open(): Conn {
    const c = new Conn(this, this.#o);
    this.#all.add(c);
    return c;
  }

  /** A connection finished its call and may be reused. */
  release(c: Conn): void {
    const next = this.#waiting.shift();
    if (next) {
      c.start(next);
      return;
    }
    c.idleSince = Date.now();
    this.#idle.push(c);
  }

  /** A connection closed: drop it, and open another for a waiting call. */
  forget(c: Conn): void {
    if (!this.#all.delete(c)) return;
    const i = this.#idle.indexOf(c);
    if (i >= 0) this.#idle.splice(i, 1);
    const next = this.#waiting.shift();
    if (next && !this.#closed) this.#open().start(next);
  }

  #startSweep(): void {
    if (this.#sweep) return;
    this.#sweep = setInterval(() => this.#check(), SWEEP_MS);
    this.#sweep.unref();
  }

  #check(): void {
    const now = Date.now();
    for (const c of this.#all) {
      if (c.call && c.deadline && now >= c.deadline) {
        c.fail(
          c.connected
            ? new LeanClientError('timeout', `no complete answer within ${this.#o.responseTimeoutMs} ms`)
            : new LeanClientError('connect_timeout', `no connection within ${this.#o.connectTimeoutMs} ms`),
        );
      } else if (!c.call && c.idleSince && now - c.idleSince >= this.#idleMs) {
        c.socket.destroy();
      }
    }
    this.#waiting = this.#waiting.filter((p) => {
      if (now < p.deadline) return true;
      p.reject(new LeanClientError('timeout', `no connection free within ${this.#o.responseTimeoutMs} ms`));
      return false;
    });
    if (this.#all.size === 0 && this.#waiting.length === 0 && this.#sweep) {
      clearInterval(this.#sweep);
      this.#sweep = null;
    }
  }

  /** Fails what waits, closes every connection (calls in flight fail as `unavailable`). */
  async close(): Promise<void> {
    this.#closed = true;
    for (const p of this.#waiting) p.reject(new LeanClientError('unavailable', 'the client is closed'));
    this.#waiting = [];
    const closing = [...this.#all].map(
      (c) => new Promise<void>((r) => (c.socket.destroyed ? r() : c.socket.once('close', () => r()))),
    );
    for (const c of this.#all) c.fail(new LeanClientError('unavailable', 'the client is closed'));
    await Promise.all(closing);
    if (this.#sweep) clearInterval(this.#sweep);
    this.#sweep = null;
  }
}

type Framing = { kind: 'length'; left: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' };

/**
 * Reads one answer from the bytes of a connection: `push` returns it once complete, `end` when
 * the connection's end completes it (read-until-close framing). Throws LeanClientError.
 */
export class AnswerParser {
  #buf: Buffer | null = null;
  #status = 0;
  #keepAlive = true;
  #framing: Framing | null = null;
  #parts: Buffer[] = [];
  #size = 0;
  /** Chunked: bytes left in the current chunk (-1: reading a size line; -2: reading trailers). */
  #chunkLeft = -1;

  readonly maxBytes: number;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  push(d: Buffer): { status: number; body: Buffer; keepAlive: boolean } | null {
    this.#buf = this.#buf ? Buffer.concat([this.#buf, d]) : d;
    while (this.#framing === null) {
      const end = this.#buf.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.#buf.length > MAX_HEAD)
          throw new LeanClientError('too_large', 'the answer head exceeds 64 KiB');
        return null;
      }
      const head = this.#buf.toString('latin1', 0, end);
      this.#buf = this.#buf.subarray(end + 4);
      this.#head(head);
    }
    return this.#body();
  }

  end(): { status: number; body: Buffer; keepAlive: boolean } | null {
    if (this.#framing?.kind !== 'close') return null;
    if (this.#buf?.length) this.#take(this.#buf);
    this.#buf = null;
    return { status: this.#status, body: Buffer.concat(this.#parts), keepAlive: false };
  }

  #head(head: string): void {
    const lines = head.split('\r\n');
    const m = /^HTTP\/1\.([01]) ([1-5]\d\d)(?: [\t\x20-\x7e\x80-\xff]*)?$/.exec(lines[0]);
    if (!m) throw new LeanClientError('bad_answer', 'the answer has no valid status line');
    const status = Number(m[2]);
    let length: number | null = null;
    let chunked = false;
    let connection = '';
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i];
      const colon = line.indexOf(':');
      if (colon <= 0 || !TOKEN.test(line.slice(0, colon)))
        throw new LeanClientError('bad_answer', 'a header line is malformed');
      const name = line.slice(0, colon).toLowerCase();
      const value = line.slice(colon + 1).trim();
      if (name === 'content-length') {
        if (!/^\d{1,15}$/.test(value))
          throw new LeanClientError('bad_answer', 'content-length is not a number');
        if (length !== null && length !== Number(value))
          throw new LeanClientError('bad_answer', 'two different content-lengths');
        length = Number(value);
      } else if (name === 'transfer-encoding') {
        if (value.toLowerCase() !== 'chunked' || chunked)
          throw new LeanClientError('bad_answer', `transfer-encoding ${value} not read`);
        chunked = true;
      } else if (name === 'connection') {
        connection = value.toLowerCase();
      }
    }
    if (status < 200) return; // an interim answer: the real one follows
    if (chunked && length !== null)
      throw new LeanClientError('bad_answer', 'both content-length and chunked');
    this.#status = status;
    const http10 = m[1] === '0';
    this.#keepAlive = http10
      ? /(^|,)\s*keep-alive\s*(,|$)/.test(connection)
      : !/(^|,)\s*close\s*(,|$)/.test(connection);
    if (status === 204 || status === 304) this.#framing = { kind: 'none' };
    else if (chunked) this.#framing = { kind: 'chunked' };
    else if (length !== null) {
      if (length > this.maxBytes)
        throw new LeanClientError('too_large', `the answer exceeds ${this.maxBytes} bytes`);
      this.#framing = { kind: 'length', left: length };
    } else {
      this.#framing = { kind: 'close' };
      this.#keepAlive = false;
    }
  }

  #take(b: Buffer): void {
    this.#size += b.length;
    if (this.#size > this.maxBytes)
      throw new LeanClientError('too_large', `the answer exceeds ${this.maxBytes} bytes`);
    this.#parts.push(b);
  }

  #done(): { status: number; body: Buffer; keepAlive: boolean } {
    if (this.#buf?.length) throw new LeanClientError('bad_answer', 'bytes after the answer');
    const body = this.#parts.length === 1 ? this.#parts[0] : Buffer.concat(this.#parts);
    return { status: this.#status, body, keepAlive: this.#keepAlive };
  }

  #body(): { status: number; body: Buffer; keepAlive: boolean } | null {
    const f = this.#framing as Framing;
    const buf = this.#buf as Buffer;
    if (f.kind === 'none') return this.#done();
    if (f.kind === 'close') {
      if (buf.length) this.#take(buf);
      this.#buf = null;
      return null;
    }
    if (f.kind === 'length') {
      const n = Math.min(f.left, buf.length);
      if (n > 0) this.#take(buf.subarray(0, n));
      f.left -= n;
      this.#buf = buf.subarray(n);
      return f.left === 0 ? this.#done() : null;
    }
    return this.#chunks();
  }

  #chunks(): { status: number; body: Buffer; keepAlive: boolean } | null {
    let buf = this.#buf as Buffer;
    for (;;) {
      if (this.#chunkLeft === -1) {
        const eol = buf.indexOf('\r\n');
        if (eol < 0) {
          if (buf.length > 1024) throw new LeanClientError('bad_answer', 'a chunk size line is too long');
          break;
        }
        const sizeText = buf.toString('latin1', 0, eol).split(';')[0].trim();
        if (!/^[0-9a-fA-F]{1,12}$/.test(sizeText))
          throw new LeanClientError('bad_answer', 'a chunk size is malformed');
        const size = Number.parseInt(sizeText, 16);
        buf = buf.subarray(eol + 2);
        this.#chunkLeft = size === 0 ? -2 : size;
        continue;
      }
      if (this.#chunkLeft === -2) {
        // Trailers: lines up to an empty one.
        const eol = buf.indexOf('\r\n');
        if (eol < 0) {
          if (buf.length > MAX_HEAD) throw new LeanClientError('too_large', 'the trailers exceed 64 KiB');
          break;
        }
        buf = buf.subarray(eol + 2);
        if (eol === 0) {
          this.#buf = buf;
          return this.#done();
        }
        continue;
      }
      // Chunk data, then its CRLF.
      if (buf.length < this.#chunkLeft + 2) {
        const n = Math.min(this.#chunkLeft, buf.length);
        if (n > 0) {
          this.#take(buf.subarray(0, n));
          this.#chunkLeft -= n;
          buf = buf.subarray(n);
        }
        if (this.#chunkLeft > 0 || buf.length < 2) break;
      }
      const n = this.#chunkLeft;
      if (n > 0) this.#take(buf.subarray(0, n));
      if (buf[n] !== 13 || buf[n + 1] !== 10)
        throw new LeanClientError('bad_answer', 'a chunk does not end with CRLF');
      buf = buf.subarray(n + 2);
      this.#chunkLeft = -1;
    }
    this.#buf = buf;
    return null;
  }
}

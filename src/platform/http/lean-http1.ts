import { maxHeaderSize as nodeMaxHeaderSize, type Server, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { type Clock, systemClock } from '../clock.ts';

/**
 * A lean HTTP/1.1 server for one narrow kind of request, in front of Node's own HTTP server on the
 * same listening socket (ADR 0005).
 *
 * Node's `http` builds a request stream, a response stream and their state machines for every
 * request, which costs more than the whole gateway pipeline (docs/performance.md item 28). This layer reads
 * keep-alive HTTP/1.1 requests straight from the socket and answers them with one string write.
 *
 * What it promises:
 * - It serves only requests that are plain, unambiguous and claimed by `claims`: a request line
 *   `METHOD /target HTTP/1.1`, header lines `token: visible-ASCII`, each name at most once, a
 *   `host`, no `transfer-encoding`, `expect`, `upgrade` or `connection` other than `keep-alive`, a
 *   digits-only `content-length` (required when there is a body) of at most `maxBodyBytes`, and a
 *   head within Node's `maxHeaderSize`.
 * - Anything else — a request it does not claim, a byte it does not accept, a larger body or head —
 *   and everything after it on that connection goes to Node's HTTP server, byte for byte: the
 *   connection is handed over at the first byte of that request, after every response before it
 *   has been written. Node (llhttp, strict mode) then parses, answers or refuses it as it would
 *   have without this layer. Since this layer accepts a subset of what llhttp accepts, both always
 *   agree on where a request ends (no request smuggling between them); the property test in
 *   `lean-http1.test.ts` checks that any byte stream either yields exactly the requests Node would
 *   see or is handed over intact.
 * - Responses go out in request order (pipelined requests included); the responses completed in
 *   one event-loop turn are written together when the turn's I/O is done (one wake-up of the
 *   client per batch, see docs/performance.md item 1).
 * - Timeouts as Node's: a request whose head or body has not arrived within `headersTimeout` gets a
 *   408 and the connection is closed; an idle connection is closed after `keepAliveTimeout`.
 * - `server.close()` closes idle connections at once and every other one after its last response
 *   (sent with `connection: close`), as Node does for its own; `closeAllConnections()` destroys them.
 * - Backpressure: when the client stops reading (the socket's buffer is full), reading stops too.
 */

type LeanRequest = {
  method: string;
  /** The request target as sent (path and query). */
  url: string;
  /** The target without its query. */
  path: string;
  /** Lower-case names; each name appears once (duplicates are Node's). */
  headers: Record<string, string>;
  body: Buffer;
  remoteAddress: string;
};

type LeanResponse = {
  status: number;
  /** Header lines, each `name: value\r\n`, already validated; without Date and Connection. */
  head: string;
  payload: string;
  /** true when the payload is all ASCII (its byte length is its length). */
  ascii: boolean;
};

export type LeanOptions<T> = {
  /**
   * What this layer serves: for a request (method, path without query, headers) it returns a
   * value handed on to `handle` (a route, say), or undefined for Node's server to answer it.
   */
  claims(method: string, path: string, headers: Record<string, string>): T | undefined;
  /** Answers a claimed request; `reply` must be called exactly once. */
  handle(req: LeanRequest, claim: T, reply: (res: LeanResponse) => void): void;
  maxBodyBytes: number;
  /** Told of each request answered 408 because its head or body was too slow (the edge's counters). */
  timedOut?: (remoteAddress: string) => void;
  /**
   * The wall clock of the Date header and the time-outs (default the system clock). The
   * transport's, not a gateway's business clock: a test's FakeClock must not time out sockets.
   */
  clock?: Clock;
};

export type LeanHttp = {
  /** Connections currently served by this layer (for tests and metrics). */
  connections(): number;
};

/** Header names (tokens), joined by commas (not a token character): one test for all of them. */
const NAMES = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+(?:,[!#$%&'*+.^_`|~0-9A-Za-z-]+)*$/;
/** Header values: visible ASCII, spaces and tabs (no CR, LF or other control characters). */
const VALUES = /^[\t\x20-\x7e]*$/;
/**
 * The header lines of a request head (after the request line, without the final CRLF): each one
 * `token:value` as above. One test for the whole block; each line can match in one way only (the
 * name ends at the first colon, the value at the CR), so a failing test costs linear time.
 */
const HEADER_BLOCK =
  /^[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e]*(?:\r\n[!#$%&'*+.^_`|~0-9A-Za-z-]+:[\t\x20-\x7e]*)*$/;
const REQUEST_LINE = /^(GET|POST|PUT|PATCH|DELETE) (\/[\x21-\x7e]*) HTTP\/1\.1$/;
const DIGITS = /^\d{1,15}$/;
const MAX_HEADERS = 100;
/** Pipelined requests one connection may have in flight before reading from it pauses. */
const MAX_IN_FLIGHT = 64;
/** Unparsed bytes a connection may buffer while it waits to be handed over. */
const MAX_WAITING_BYTES = 1 << 20;

type Slot = { out: string | null; close: boolean };

type Conn = {
  socket: Socket;
  buf: Buffer | null;
  slots: Slot[];
  /** When the first byte of a request not yet complete arrived (0: none pending). */
  partialSince: number;
  /** When the connection last had nothing to do (0: busy). */
  idleSince: number;
  /** The next request is Node's: hand over once every response before it is written. */
  handOver: boolean;
  /** The client half-closed: end after the last response (as when the server is closing). */
  clientEnded: boolean;
  paused: boolean;
  /** Waiting in `ready` for the turn's write. */
  queued: boolean;
  remoteAddress: string;
  onData: (d: Buffer) => void;
  onEnd: () => void;
  onClose: () => void;
  onDrain: () => void;
  onError: () => void;
};

/** One IMF-fixdate per second, as Node's `Date` header. */
let dateSecond = -1;
let dateLine = '';
function dateHeader(now: number): string {
  const s = Math.floor(now / 1000);
  if (s !== dateSecond) {
    dateSecond = s;
    dateLine = `date: ${new Date(s * 1000).toUTCString()}\r\n`;
  }
  return dateLine;
}

/**
 * Header lines for a flat [name, value, …] list, or null when a name or value could not be sent as
 * is (Node would refuse it too). All names are checked in one regex test and all values in another:
 * ~14 headers cost two tests instead of 28.
 */
export function headerLines(flat: readonly string[]): string | null {
  let head = '';
  let names = '';
  let values = '';
  for (let i = 0; i < flat.length; i += 2) {
    const k = flat[i];
    const v = flat[i + 1];
    head += `${k}: ${v}\r\n`;
    names = i === 0 ? k : `${names},${k}`;
    values += v;
  }
  if (flat.length > 0 && !NAMES.test(names)) return null;
  return VALUES.test(values) ? head : null;
}

/**
 * Header names that gateway calls carry, lower-case, by length. A request's name is matched against
 * them in place (case-insensitively), so the usual headers cost no new string, no lower-casing and
 * no lookup in V8's string table when they become the headers object's keys.
 */
const KNOWN_NAMES: string[][] = [];
for (const n of [
  'host',
  'accept',
  'user-agent',
  'connection',
  'content-type',
  'content-length',
  'authorization',
  'x-request-id',
  'x-ibm-client-id',
  'x-client-id',
  'x-ibm-client-secret',
  'x-client-secret',
  'x-end-user-id',
  'idempotency-key',
  'accept-encoding',
]) {
  const sameLength = KNOWN_NAMES[n.length] ?? [];
  sameLength.push(n);
  KNOWN_NAMES[n.length] = sameLength;
}

/**
 * The known name that `head[from, to)` spells in any case, or undefined. The name was checked to be
 * token characters; for those, `c | 0x20` equals a lower-case letter, digit or '-' only when `c` is
 * that character in either case.
 */
function knownName(head: string, from: number, to: number): string | undefined {
  const candidates = KNOWN_NAMES[to - from];
  if (candidates === undefined) return undefined;
  next: for (const name of candidates) {
    for (let i = 0; i < name.length; i++) {
      if ((head.charCodeAt(from + i) | 0x20) !== name.charCodeAt(i)) continue next;
    }
    return name;
  }
  return undefined;
}

/**
 * Takes over `server`'s incoming connections. Node's own connection handling is kept and used for
 * every connection (or the rest of a connection) this layer does not serve.
 */
export function installLeanHttp1<T>(server: Server, o: LeanOptions<T>): LeanHttp {
  const clock = o.clock ?? systemClock;
  // A TLS server's connections carry TLS records, not HTTP: leave them to Node.
  if (server instanceof TlsServer) return { connections: () => 0 };
  const nodeListeners = server.listeners('connection') as Array<(s: Socket) => void>;
  const conns = new Set<Conn>();
  let closing = false;
  const keepAliveLine = () => {
    const t = Math.floor(server.keepAliveTimeout / 1000);
    return t > 0 ? `connection: keep-alive\r\nkeep-alive: timeout=${t}\r\n` : 'connection: keep-alive\r\n';
  };
  let keepAlive = keepAliveLine();
  const maxHead = (server as { maxHeaderSize?: number }).maxHeaderSize || nodeMaxHeaderSize;

  const toNode = (socket: Socket, rest: Buffer | null) => {
    for (const l of nodeListeners) l.call(server, socket);
    if (rest && rest.length > 0) socket.emit('data', rest);
  };

  const detach = (c: Conn) => {
    conns.delete(c);
    c.socket.removeListener('data', c.onData);
    c.socket.removeListener('end', c.onEnd);
    c.socket.removeListener('close', c.onClose);
    c.socket.removeListener('drain', c.onDrain);
    c.socket.removeListener('error', c.onError);
  };

  const handOver = (c: Conn) => {
    detach(c);
    const rest = c.buf;
    c.buf = null;
    toNode(c.socket, rest);
    if (c.paused) c.socket.resume();
    // Node missed the client's half-close while this layer had the socket: tell it now.
    if (c.clientEnded) c.socket.emit('end');
  };

  /**
   * Reads from the socket unless the client is not reading its answers (the socket's buffer is
   * full), MAX_IN_FLIGHT of its requests are being answered, or bytes pile up before a hand-over.
   */
  const setReading = (c: Conn) => {
    const stop =
      c.socket.writableNeedDrain ||
      c.slots.length >= MAX_IN_FLIGHT ||
      (c.handOver && c.buf !== null && c.buf.length > MAX_WAITING_BYTES);
    if (stop && !c.paused) {
      c.paused = true;
      c.socket.pause();
    } else if (!stop && c.paused) {
      c.paused = false;
      c.socket.resume();
    }
  };

  // Completed responses are written when the event-loop turn's I/O callbacks are done.
  let ready: Conn[] = [];
  const flush = () => {
    const batch = ready;
    ready = [];
    for (const c of batch) {
      c.queued = false;
      write(c);
    }
  };
  const schedule = (c: Conn) => {
    if (c.queued) return;
    if (ready.length === 0) setImmediate(flush);
    c.queued = true;
    ready.push(c);
  };

  const write = (c: Conn) => {
    if (c.socket.destroyed) return;
    let out = '';
    let n = 0;
    let close = false;
    while (n < c.slots.length && c.slots[n].out !== null) {
      out += c.slots[n].out;
      close ||= c.slots[n].close;
      n++;
    }
    if (n === 0) return;
    c.slots.splice(0, n);
    c.socket.write(out, 'latin1');
    if (close) {
      c.socket.end();
      detach(c);
      return;
    }
    if (c.slots.length === 0) {
      if (c.handOver) {
        handOver(c);
        return;
      }
      if (closing || c.clientEnded) {
        c.socket.end();
        detach(c);
        return;
      }
      if (!c.buf) c.idleSince = clock.nowMs();
    }
    setReading(c);
    // Requests that waited for the in-flight ones (MAX_IN_FLIGHT) can go on now.
    if (c.buf && !c.paused) parse(c);
  };

  const respond = (c: Conn, slot: Slot, r: LeanResponse) => {
    if (slot.out !== null) return; // replied twice: the first answer stands
    // The last response of a closing connection says so; earlier pipelined ones keep it open.
    const close = (closing || c.clientEnded) && c.slots[c.slots.length - 1] === slot && !c.buf;
    const reason = STATUS_CODES[r.status] ?? 'Unknown';
    const head = `HTTP/1.1 ${r.status} ${reason}\r\n${r.head}${dateHeader(clock.nowMs())}${close ? 'connection: close\r\n' : keepAlive}\r\n`;
    // All-ASCII payloads go out as latin1 (the same bytes); others as their UTF-8 bytes, which
    // latin1 of a binary string reproduces.
    slot.out = r.ascii ? head + r.payload : head + Buffer.from(r.payload, 'utf8').toString('latin1');
    slot.close = close;
    schedule(c);
  };

  /** Serves every complete request in `c.buf`; stops at the first one that is Node's. */
  const parse = (c: Conn) => {
    while (c.buf && !c.handOver) {
      if (c.slots.length >= MAX_IN_FLIGHT) {
        setReading(c);
        return;
      }
      const buf = c.buf;
      const he = buf.indexOf('\r\n\r\n');
      if (he < 0) {
        if (buf.length > maxHead) return markHandOver(c);
        if (!c.partialSince) c.partialSince = clock.nowMs();
        return;
      }
      if (he + 4 > maxHead) return markHandOver(c);
      const head = buf.toString('latin1', 0, he);
      const eol = head.indexOf('\r\n');
      const line = REQUEST_LINE.exec(eol < 0 ? head : head.slice(0, eol));
      if (!line) return markHandOver(c);
      if (eol < 0 || !HEADER_BLOCK.test(head.slice(eol + 2))) {
        return markHandOver(c);
      }
      const headers: Record<string, string> = Object.create(null);
      let count = 0;
      let pos = eol + 2;
      while (pos < head.length) {
        let end = head.indexOf('\r\n', pos);
        if (end < 0) end = head.length;
        const colon = head.indexOf(':', pos);
        if (++count > MAX_HEADERS) return markHandOver(c);
        const key = knownName(head, pos, colon) ?? head.slice(pos, colon).toLowerCase();
        if (key in headers) return markHandOver(c);
        // Optional whitespace around the value (only spaces and tabs can be there) is skipped.
        let from = colon + 1;
        let to = end;
        while (from < to && (head.charCodeAt(from) === 32 || head.charCodeAt(from) === 9)) from++;
        while (to > from && (head.charCodeAt(to - 1) === 32 || head.charCodeAt(to - 1) === 9)) to--;
        headers[key] = head.slice(from, to);
        pos = end + 2;
      }
      if (
        headers.host === undefined ||
        headers['transfer-encoding'] !== undefined ||
        headers.expect !== undefined ||
        headers.upgrade !== undefined ||
        (headers.connection !== undefined && headers.connection.toLowerCase() !== 'keep-alive')
      ) {
        return markHandOver(c);
      }
      const cl = headers['content-length'];
      let len = 0;
      if (cl !== undefined) {
        if (!DIGITS.test(cl)) return markHandOver(c);
        len = Number(cl);
        if (len > o.maxBodyBytes) return markHandOver(c);
      }
      const method = line[1];
      const url = line[2];
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const claim = o.claims(method, path, headers);
      if (claim === undefined) return markHandOver(c);
      const total = he + 4 + len;
      if (buf.length < total) {
        if (!c.partialSince) c.partialSince = clock.nowMs();
        return;
      }
      const body = buf.subarray(he + 4, total);
      c.buf = total === buf.length ? null : buf.subarray(total);
      c.partialSince = c.buf ? clock.nowMs() : 0;
      c.idleSince = 0;
      const slot: Slot = { out: null, close: false };
      c.slots.push(slot);
      try {
        o.handle({ method, url, path, headers, body, remoteAddress: c.remoteAddress }, claim, (r) =>
          respond(c, slot, r),
        );
      } catch {
        respond(c, slot, {
          status: 500,
          head: 'content-length: 0\r\n',
          payload: '',
          ascii: true,
        });
      }
    }
  };

  const markHandOver = (c: Conn) => {
    c.handOver = true;
    c.partialSince = 0;
    if (c.slots.length === 0) handOver(c);
  };

  const onConnection = (socket: Socket) => {
    if (closing) {
      toNode(socket, null);
      return;
    }
    const c: Conn = {
      socket,
      buf: null,
      slots: [],
      partialSince: 0,
      idleSince: clock.nowMs(),
      handOver: false,
      clientEnded: false,
      paused: false,
      queued: false,
      remoteAddress: socket.remoteAddress ?? '',
      onData: (d: Buffer) => {
        c.buf = c.buf ? Buffer.concat([c.buf, d]) : d;
        if (c.handOver) {
          // Waiting for earlier responses before Node takes over: keep the bytes, within reason.
          setReading(c);
          return;
        }
        parse(c);
      },
      onEnd: () => {
        c.clientEnded = true;
        if (c.slots.length === 0 && !c.handOver) {
          socket.end();
          detach(c);
        }
      },
      onClose: () => detach(c),
      onDrain: () => {
        if (c.handOver) return;
        setReading(c);
        if (c.buf && !c.paused) parse(c);
      },
      onError: () => {
        detach(c);
        socket.destroy();
      },
    };
    conns.add(c);
    socket.on('data', c.onData);
    socket.on('end', c.onEnd);
    socket.on('close', c.onClose);
    socket.on('drain', c.onDrain);
    socket.on('error', c.onError);
  };

  server.removeAllListeners('connection');
  server.on('connection', onConnection);

  // Node's timeouts, checked once a second for every connection of this layer.
  const timer = setInterval(() => {
    const now = clock.nowMs();
    keepAlive = keepAliveLine();
    const headersTimeout = server.headersTimeout || 60_000;
    const idleTimeout = server.keepAliveTimeout || 5_000;
    for (const c of conns) {
      if (c.partialSince && now - c.partialSince > headersTimeout) {
        detach(c);
        c.socket.end('HTTP/1.1 408 Request Timeout\r\nconnection: close\r\ncontent-length: 0\r\n\r\n');
        c.socket.destroySoon();
        o.timedOut?.(c.remoteAddress);
      } else if (c.idleSince && !c.buf && c.slots.length === 0 && now - c.idleSince > idleTimeout) {
        detach(c);
        c.socket.destroy();
      }
    }
  }, 1000);
  timer.unref();

  // Closing: idle connections now, busy ones after their last response; all of them on request.
  const closeIdle = server.closeIdleConnections.bind(server);
  const closeAll = server.closeAllConnections.bind(server);
  server.closeIdleConnections = () => {
    closing = true;
    for (const c of conns) {
      if (c.slots.length === 0 && !c.handOver && !c.buf) {
        detach(c);
        c.socket.destroy();
      }
    }
    closeIdle();
  };
  server.closeAllConnections = () => {
    closing = true;
    for (const c of conns) {
      detach(c);
      c.socket.destroy();
    }
    closeAll();
  };
  server.once('close', () => clearInterval(timer));

  return { connections: () => conns.size };
}

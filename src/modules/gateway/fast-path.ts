import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { type ErrorCode, errorBody } from '../../platform/errors.ts';
import { headerLines, installLeanHttp1 } from '../../platform/http/lean-http1.ts';
import { newId } from '../../platform/ids.ts';
import type { HttpSeries, Metrics } from '../../platform/metrics.ts';
import type { NetworkOperation } from './ports.ts';

/**
 * The gateway's fast path for real sockets. Fastify's generic per-request work (hooks for cookies,
 * security headers, portal rate limiting and metrics, schema plumbing) costs more than the whole
 * gateway pipeline, so requests whose method and path name a gateway operation are taken off the
 * HTTP server before Fastify sees them and run through the very same `call` pipeline. Everything
 * else — and every `app.inject()` in tests — goes through Fastify as before. The security headers
 * the app sets (helmet) are copied once at start-up, so both paths answer with the same headers.
 */
export type CallInput = {
  method: string;
  url: string;
  /** The path without the query, when the caller has it already (the fast path: its route's). */
  path?: string;
  headers: Record<string, string | string[] | undefined>;
  /** The body, already parsed (callers without HTTP: benchmarks, tests); ignored when `bodyText` is given. */
  body: unknown;
  /**
   * The body as received (UTF-8 text; null when none was sent): the pipeline parses it after
   * authentication (request-body.ts), so a body it refuses is still a call of a known app.
   */
  bodyText?: string | null;
  query: Record<string, string>;
  ip: string;
  requestId: string;
  bytesIn: number;
};

export type CallOutput = {
  status: number;
  headers: Record<string, string>;
  contentType: string;
  payload: string;
  /** Byte length of the payload when the pipeline already measured it (else measured here). */
  bytes?: number;
};

type Route = { op: NetworkOperation; catalog: 'sandbox' | 'production'; template: string };
/** Writes one call's answer: `t0` is when it arrived (performance.now()), for the latency metric. */
type Send = (route: Route, t0: number, requestId: string, out: CallOutput) => void;
type Queued = {
  res: ServerResponse;
  status: number;
  headers: string[];
  payload: string;
  ascii: boolean;
  route: Route;
  t0: number;
  requestId: string;
};

/**
 * Of the base headers, the ones that mean something on a JSON API response (the CSP, referrer and
 * opener policies guard HTML documents; a smaller header block is also a cheaper write). The
 * gateway adds `cache-control: no-store` to them: its answers carry account titles and other
 * personal data that no cache may keep.
 */
const API_HEADERS = new Set([
  'cache-control',
  'strict-transport-security',
  'x-content-type-options',
  'x-frame-options',
  'cross-origin-resource-policy',
]);

const REQUEST_ID = /^[A-Za-z0-9_.:-]{8,64}$/;
const SKIP = new Set([
  'date',
  'connection',
  'keep-alive',
  'content-length',
  'content-type',
  'x-request-id',
  'ratelimit',
  'ratelimit-policy',
  'access-control-allow-origin',
  'transfer-encoding',
]);

/** The headers the app adds to every response (helmet's set), read once from a health check. */
export async function securityHeaders(app: FastifyInstance): Promise<Record<string, string>> {
  const res = await app.inject({ method: 'GET', url: '/healthz' });
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (!SKIP.has(k) && typeof v === 'string') out[k] = v;
  }
  return out;
}

function isJson(ct: string | undefined): boolean {
  if (ct === 'application/json') return true; // what nearly every client sends
  if (!ct) return false;
  const semi = ct.indexOf(';');
  const base = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  return base === 'application/json' || (base.startsWith('application/') && base.endsWith('+json'));
}

function parseQuery(url: string): Record<string, string> {
  const i = url.indexOf('?');
  if (i < 0) return {};
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(url.slice(i + 1))) if (!(k in out)) out[k] = v;
  return out;
}

const INTERNAL_ERROR = 'Something went wrong on our side; the request id identifies it.';
const JSON_TYPE = 'application/json; charset=utf-8';
const TOO_LARGE = 'The request body is larger than this endpoint accepts.';

/** An error answer of the fast path, in the house error shape. */
function refusal(
  status: number,
  code: ErrorCode,
  message: string,
  requestId: string,
  publicUrl: string,
): CallOutput {
  return {
    status,
    headers: {},
    contentType: JSON_TYPE,
    payload: JSON.stringify(errorBody(code, message, requestId, publicUrl)),
  };
}

export function installFastPath(
  app: FastifyInstance,
  deps: {
    byPath: Map<string, Route>;
    call: (op: NetworkOperation, catalog: Route['catalog'], input: CallInput) => Promise<CallOutput>;
    bodyLimit: number;
    baseHeaders: Record<string, string>;
    publicUrl: string;
    /** Request counts and latency by route template, like Fastify's routes report them. */
    metrics?: Metrics;
    /** false: every connection through Node's HTTP server (the lean layer off). */
    lean?: boolean;
  },
): void {
  const server = app.server;
  const listeners = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (listeners.length !== 1) return; // an unexpected server shape: leave everything to Fastify
  const fastify = listeners[0];
  const base = Object.entries(deps.baseHeaders).filter(([k]) => API_HEADERS.has(k));

  // Request counts and latency per (route, status): the series is looked up once per route and
  // status and kept (no label strings built per call). Latency runs until the response is written.
  const series = new Map<Route, Map<number, HttpSeries>>();
  const observe = (route: Route, status: number, t0: number) => {
    const m = deps.metrics;
    if (!m) return;
    let byStatus = series.get(route);
    if (!byStatus) {
      byStatus = new Map();
      series.set(route, byStatus);
    }
    let s = byStatus.get(status);
    if (!s) {
      s = m.http.series(route.op.method, route.template, String(status));
      byStatus.set(status, s);
    }
    s.observe((performance.now() - t0) / 1000);
  };

  // One writeHead with a flat [name, value, …] list: the header block is built in one go.
  const baseFlat: string[] = base.flat();
  /** Answers one call: `t0` is when it arrived (performance.now()), for the latency metric. */
  const write = (res: ServerResponse, route: Route, t0: number, requestId: string, out: CallOutput) => {
    const h = baseFlat.slice();
    for (const k in out.headers) h.push(k, out.headers[k]);
    const bytes = out.bytes ?? Buffer.byteLength(out.payload);
    h.push('x-request-id', requestId, 'content-type', out.contentType, 'content-length', String(bytes));
    queued.push({
      res,
      status: out.status,
      headers: h,
      payload: out.payload,
      ascii: bytes === out.payload.length,
      route,
      t0,
      requestId,
    });
    if (queued.length === 1) setImmediate(flushQueued);
  };
  // Responses finished during one event-loop turn are written together when the turn's I/O
  // callbacks are done (setImmediate). Written one by one, each response's send woke the client's
  // process on its own (a cross-CPU wake-up, costly in a VM); written back to back, one wake-up
  // serves the lot. Measured with `darwaza bench`: ~100 → ~65 µs CPU per call (kernel 26 → 12 µs),
  // ~10 700 → ~17 000 calls/s. A response waits at most for the rest of the turn (the calls read in
  // the same turn); nothing is held across turns.
  let queued: Queued[] = [];
  const flushQueued = () => {
    const batch = queued;
    queued = [];
    for (const q of batch) {
      try {
        q.res.writeHead(q.status, q.headers);
        // All-ASCII payloads (byte length = length) go out as latin1: the same bytes, without
        // UTF-8 measuring and transcoding of header + body (Node writes its header as latin1 too).
        q.res.end(q.payload, q.ascii ? 'latin1' : 'utf8');
      } catch {
        // A header Node refuses must not take the other responses (or the process) down with it.
        if (!q.res.headersSent) {
          const out = refusal(500, 'internal_error', INTERNAL_ERROR, q.requestId, deps.publicUrl);
          q.res.writeHead(500, { 'content-type': out.contentType, 'x-request-id': q.requestId });
          q.res.end(out.payload);
        } else q.res.destroy();
        q.status = 500;
      }
      observe(q.route, q.status, q.t0);
    }
  };
  /**
   * Runs one call whose body has been read (`text`: its UTF-8 text, `size` its byte length) and
   * hands the answer to `send`; shared by Node's request path and the lean HTTP/1.1 layer. Only a
   * body over the limit is refused here (it was not read); the text is parsed by the pipeline,
   * after authentication.
   */
  const serve = (
    route: Route,
    method: string,
    url: string,
    headers: CallInput['headers'],
    text: string | null,
    size: number,
    ip: string,
    send: Send,
  ) => {
    const given = headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    const t0 = deps.metrics ? performance.now() : 0;
    if (size > deps.bodyLimit) {
      send(route, t0, requestId, refusal(413, 'payload_too_large', TOO_LARGE, requestId, deps.publicUrl));
      return;
    }
    const q = url.indexOf('?');
    deps
      .call(route.op, route.catalog, {
        method,
        url,
        path: q < 0 ? route.template : undefined,
        headers,
        body: undefined,
        bodyText: size > 0 ? text : null,
        query: parseQuery(url),
        ip,
        requestId,
        bytesIn: size,
      })
      .then(
        (out) => send(route, t0, requestId, out),
        () =>
          send(
            route,
            t0,
            requestId,
            refusal(500, 'internal_error', INTERNAL_ERROR, requestId, deps.publicUrl),
          ),
      );
  };

  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const route = deps.byPath.get(`${req.method} ${q < 0 ? url : url.slice(0, q)}`);
    // Anything unusual (not an operation, a body that is not JSON, a browser's cross-origin call
    // that needs CORS headers) is Fastify's to answer.
    if (
      !route ||
      req.headers.origin !== undefined ||
      (req.method === 'POST' && !isJson(req.headers['content-type']))
    ) {
      fastify.call(server, req, res);
      return;
    }
    const send: Send = (r, t0, requestId, out) => write(res, r, t0, requestId, out);
    const method = req.method ?? 'GET';
    const ip = req.socket.remoteAddress ?? '';
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > deps.bodyLimit) {
      serve(route, method, url, req.headers, null, declared, ip, send);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= deps.bodyLimit) chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const text =
        size > deps.bodyLimit
          ? null
          : chunks.length === 1
            ? chunks[0].toString('utf8')
            : Buffer.concat(chunks).toString('utf8');
      serve(route, method, url, req.headers, text, size, ip, send);
    });
  });

  // Connections that carry only plain HTTP/1.1 gateway calls skip Node's request and response
  // objects (src/platform/http/lean-http1.ts, ADR 0005); anything else is handed to the code above.
  if (deps.lean === false) return;
  const baseHead = headerLines(baseFlat) ?? '';
  installLeanHttp1(server, {
    maxBodyBytes: deps.bodyLimit,
    claims: (method, path, headers) => {
      const route = deps.byPath.get(`${method} ${path}`);
      // A call with an Origin (a browser's) is left to Fastify, which adds the CORS headers.
      return route !== undefined &&
        headers.origin === undefined &&
        (method !== 'POST' || isJson(headers['content-type']))
        ? route
        : undefined;
    },
    handle: (req, route, reply) => {
      const send: Send = (r, t0, requestId, out) => {
        const extra: string[] = [];
        for (const k in out.headers) extra.push(k, out.headers[k]);
        extra.push('x-request-id', requestId, 'content-type', out.contentType);
        let head = headerLines(extra);
        if (head === null) {
          // A header that cannot be sent as is: a 500 for this call alone, as on Node's path.
          out = refusal(500, 'internal_error', INTERNAL_ERROR, requestId, deps.publicUrl);
          head = `x-request-id: ${requestId}\r\ncontent-type: ${out.contentType}\r\n`;
        }
        const bytes = out.bytes ?? Buffer.byteLength(out.payload);
        reply({
          status: out.status,
          head: `${baseHead}${head}content-length: ${bytes}\r\n`,
          payload: out.payload,
          ascii: bytes === out.payload.length,
        });
        observe(r, out.status, t0);
      };
      const size = req.body.length;
      serve(
        route,
        req.method,
        req.url,
        req.headers,
        size > 0 ? req.body.toString('utf8') : null,
        size,
        req.remoteAddress,
        send,
      );
    },
  });
}

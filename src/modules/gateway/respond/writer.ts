import type { ServerResponse } from 'node:http';
import { headerLines } from '../../../platform/http/lean-http1.ts';
import type { HttpSeries, Metrics } from '../../../platform/metrics.ts';
import type { CallOutput, Route } from '../pipeline/call.ts';
import { internalError } from './bodies.ts';

/**
 * The one writer of gateway answers, for every entrance (../entrances/): the header block (the
 * security headers, the call's own headers, request id, content type, length), the error bodies
 * (bodies.ts) and the latency metric. An entrance only moves bytes.
 *
 * Header order, on the two raw entrances: the security headers below, the call's headers (rate
 * limit, `www-authenticate`, `retry-after`, `idempotent-replayed`), `x-request-id`,
 * `content-type`, `content-length`. The Fastify route sends helmet's full set (its hook) and then
 * `cache-control`, the call's headers and the content type; tests/gateway-entrances.test.ts holds
 * all three byte for byte.
 */

/**
 * The security headers every raw-entrance answer carries: of helmet's set (src/app.ts), the ones
 * that mean something on a JSON API response — the CSP, referrer and opener policies guard HTML
 * documents, and a smaller header block is a cheaper write — plus `cache-control: no-store`,
 * since network answers carry account titles and other personal data no cache may keep. A static
 * list (respond/writer.test.ts checks it against what helmet sends), in the order written.
 */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ['cross-origin-resource-policy', 'same-origin'],
  ['strict-transport-security', 'max-age=31536000; includeSubDomains'],
  ['x-content-type-options', 'nosniff'],
  ['x-frame-options', 'SAMEORIGIN'],
  ['cache-control', 'no-store'],
];
/** What the Fastify route adds to helmet's headers (its hook sends the rest). */
export const NO_STORE = { 'cache-control': 'no-store' } as const;

const BASE_FLAT: readonly string[] = SECURITY_HEADERS.flat();
/** The security headers as lean-layer header lines (validated once). */
const BASE_HEAD = headerLines(BASE_FLAT) ?? '';

/** Node's writeHead list for an answer: [name, value, …] (one header block built in one go). */
function headerList(out: CallOutput, requestId: string, bytes: number): string[] {
  const h = BASE_FLAT.slice();
  for (const k in out.headers) h.push(k, out.headers[k]);
  h.push('x-request-id', requestId, 'content-type', out.contentType, 'content-length', String(bytes));
  return h;
}

/**
 * The lean layer's header lines and payload for an answer. A header that cannot be sent as is (a
 * line break in a value) makes the answer a 500 for this call alone, as on Node's path.
 */
export function leanAnswer(
  out: CallOutput,
  requestId: string,
  publicUrl: string,
): { status: number; head: string; payload: string; ascii: boolean } {
  const extra: string[] = [];
  for (const k in out.headers) extra.push(k, out.headers[k]);
  extra.push('x-request-id', requestId, 'content-type', out.contentType);
  let head = headerLines(extra);
  if (head === null) {
    out = internalError(requestId, publicUrl);
    head = `x-request-id: ${requestId}\r\ncontent-type: ${out.contentType}\r\n`;
  }
  const bytes = out.bytes ?? Buffer.byteLength(out.payload);
  return {
    status: out.status,
    head: `${BASE_HEAD}${head}content-length: ${bytes}\r\n`,
    payload: out.payload,
    ascii: bytes === out.payload.length,
  };
}

/** Records one answer's latency: `t0` is when the call arrived (performance.now()). */
export type Observe = (route: Route, status: number, t0: number) => void;

/**
 * Request counts and latency per (route, status), like Fastify's routes report them: the series is
 * looked up once per route and status and kept (no label strings built per call).
 */
export function callMetrics(metrics: Metrics | undefined): Observe {
  if (!metrics) return () => {};
  const series = new Map<Route, Map<number, HttpSeries>>();
  return (route, status, t0) => {
    let byStatus = series.get(route);
    if (!byStatus) {
      byStatus = new Map();
      series.set(route, byStatus);
    }
    let s = byStatus.get(status);
    if (!s) {
      s = metrics.http.series(route.op.method, route.template, String(status));
      byStatus.set(status, s);
    }
    s.observe((performance.now() - t0) / 1000);
  };
}

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
 * Answers on Node's response objects, written together at the end of the event-loop turn in which
 * they were finished (setImmediate): one wake-up of the client per batch instead of one per answer
 * (docs/performance.md item 1). Nothing is held across turns. A header Node refuses makes that
 * answer a 500 without touching the others (or the process).
 */
export function nodeWriter(
  publicUrl: string,
  observe: Observe,
): (res: ServerResponse, route: Route, t0: number, requestId: string, out: CallOutput) => void {
  let queued: Queued[] = [];
  const flush = () => {
    const batch = queued;
    queued = [];
    for (const q of batch) {
      try {
        q.res.writeHead(q.status, q.headers);
        // All-ASCII payloads go out as latin1: the same bytes, without UTF-8 measuring and
        // transcoding (Node writes its header as latin1 too).
        q.res.end(q.payload, q.ascii ? 'latin1' : 'utf8');
      } catch {
        if (!q.res.headersSent) {
          const out = internalError(q.requestId, publicUrl);
          q.res.writeHead(500, { 'content-type': out.contentType, 'x-request-id': q.requestId });
          q.res.end(out.payload);
        } else q.res.destroy();
        q.status = 500;
      }
      observe(q.route, q.status, q.t0);
    }
  };
  return (res, route, t0, requestId, out) => {
    const bytes = out.bytes ?? Buffer.byteLength(out.payload);
    queued.push({
      res,
      status: out.status,
      headers: headerList(out, requestId, bytes),
      payload: out.payload,
      ascii: bytes === out.payload.length,
      route,
      t0,
      requestId,
    });
    if (queued.length === 1) setImmediate(flush);
  };
}

import type { EdgeCount } from '../../../platform/http/edge-counters.ts';
import { newId } from '../../../platform/ids.ts';
import type { NetworkOperation } from '../ports.ts';
import { internalError, refusal, TOO_LARGE } from '../respond/bodies.ts';
import type { CallInput, CallOutput, Catalog, RequestHeaders, Route } from './call.ts';
import { parseQuery } from './call.ts';

/**
 * What the two raw entrances (Node's HTTP server and the lean HTTP/1.1 layer) share between the
 * socket and the pipeline: which requests they take, the request id, the body-size refusal and
 * the CallInput. The Fastify route has its own (Fastify reads the body and assigns the id).
 */
export type Call = (op: NetworkOperation, catalog: Catalog, input: CallInput) => Promise<CallOutput>;
/** Hands one call's answer to its entrance's writer; `t0` is when it arrived (for the metric). */
export type Send = (route: Route, t0: number, requestId: string, out: CallOutput) => void;

/** Operations by "METHOD /provider/catalog/path", the raw entrances' routing table. */
export type RouteTable = Map<string, Route>;

const REQUEST_ID = /^[A-Za-z0-9_.:-]{8,64}$/;

function isJson(ct: string | undefined): boolean {
  if (ct === 'application/json') return true; // what nearly every client sends
  if (!ct) return false;
  const semi = ct.indexOf(';');
  const base = (semi < 0 ? ct : ct.slice(0, semi)).trim().toLowerCase();
  return base === 'application/json' || (base.startsWith('application/') && base.endsWith('+json'));
}

/**
 * The route a raw entrance serves a request on, or undefined for Fastify to answer it: anything
 * that is not an operation, a body that is not JSON, or a browser's cross-origin call (an Origin:
 * Fastify adds the CORS headers).
 */
export function rawRoute(
  routes: RouteTable,
  method: string,
  path: string,
  origin: string | undefined,
  contentType: string | undefined,
): Route | undefined {
  const route = routes.get(`${method} ${path}`);
  return route !== undefined && origin === undefined && (method !== 'POST' || isJson(contentType))
    ? route
    : undefined;
}

/**
 * Runs one raw call whose body has been read and hands the answer to `send`: `body` is the body's
 * bytes (null: none, or not read because it is over the limit), `size` its byte length
 * (declared, when it was not read). Only a body over the limit is refused here; the text is parsed
 * by the pipeline, after authentication. A pipeline failure (it should not throw) is a 500 in the
 * house shape. Positional parameters, not an object: the entrances call it once per request and
 * an argument object would be one more allocation per call (docs/performance.md, item 32).
 */
export type RawServe = (
  route: Route,
  method: string,
  url: string,
  headers: RequestHeaders,
  body: Buffer | null,
  size: number,
  ip: string,
  send: Send,
) => void;

export function rawServe(deps: {
  call: Call;
  bodyLimit: number;
  publicUrl: string;
  /** Whether answers are timed (the latency metric is on). */
  timed: boolean;
  /** Counts the bodies refused here as too large (the edge's counters; absent: not counted). */
  edge?: EdgeCount;
}): RawServe {
  return (route, method, url, headers, body, size, ip, send) => {
    const given = headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    const t0 = deps.timed ? performance.now() : 0;
    if (size > deps.bodyLimit) {
      deps.edge?.('oversized', ip, route.template);
      send(route, t0, requestId, refusal(413, 'payload_too_large', TOO_LARGE, requestId, deps.publicUrl));
      return;
    }
    deps
      .call(route.op, route.catalog, {
        method,
        url,
        // A target without a query is the route's template itself.
        path: url.length === route.template.length ? route.template : undefined,
        headers,
        body: undefined,
        bodyText: size > 0 && body !== null ? body.toString('utf8') : null,
        bodyBytes: size > 0 ? body : null,
        query: parseQuery(url),
        ip,
        requestId,
        bytesIn: size,
      })
      .then(
        (out) => send(route, t0, requestId, out),
        () => send(route, t0, requestId, internalError(requestId, deps.publicUrl)),
      );
  };
}

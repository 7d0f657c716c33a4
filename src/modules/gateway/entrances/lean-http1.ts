import type { Server } from 'node:http';
import type { EdgeCount } from '../../../platform/http/edge-counters.ts';
import { installLeanHttp1 } from '../../../platform/http/lean-http1.ts';
import type { Route } from '../pipeline/call.ts';
import { type RawServe, type RouteTable, rawRoute, type Send } from '../pipeline/serve.ts';
import { leanAnswer, type Observe } from '../respond/writer.ts';

/**
 * The lean HTTP/1.1 entrance (src/platform/http/lean-http1.ts, ADR 0005): connections that carry
 * only plain HTTP/1.1 gateway calls skip Node's request and response objects; anything the layer
 * does not claim (`rawRoute`, and its own rules) goes to Node's server, and so to the Node
 * entrance or Fastify. Its answers are one string write each, built by the writer (`leanAnswer`).
 */
export function installLeanEntrance(
  server: Server,
  o: {
    routes: RouteTable;
    bodyLimit: number;
    publicUrl: string;
    serve: RawServe;
    observe: Observe;
    /** Counts the requests the layer times out (408) as slow (the edge's counters). */
    edge?: EdgeCount;
  },
): void {
  const edge = o.edge;
  installLeanHttp1<Route>(server, {
    maxBodyBytes: o.bodyLimit,
    ...(edge ? { timedOut: (address: string) => edge('slow', address) } : {}),
    claims: (method, path, headers) =>
      rawRoute(o.routes, method, path, headers.origin, headers['content-type']),
    handle: (req, route, reply) => {
      const send: Send = (r, t0, requestId, out) => {
        const answer = leanAnswer(out, requestId, o.publicUrl);
        reply(answer);
        o.observe(r, answer.status, t0);
      };
      const size = req.body.length;
      o.serve(
        route,
        req.method,
        req.url,
        req.headers,
        size > 0 ? req.body : null,
        size,
        req.remoteAddress,
        send,
      );
    },
  });
}

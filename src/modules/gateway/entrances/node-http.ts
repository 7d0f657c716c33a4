import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { pathOf } from '../pipeline/call.ts';
import { type RawServe, type RouteTable, rawRoute, type Send } from '../pipeline/serve.ts';
import type { nodeWriter } from '../respond/writer.ts';

/**
 * The Node HTTP entrance (the "fast path"): Fastify's generic per-request work (hooks for cookies,
 * security headers, portal rate limiting and metrics, schema plumbing) costs more than the whole
 * pipeline, so a request whose method and path name a gateway operation is taken off the HTTP
 * server before Fastify sees it and run through the same pipeline; anything else is Fastify's
 * (`rawRoute` says which). Its answers go through the writer's batched Node writer.
 *
 * Returns false (and changes nothing) when the server does not have exactly one request listener.
 */
export function installNodeHttp(
  server: Server,
  o: {
    routes: RouteTable;
    bodyLimit: number;
    serve: RawServe;
    write: ReturnType<typeof nodeWriter>;
  },
): boolean {
  const listeners = server.listeners('request') as Array<(req: IncomingMessage, res: ServerResponse) => void>;
  if (listeners.length !== 1) return false; // an unexpected server shape: leave everything to Fastify
  const fastify = listeners[0];
  server.removeAllListeners('request');
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const method = req.method ?? 'GET';
    const route = rawRoute(o.routes, method, pathOf(url), req.headers.origin, req.headers['content-type']);
    if (!route) {
      fastify.call(server, req, res);
      return;
    }
    const send: Send = (r, t0, requestId, out) => o.write(res, r, t0, requestId, out);
    const ip = req.socket.remoteAddress ?? '';
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > o.bodyLimit) {
      o.serve(route, method, url, req.headers, null, declared, ip, send);
      req.resume();
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size <= o.bodyLimit) chunks.push(c);
    });
    req.on('error', () => res.destroy());
    req.on('end', () => {
      const body = size > o.bodyLimit ? null : chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
      o.serve(route, method, url, req.headers, body, size, ip, send);
    });
  });
  return true;
}

import type { FastifyInstance } from 'fastify';

/**
 * Cross-origin access to the gateway and its OAuth2 endpoints for one web origin: the portal's, so
 * that its try-it console can call a gateway that runs on another address (GATEWAY_PUBLIC_URL).
 *
 * What it promises, for every URL under `prefix` (`/{provider}/`):
 * - A preflight (OPTIONS with Origin and Access-Control-Request-Method) from the allowed origin is
 *   answered 204 with the methods and request headers it may use; from any other origin, 204
 *   without CORS headers, so the browser refuses the call.
 * - A call carrying the allowed Origin is answered with Access-Control-Allow-Origin (and the headers
 *   a client needs to read exposed); any other Origin gets no CORS headers.
 * - No credentials are allowed: the gateway authenticates by headers (client id, bearer token), never
 *   by cookies, and try-it calls it with `credentials: 'omit'`.
 * - Calls without an Origin header (every server-to-server call) are not touched: the gateway's fast
 *   path hands only calls that carry an Origin to Fastify, where the hook below runs.
 */
type CorsOptions = {
  /** The origin allowed, as `scheme://host[:port]` (a URL is reduced to its origin). */
  allowOrigin: string;
  /** Path prefix the rules apply to, e.g. `/darwaza/`. */
  prefix: string;
};

/** Request headers a gateway or token call may send (1LINK's and ours), for the preflight answer. */
const ALLOW_HEADERS = [
  'accept',
  'authorization',
  'content-type',
  'idempotency-key',
  'x-client-id',
  'x-client-secret',
  'x-end-user-id',
  'x-ibm-client-id',
  'x-ibm-client-secret',
  'x-request-id',
].join(', ');

/** Response headers beyond the CORS-safelisted ones that a caller reads (limits, ids, retries). */
const EXPOSE_HEADERS = [
  'idempotent-replayed',
  'ratelimit',
  'ratelimit-policy',
  'retry-after',
  'x-request-id',
].join(', ');

export function gatewayCors(opts: CorsOptions) {
  const allowed = new URL(opts.allowOrigin).origin;
  return (app: FastifyInstance): void => {
    app.addHook('onRequest', async (req, reply) => {
      const origin = req.headers.origin;
      if (origin === undefined || !req.url.startsWith(opts.prefix)) return;
      reply.header('vary', 'Origin');
      if (origin !== allowed || req.method === 'OPTIONS') return;
      reply.header('access-control-allow-origin', allowed);
      reply.header('access-control-expose-headers', EXPOSE_HEADERS);
    });
    app.route({
      method: 'OPTIONS',
      url: `${opts.prefix}*`,
      config: { operationId: 'gateway.corsPreflight' },
      handler: async (req, reply) => {
        reply.header('allow', 'GET, POST, OPTIONS');
        if (req.headers.origin === allowed && req.headers['access-control-request-method'] !== undefined) {
          reply.header('access-control-allow-origin', allowed);
          reply.header('access-control-allow-methods', 'GET, POST');
          reply.header('access-control-allow-headers', ALLOW_HEADERS);
          reply.header('access-control-max-age', '600');
        }
        return reply.code(204).send();
      },
    });
  };
}

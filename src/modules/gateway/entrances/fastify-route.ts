import type { FastifyInstance } from 'fastify';
import { catalogs, type NetworkOperation, type RequestHeaders } from '../pipeline/call.ts';
import type { Call } from '../pipeline/serve.ts';
import { NO_STORE } from '../respond/writer.ts';

/**
 * The Fastify entrance: every gateway operation as a Fastify route, for `app.inject()` (tests) and
 * for the requests the raw entrances leave to Fastify (a browser's, with an Origin: CORS headers).
 * The routes live in a scope of their own whose JSON bodies are read as text and handed to the
 * pipeline unparsed: it parses them after authentication, as the raw entrances do. Helmet's hook
 * adds its security headers; the writer's `NO_STORE` and the call's own headers follow.
 */
const JSON_TEXT = Symbol('gateway JSON text');

export async function installFastifyRoutes(
  app: FastifyInstance,
  o: { provider: string; operations: NetworkOperation[]; bodyLimit: number; call: Call },
): Promise<void> {
  await app.register(async (scope) => {
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) =>
      done(null, { [JSON_TEXT]: text }),
    );
    for (const op of o.operations) {
      for (const catalog of catalogs) {
        scope.route({
          method: op.method,
          url: `/${o.provider}/${catalog}${op.path}`,
          bodyLimit: o.bodyLimit,
          config: { operationId: `gateway.${op.operationId}` },
          handler: async (req, reply) => {
            const b = req.body as { [JSON_TEXT]?: string } | null | undefined;
            const json = b !== null && typeof b === 'object' && JSON_TEXT in b;
            const out = await o.call(op, catalog, {
              method: req.method,
              url: req.url,
              headers: req.headers as RequestHeaders,
              body: json ? undefined : req.body,
              ...(json ? { bodyText: b[JSON_TEXT] ?? null } : {}),
              query: req.query as Record<string, string>,
              ip: req.ip,
              requestId: String(req.id),
              bytesIn: Number(req.headers['content-length'] ?? 0) || 0,
            });
            return reply
              .code(out.status)
              .headers(NO_STORE)
              .headers(out.headers)
              .type(out.contentType)
              .send(out.payload);
          },
        });
      }
    }
  });
}

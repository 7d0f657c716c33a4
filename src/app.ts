import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
  LogController,
} from 'fastify';
import { type Config, roleSurfaces } from './config.ts';
import type { Clock } from './platform/clock.ts';
import { AppError, type ErrorCatalogue, type ErrorCode, errorAnswer, errorBody } from './platform/errors.ts';
import { type EdgeCount, edgeWhatOf } from './platform/http/edge-counters.ts';
import { exceedsJsonDepth } from './platform/http/json-depth.ts';
import { buildOpenApi } from './platform/http/openapi.ts';
import { type AnyRoute, type Authenticator, registerRoutes } from './platform/http/route.ts';
import { newId } from './platform/ids.ts';
import type { Logger } from './platform/logger.ts';
import type { Metrics } from './platform/metrics.ts';
import type { ReadinessCheck } from './platform/readiness.ts';
import {
  SHARED_STATE_RETRY_AFTER_S,
  type SharedState,
  SharedStateUnavailableError,
} from './platform/shared-state/shared-state.ts';

/**
 * Builds the HTTP application from already-constructed services. No I/O happens here and nothing
 * listens: tests call `app.inject()`, main.ts calls `listen()`.
 */
export type { ReadinessCheck };

export type AppDeps = {
  config: Pick<Config, 'publicUrl' | 'nodeEnv' | 'role' | 'portalRateLimit'> &
    Partial<Pick<Config, 'trustProxy' | 'gatewayPublicUrl'>>;
  sharedState: SharedState;
  clock: Clock;
  log: Logger;
  metrics: Metrics;
  routes: AnyRoute[];
  /** Every module's error codes, composed (main.ts): each error's status and default message. */
  errors: ErrorCatalogue;
  authenticate: Authenticator;
  readiness: ReadinessCheck[];
  /** Plugins that are not portal routes (the gateway, the sandbox), registered after the routes. */
  plugins?: Array<(app: FastifyInstance) => Promise<void> | void>;
  /** Directory of the built web app; served at / with client-side routes falling back to index.html. */
  webDir?: string;
  version: string;
  /**
   * The HTTP edge's counters (platform/http/edge-counters.ts): the error and not-found handlers
   * count what they refuse (unknown paths, 401, 429, 413, over-deep bodies, slow or oversized
   * heads) by source address for the detectors. Absent: nothing is counted.
   */
  edge?: EdgeCount;
};

const REQUEST_ID = /^[A-Za-z0-9_.:-]{8,64}$/;

export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.log as unknown as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    bodyLimit: 1024 * 1024,
    // req.ip is the socket's peer unless TRUST_PROXY names the proxies whose X-Forwarded-For is
    // believed (then the nearest address that is not one of them); throttles key on it.
    trustProxy: deps.config.trustProxy?.length ? deps.config.trustProxy : false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    },
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('x-request-id', req.id);
  });
  // Portal API: same-origin CORS header and a per-IP fixed-window limit with IETF RateLimit fields.
  // If the shared state is unreachable the portal limit fails open (logged): authentication still
  // applies to every route, and the gateway — which carries the money-moving traffic — fails closed.
  const portalLimit = deps.config.portalRateLimit;
  // The portal API (and its OpenAPI document) only in the roles that serve the portal.
  const servesPortal = roleSurfaces[deps.config.role].portal;
  app.addHook('onRequest', async (req, reply) => {
    if (!servesPortal || !req.url.startsWith('/api/')) return;
    reply.header('access-control-allow-origin', deps.config.publicUrl);
    const now = deps.clock.nowMs();
    const windowStart = now - (now % 60_000);
    try {
      const r = await deps.sharedState.consume(
        [
          {
            kind: 'window',
            key: `portal:ip:${req.ip}:${windowStart}`,
            limit: portalLimit,
            resetAtMs: windowStart + 60_000,
          },
        ],
        now,
      );
      const o = r.outcomes[0];
      const t = Math.ceil(o.resetMs / 1000);
      reply.header('ratelimit-policy', `"portal";q=${portalLimit};w=60`);
      reply.header('ratelimit', `"portal";r=${o.remaining};t=${t}`);
      if (!r.allowed) {
        throw new AppError('rate_limited', { headers: { 'retry-after': String(Math.max(1, t)) } });
      }
    } catch (err) {
      if (err instanceof AppError) throw err;
      req.log.warn({ err: (err as Error).message }, 'portal rate limiter unavailable; failing open');
    }
  });
  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    deps.metrics.http.observe(req.method, route, String(reply.statusCode), reply.elapsedTime / 1000);
  });

  await app.register(fastifyHelmet, {
    contentSecurityPolicy: {
      useDefaults: true,
      directives: {
        'default-src': ["'self'"],
        'img-src': ["'self'", 'data:'],
        'style-src': ["'self'", "'unsafe-inline'"],
        'script-src': ["'self'"],
        // The web app calls its own origin, and the gateway's when it has another (try-it).
        'connect-src': ["'self'", ...otherOrigin(deps.config.gatewayPublicUrl, deps.config.publicUrl)],
        'frame-ancestors': ["'none'"],
        'form-action': ["'self'"],
        'upgrade-insecure-requests': deps.config.publicUrl.startsWith('https:') ? [] : null,
      },
    },
    hsts: { maxAge: 31536000, includeSubDomains: true },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginEmbedderPolicy: false,
  });
  await app.register(fastifyCookie);
  await app.register(fastifyFormbody, { bodyLimit: 64 * 1024 });
  // Every JSON body is held to the nesting bound (src/platform/http/json-depth.ts) before it is
  // parsed, then parsed by Fastify's own parser (empty bodies, prototype-poisoning keys). The
  // refusal carries `statusCode` too, for error handlers that read Fastify's field (the OAuth
  // endpoints'). The gateway's routes read their JSON as text and check it themselves.
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, text, done) => {
    if (exceedsJsonDepth(text as string)) {
      done(Object.assign(new AppError('json_too_deep'), { statusCode: 400 }), undefined);
    } else parseJson(req, text as string, done);
  });

  const edge = deps.edge;
  if (edge) {
    // Node answers a head or body that is too slow (408) or a head too large (431) itself.
    app.server.on('clientError', (err: NodeJS.ErrnoException, socket: { remoteAddress?: string }) => {
      if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT') edge('slow', socket.remoteAddress);
      else if (err.code === 'HPE_HEADER_OVERFLOW') edge('oversized', socket.remoteAddress);
    });
  }

  app.setErrorHandler((err: FastifyError | AppError, req: FastifyRequest, reply: FastifyReply) => {
    const requestId = String(req.id);
    if (edge) {
      const what = edgeWhatOf(err instanceof AppError ? err.code : (err as FastifyError).code);
      if (what) edge(what, req.ip, req.url.split('?')[0]);
    }
    if (err instanceof AppError) {
      if (err.headers) reply.headers(err.headers);
      const answer = errorAnswer(deps.errors, err);
      return reply
        .code(answer.status)
        .send(errorBody(err.code, answer.message, requestId, deps.config.publicUrl, err.details));
    }
    if (err instanceof SharedStateUnavailableError) {
      // Fail closed, but say so: what needs the shared state (sign-in's attempt counters…) waits.
      req.log.warn({ err: err.message, requestId }, 'shared state unavailable');
      reply.header('retry-after', String(SHARED_STATE_RETRY_AFTER_S));
      return reply
        .code(503)
        .send(
          errorBody(
            'service_unavailable',
            deps.errors.service_unavailable.message,
            requestId,
            deps.config.publicUrl,
          ),
        );
    }
    const fe = err as FastifyError;
    let code: ErrorCode = 'internal_error';
    switch (fe.code) {
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        code = 'unsupported_media_type';
        break;
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        code = 'payload_too_large';
        break;
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        code = 'malformed_json';
        break;
      default:
        if (fe instanceof SyntaxError || fe.statusCode === 400) code = 'malformed_json';
        else if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) code = 'validation_failed';
    }
    const def = deps.errors[code];
    if (def.status >= 500) req.log.error({ err, requestId }, 'unhandled error');
    return reply.code(def.status).send(errorBody(code, def.message, requestId, deps.config.publicUrl));
  });

  const webIndex = deps.webDir ? join(deps.webDir, 'index.html') : undefined;
  const hasWeb = webIndex !== undefined && existsSync(webIndex);
  app.setNotFoundHandler((req, reply) => {
    const path = req.url.split('?')[0];
    if (
      hasWeb &&
      (req.method === 'GET' || req.method === 'HEAD') &&
      !path.startsWith('/api/') &&
      !path.includes('.')
    ) {
      return reply.type('text/html; charset=utf-8').sendFile('index.html');
    }
    edge?.('unknown_path', req.ip, path);
    return reply
      .code(404)
      .send(
        errorBody(
          'route_not_found',
          deps.errors.route_not_found.message,
          String(req.id),
          deps.config.publicUrl,
        ),
      );
  });

  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_req, reply) => {
    const results: Record<string, string> = {};
    let ok = true;
    await Promise.all(
      deps.readiness.map(async (r) => {
        try {
          await withTimeout(r.check(), 2000);
          results[r.name] = 'ok';
        } catch (err) {
          if (!r.informational) ok = false;
          const state = r.informational ? 'degraded' : 'unavailable';
          results[r.name] = `${state}: ${(err as Error).message}`.slice(0, r.informational ? 500 : 200);
        }
      }),
    );
    return reply.code(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not_ready', checks: results });
  });
  app.get('/metrics', async (_req, reply) => {
    reply.type(deps.metrics.registry.contentType);
    return deps.metrics.registry.metrics();
  });

  const openapi = buildOpenApi(deps.routes, deps.errors, {
    title: 'Darwaza portal API',
    version: deps.version,
    serverUrl: deps.config.publicUrl,
  });
  if (servesPortal) app.get('/api/v1/openapi.json', async () => openapi);

  // Responses go through their contract: a mismatch fails tests; elsewhere it is logged and sent
  // with undeclared fields removed (response-check.ts).
  registerRoutes(app, deps.routes, deps.authenticate, {
    mode: deps.config.nodeEnv === 'test' ? 'strict' : 'lenient',
    warn: (msg, details) => deps.log.warn(details, msg),
  });
  for (const plugin of deps.plugins ?? []) await plugin(app);

  if (hasWeb) {
    await app.register(fastifyStatic, {
      root: deps.webDir!,
      prefix: '/',
      wildcard: false,
      index: ['index.html'],
    });
  }
  return app;
}

/** `url`'s origin when it differs from `self`'s, as a one-item list (else empty). */
function otherOrigin(url: string | undefined, self: string): string[] {
  if (!url) return [];
  const origin = new URL(url).origin;
  return origin === new URL(self).origin ? [] : [origin];
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

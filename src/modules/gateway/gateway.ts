import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { DatabaseLocation } from '../../platform/db/database.ts';
import { errorBody } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { Metrics } from '../../platform/metrics.ts';
import type { ReadinessCheck } from '../../platform/readiness.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { TermsEnforcer } from '../terms/index.ts';
import { authenticate } from './authenticate.ts';
import { CongestionController, type CongestionOptions, eventLoopDelaySignal } from './congestion.ts';
import { DirectoryCache } from './directory-cache.ts';
import {
  type Dispatcher,
  inProcessDispatcher,
  type UpstreamOptions,
  upstreamDispatcher,
} from './dispatch.ts';
import { entitle } from './entitle.ts';
import { type CallInput, type CallOutput, installFastPath, securityHeaders } from './fast-path.ts';
import { GatewayError, renderGatewayError } from './gateway-errors.ts';
import { Idempotency } from './idempotency.ts';
import { LEASE_MAX_DEFAULT, LeasedLimits } from './limit-lease.ts';
import type { GatewayDirectory, NetworkCallContext, NetworkOperation, NetworkResult } from './ports.ts';
import { checkLimits, type Limiter, limitTemplate } from './rate-limit.ts';
import { parseRequestBody } from './request-body.ts';
import type { GatewayTables } from './tables.ts';
import { UsageRecorder } from './usage-recorder.ts';
import { UsageService } from './usage-service.ts';
import { inlineUsageSink, WorkerUsageSink } from './usage-sink.ts';

/**
 * The gateway: every call under /{provider}/{catalog}{operation path} runs, in order,
 *   request id → authenticate → parse → entitle → rate limit → congestion → (idempotency) → dispatch
 *   → usage
 * (authenticate reads the headers alone, so a body the parse step refuses is recorded as a call of
 * its organisation and app).
 * Each step is its own module with its own tests; this file only strings them together and turns a
 * refusal (GatewayError) into a response. Nothing is logged per request: the usage record is the log.
 */
type Catalog = 'sandbox' | 'production';
const catalogs: readonly Catalog[] = ['sandbox', 'production'];

export type GatewayOptions = {
  provider: string;
  publicUrl: string;
  operations: NetworkOperation[];
  directory: GatewayDirectory;
  terms: TermsEnforcer;
  sharedState: SharedState;
  keyring: Keyring;
  clock: Clock;
  log: Logger;
  db: Kysely<GatewayTables>;
  dialect?: 'sqlite' | 'postgres';
  /**
   * Where the usage worker thread connects to write usage records; absent or null → they are
   * written on the event loop (in-memory SQLite, or `USAGE_WRITER=inline`).
   */
  usageWorkerDatabase?: DatabaseLocation | null;
  usageFlushMs: number;
  /** Scope an access token must carry (1LINK: '1LinkApi'); null = any scope. */
  requiredScope?: string | null;
  congestion?: CongestionOptions;
  /** Monitor event-loop delay for congestion control (default true). */
  loopDelaySignal?: boolean;
  /** Upstream per catalog (production normally); absent → the sandbox runs in-process. */
  upstreams?: Partial<Record<Catalog, UpstreamOptions>>;
  logRetentionDays?: number;
  /** Successful calls per app and second whose bodies the request log keeps (errors: always). */
  logBodiesPerAppPerSecond?: number;
  /**
   * Largest rate-limit lease taken from Redis at once (limit-lease.ts; default 512); 0 or 1 checks
   * every call in the shared state. The in-memory state is always checked per call (it is local).
   */
  limitLeaseMax?: number;
  cacheTtlMs?: number;
  bodyLimit?: number;
  /** HTTP metrics; the fast path counts its requests here as Fastify does for every other route. */
  metrics?: Metrics;
  /** Serve real sockets through the raw fast path (default true; tests of the Fastify route set false). */
  fastPath?: boolean;
  /** Serve plain HTTP/1.1 gateway connections through the lean layer (default true; ADR 0005). */
  leanHttp?: boolean;
};

export type Gateway = {
  plugin(app: FastifyInstance): Promise<void>;
  readiness: ReadinessCheck;
  usage: UsageService;
  recorder: UsageRecorder;
  cache: DirectoryCache;
  congestion: CongestionController;
  /** The pipeline without HTTP (for the fast path, the Fastify route and cost measurements). */
  call(op: NetworkOperation, catalog: Catalog, input: CallInput): Promise<CallOutput>;
  start(): Promise<void>;
  /** Stops background work and writes every buffered usage record (graceful shutdown). */
  close(): Promise<void>;
};

type Headers = Record<string, string | string[] | undefined>;
/** Where the gateway's Fastify routes find a JSON body's text, left unparsed for the parse step. */
const JSON_TEXT = Symbol('gateway JSON text');
const JSON_TYPE = 'application/json; charset=utf-8';
/** Network answers carry personal data (account titles, IBANs): no cache may keep them. */
const NO_STORE = { 'cache-control': 'no-store' };

function header1(h: Headers, name: string): string | undefined {
  const v = h[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

export function createGateway(o: GatewayOptions): Gateway {
  const cache = new DirectoryCache(o.directory, { ttlMs: o.cacheTtlMs });
  const loop = o.loopDelaySignal === false ? undefined : eventLoopDelaySignal();
  const congestion = new CongestionController({ loopDelayMs: loop?.read, ...o.congestion });
  const recorder = new UsageRecorder({
    sink: o.usageWorkerDatabase
      ? new WorkerUsageSink(o.usageWorkerDatabase)
      : inlineUsageSink(o.db, o.dialect ?? 'sqlite'),
    db: o.db,
    clock: o.clock,
    log: o.log,
    flushMs: o.usageFlushMs,
    logRetentionDays: o.logRetentionDays,
    logBodiesPerAppPerSecond: o.logBodiesPerAppPerSecond,
  });
  const usage = new UsageService(o.db, () => recorder.flush());
  const idempotency = new Idempotency(o.sharedState);
  const leases =
    o.sharedState.kind === 'redis' && (o.limitLeaseMax ?? LEASE_MAX_DEFAULT) > 1
      ? new LeasedLimits(o.sharedState, { maxLease: o.limitLeaseMax })
      : null;
  const limiter: Limiter = leases ?? o.sharedState;
  const requiredScope = o.requiredScope === undefined ? '1LinkApi' : o.requiredScope;
  const dispatchers: Record<Catalog, Dispatcher> = {
    sandbox: inProcessDispatcher,
    production: notConfigured,
  };
  const closers: Array<() => Promise<void>> = [];
  for (const c of catalogs) {
    const up = o.upstreams?.[c];
    if (up) {
      const d = upstreamDispatcher(up);
      dispatchers[c] = d;
      closers.push(d.close);
    }
  }

  // Fail-closed bookkeeping: one log line when the limiter goes away and one when it is back.
  let limiterDownSince: number | null = null;
  const onStateError = (err: unknown) => {
    if (limiterDownSince === null) {
      limiterDownSince = Date.now();
      o.log.error(
        { err: (err as Error).message },
        'rate limiter (shared state) unreachable: limited gateway operations fail closed with 503',
      );
    }
  };
  const onStateOk = () => {
    if (limiterDownSince !== null) {
      o.log.info(
        { downMs: Date.now() - limiterDownSince },
        'rate limiter reachable again: gateway recovered',
      );
      limiterDownSince = null;
    }
  };

  // End-user ids are HMAC'd before they reach shared state or the usage table; the same few end
  // users repeat, so the hashes are memoised (bounded).
  const endUserHashes = new Map<string, string>();
  const hashEndUser = (id: string): string => {
    let h = endUserHashes.get(id);
    if (h === undefined) {
      if (endUserHashes.size >= 10_000) endUserHashes.clear();
      h = o.keyring.hmac(id, 'gateway:end-user');
      endUserHashes.set(id, h);
    }
    return h;
  };

  /**
   * The pipeline for one call, independent of the HTTP layer (Fastify route or the raw fast path).
   * The usage record is buffered before the result is returned, so every response sent has one.
   */
  async function call(op: NetworkOperation, catalog: Catalog, input: CallInput): Promise<CallOutput> {
    const t0 = performance.now();
    const nowMs = o.clock.nowMs();
    const { headers, requestId } = input;
    let body = input.body;
    const out: CallOutput = { status: 200, headers: {}, contentType: JSON_TYPE, payload: '' };
    let orgId: string | null = null;
    let appId: string | null = null;
    let endUserHash: string | null = null;
    let networkCode: string | null = null;
    let errorCode: string | null = null;
    let replayed = false;
    let liveData = false;
    let admitted = false;
    try {
      // authenticate
      const q = input.url.indexOf('?');
      const { app } = await authenticate(cache, {
        headers,
        rawQuery: q < 0 ? '' : input.url.slice(q + 1),
        catalog,
        requiresClientSecret: op.requiresClientSecret,
        nowMs,
        requiredScope,
      });
      orgId = app.orgId;
      appId = app.appId;
      // parse (a refused body stays in the record as the text received, for the request log)
      if (input.bodyText !== undefined) {
        body = input.bodyText ?? undefined;
        body = parseRequestBody(input.method, input.bodyText);
      }
      // entitle
      const ent = await entitle(cache, o.terms, app, op.productSlug, catalog, nowMs);
      // rate limit (one consume call: windows, bursts, quotas, end users)
      const endUser = header1(headers, 'x-end-user-id') ?? op.endUserId?.(body);
      if (endUser) endUserHash = hashEndUser(endUser);
      const tpl = limitTemplate(ent.plan, op.operationId);
      const limits = await checkLimits(
        limiter,
        tpl,
        ent.subscriptionId,
        nowMs,
        endUserHash ?? undefined,
        onStateError,
      );
      if (limiterDownSince !== null && tpl.rules.length > 0) onStateOk();
      out.headers = limits.headers;
      // congestion control
      congestion.admit(app.orgId);
      admitted = true;
      // idempotency (payment-creating operations only)
      const idemKey = op.paymentCreating ? header1(headers, 'idempotency-key') : undefined;
      let idem: { key: string; fingerprint: string } | undefined;
      if (idemKey !== undefined) {
        const fp = Idempotency.fingerprint(op.method, op.path, body);
        const begun = await idempotency.begin(app.appId, idemKey, fp);
        if (begun.kind === 'replay') {
          replayed = true;
          out.status = begun.response.status;
          out.payload = begun.response.body;
          networkCode = begun.response.networkCode ?? null;
          out.headers['idempotent-replayed'] = 'true';
        } else {
          idem = begun;
        }
      }
      if (!replayed) {
        // dispatch
        const ctx: NetworkCallContext = {
          orgId: app.orgId,
          appId: app.appId,
          appPublicKeyPem: app.publicKeyPem,
          body,
          query: input.query,
          headers,
          requestId,
          nowMs,
        };
        let result: NetworkResult;
        try {
          result = await dispatchers[catalog](op, ctx);
        } catch (err) {
          if (idem) await idempotency.abandon(idem.key);
          throw err;
        }
        out.status = result.status;
        out.payload = JSON.stringify(result.body ?? null);
        networkCode = result.networkCode ?? null;
        liveData = result.liveDataSuspected === true;
        if (idem) {
          await idempotency.complete(idem.key, idem.fingerprint, {
            status: out.status,
            body: out.payload,
            networkCode: result.networkCode,
          });
        }
      }
    } catch (err) {
      if (err instanceof GatewayError) {
        out.status = err.status;
        errorCode = err.code;
        out.headers = { ...out.headers, ...err.headers };
        const r = renderGatewayError(err, requestId, o.publicUrl);
        out.payload = r.payload;
        out.contentType = r.contentType;
      } else {
        out.status = 500;
        errorCode = 'internal_error';
        o.log.error({ err, requestId, operationId: op.operationId }, 'gateway dispatch failed');
        out.payload = JSON.stringify(
          errorBody(
            'internal_error',
            'Something went wrong on our side; the request id identifies it.',
            requestId,
            o.publicUrl,
          ),
        );
      }
    } finally {
      if (admitted && orgId) congestion.release(orgId);
    }
    out.bytes = Buffer.byteLength(out.payload);
    recorder.record({
      atMs: nowMs,
      orgId,
      appId,
      productSlug: op.productSlug,
      operationId: op.operationId,
      catalog,
      method: input.method,
      path: input.path ?? q0(input.url),
      status: out.status,
      errorCode,
      networkCode,
      latencyUs: (performance.now() - t0) * 1000,
      clientIp: input.ip,
      endUserHash,
      requestId,
      bytesIn: input.bytesIn,
      bytesOut: out.bytes,
      replayed,
      liveDataSuspected: liveData,
      requestHeaders: orgId ? headers : null,
      requestBody: orgId ? body : undefined,
      responseBody: orgId ? out.payload : null,
    });
    return out;
  }

  /** Operations by "METHOD /path" for the raw fast path. */
  const byPath = new Map<string, { op: NetworkOperation; catalog: Catalog; template: string }>();
  for (const op of o.operations) {
    for (const catalog of catalogs)
      byPath.set(`${op.method} /${o.provider}/${catalog}${op.path}`, {
        op,
        catalog,
        template: `/${o.provider}/${catalog}${op.path}`,
      });
  }

  return {
    call,
    cache,
    congestion,
    recorder,
    usage,
    readiness: {
      name: 'gateway-rate-limiter',
      async check() {
        try {
          await o.sharedState.ping();
        } catch (err) {
          throw new Error(
            `shared state unreachable (${(err as Error).message}); limited operations fail closed`,
          );
        }
        if (limiterDownSince !== null && Date.now() - limiterDownSince < 2000) {
          throw new Error('shared state failing; limited operations fail closed');
        }
      },
    },
    async plugin(app) {
      const bodyLimit = o.bodyLimit ?? 256 * 1024;
      // The routes live in a scope of their own whose JSON bodies are read as text and handed to
      // the pipeline unparsed: it parses them after authentication, as on the fast path.
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
              bodyLimit,
              config: { operationId: `gateway.${op.operationId}` },
              handler: async (req, reply) => {
                const b = req.body as { [JSON_TEXT]?: string } | null | undefined;
                const json = b !== null && typeof b === 'object' && JSON_TEXT in b;
                const out = await call(op, catalog, {
                  method: req.method,
                  url: req.url,
                  headers: req.headers as Headers,
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
      if (o.fastPath !== false) {
        // Real sockets take the fast path (same pipeline, no per-request Fastify hooks); app.inject()
        // and every other URL keep going through Fastify.
        app.addHook('onListen', async () => {
          const baseHeaders = { ...(await securityHeaders(app)), ...NO_STORE };
          installFastPath(app, {
            byPath,
            call,
            bodyLimit,
            baseHeaders,
            publicUrl: o.publicUrl,
            metrics: o.metrics,
            lean: o.leanHttp !== false,
          });
        });
      }
    },
    async start() {
      recorder.start();
      // Never block start-up on the bus: with Redis down the subscription completes when it is back
      // (until then the 5 s cache TTL bounds staleness).
      void cache
        .start(o.sharedState)
        .catch((err) =>
          o.log.warn({ err: (err as Error).message }, 'cache invalidation subscription failed; TTL only'),
        );
    },
    async close() {
      loop?.stop();
      await cache.stop().catch(() => {});
      await leases?.close();
      await recorder.close();
      for (const c of closers) await c().catch(() => {});
    },
  };
}

const notConfigured: Dispatcher = async () => {
  throw new GatewayError(
    'gateway_upstream_not_configured',
    503,
    'No upstream is configured for this operation in this catalog.',
    { headers: { 'retry-after': '60' } },
  );
};

function q0(url: string): string {
  const i = url.indexOf('?');
  return i < 0 ? url : url.slice(0, i);
}

import { performance } from 'node:perf_hooks';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { ReadinessCheck } from '../../app.ts';
import type { Clock } from '../../platform/clock.ts';
import { errorBody } from '../../platform/errors.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type {
  GatewayDirectory,
  NetworkCallContext,
  NetworkOperation,
  NetworkResult,
  TermsEnforcer,
} from '../../platform/ports.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
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
import { GatewayError, renderGatewayError } from './gateway-errors.ts';
import { Idempotency } from './idempotency.ts';
import { checkLimits, limitTemplate } from './rate-limit.ts';
import { UsageRecorder } from './usage-recorder.ts';
import { UsageService } from './usage-service.ts';

/**
 * The gateway: every call under /{provider}/{catalog}{operation path} runs, in order,
 *   request id → authenticate → entitle → rate limit → congestion → (idempotency) → dispatch → usage
 * Each step is its own module with its own tests; this file only strings them together and turns a
 * refusal (GatewayError) into a response. Nothing is logged per request: the usage record is the log.
 */
export type Catalog = 'sandbox' | 'production';
export const catalogs: readonly Catalog[] = ['sandbox', 'production'];

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
  db: Kysely<any>;
  usageFlushMs: number;
  /** Scope an access token must carry (1LINK: '1LinkApi'); null = any scope. */
  requiredScope?: string | null;
  congestion?: CongestionOptions;
  /** Monitor event-loop delay for congestion control (default true). */
  loopDelaySignal?: boolean;
  /** Upstream per catalog (production normally); absent → the sandbox runs in-process. */
  upstreams?: Partial<Record<Catalog, UpstreamOptions>>;
  logRetentionDays?: number;
  cacheTtlMs?: number;
  bodyLimit?: number;
};

export type Gateway = {
  plugin(app: FastifyInstance): Promise<void>;
  readiness: ReadinessCheck;
  usage: UsageService;
  recorder: UsageRecorder;
  cache: DirectoryCache;
  congestion: CongestionController;
  start(): Promise<void>;
  /** Stops background work and writes every buffered usage record (graceful shutdown). */
  close(): Promise<void>;
};

type Headers = Record<string, string | string[] | undefined>;

function header1(h: Headers, name: string): string | undefined {
  const v = h[name];
  return typeof v === 'string' ? v : Array.isArray(v) ? v[0] : undefined;
}

export function createGateway(o: GatewayOptions): Gateway {
  const cache = new DirectoryCache(o.directory, { ttlMs: o.cacheTtlMs });
  const loop = o.loopDelaySignal === false ? undefined : eventLoopDelaySignal();
  const congestion = new CongestionController({ loopDelayMs: loop?.read, ...o.congestion });
  const recorder = new UsageRecorder({
    db: o.db,
    clock: o.clock,
    log: o.log,
    flushMs: o.usageFlushMs,
    logRetentionDays: o.logRetentionDays,
  });
  const usage = new UsageService(o.db, () => recorder.flush());
  const idempotency = new Idempotency(o.sharedState);
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

  async function handle(op: NetworkOperation, catalog: Catalog, req: FastifyRequest, reply: FastifyReply) {
    const t0 = performance.now();
    const nowMs = o.clock.nowMs();
    const requestId = String(req.id);
    const headers = req.headers as Headers;
    let orgId: string | null = null;
    let appId: string | null = null;
    let endUserHash: string | null = null;
    let networkCode: string | null = null;
    let errorCode: string | null = null;
    let status = 200;
    let payload: string;
    let contentType = 'application/json; charset=utf-8';
    let replayed = false;
    let liveData = false;
    let admitted = false;
    try {
      // authenticate
      const q = req.url.indexOf('?');
      const { app } = await authenticate(cache, {
        headers,
        rawQuery: q < 0 ? '' : req.url.slice(q + 1),
        catalog,
        requiresClientSecret: op.requiresClientSecret,
        nowMs,
        requiredScope,
      });
      orgId = app.orgId;
      appId = app.appId;
      // entitle
      const ent = await entitle(cache, o.terms, app, op.productSlug, catalog, nowMs);
      // rate limit (one consume call: windows, bursts, quotas, end users)
      const endUser = header1(headers, 'x-end-user-id') ?? op.endUserId?.(req.body);
      if (endUser) endUserHash = o.keyring.hmac(endUser, 'gateway:end-user');
      const tpl = limitTemplate(ent.plan, op.operationId);
      const limits = await checkLimits(
        o.sharedState,
        tpl,
        ent.subscriptionId,
        nowMs,
        endUserHash ?? undefined,
        onStateError,
      );
      if (limiterDownSince !== null && tpl.rules.length > 0) onStateOk();
      reply.headers(limits.headers);
      // congestion control
      congestion.admit(app.orgId);
      admitted = true;
      // idempotency (payment-creating operations only)
      const idemKey = op.paymentCreating ? header1(headers, 'idempotency-key') : undefined;
      let idem: { key: string; fingerprint: string } | undefined;
      if (idemKey !== undefined) {
        const fp = Idempotency.fingerprint(op.method, op.path, req.body);
        const begun = await idempotency.begin(app.appId, idemKey, fp);
        if (begun.kind === 'replay') {
          replayed = true;
          status = begun.response.status;
          payload = begun.response.body;
          networkCode = begun.response.networkCode ?? null;
          reply.header('idempotent-replayed', 'true');
          return send();
        }
        idem = begun;
      }
      // dispatch
      const ctx: NetworkCallContext = {
        orgId: app.orgId,
        appId: app.appId,
        appPublicKeyPem: app.publicKeyPem,
        body: req.body,
        query: req.query as Record<string, string>,
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
      status = result.status;
      payload = JSON.stringify(result.body ?? null);
      networkCode = result.networkCode ?? null;
      liveData = result.liveDataSuspected === true;
      if (idem)
        await idempotency.complete(idem.key, idem.fingerprint, {
          status,
          body: payload,
          networkCode: result.networkCode,
        });
    } catch (err) {
      if (err instanceof GatewayError) {
        status = err.status;
        errorCode = err.code;
        reply.headers(err.headers);
        const r = renderGatewayError(err, requestId, o.publicUrl);
        payload = r.payload;
        contentType = r.contentType;
      } else {
        status = 500;
        errorCode = 'internal_error';
        req.log.error({ err, requestId, operationId: op.operationId }, 'gateway dispatch failed');
        payload = JSON.stringify(
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
    return send();

    function send() {
      recorder.record({
        atMs: nowMs,
        orgId,
        appId,
        productSlug: op.productSlug,
        operationId: op.operationId,
        catalog,
        method: req.method,
        path: q0(req.url),
        status,
        errorCode,
        networkCode,
        latencyUs: (performance.now() - t0) * 1000,
        clientIp: req.ip,
        endUserHash,
        requestId,
        bytesIn: Number(headers['content-length'] ?? 0) || 0,
        bytesOut: Buffer.byteLength(payload),
        replayed,
        liveDataSuspected: liveData,
        requestHeaders: orgId ? headers : null,
        requestBody: orgId ? req.body : undefined,
        responseBody: orgId ? payload : null,
      });
      return reply.code(status).type(contentType).send(payload);
    }
  }

  return {
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
      for (const op of o.operations) {
        for (const catalog of catalogs) {
          app.route({
            method: op.method,
            url: `/${o.provider}/${catalog}${op.path}`,
            bodyLimit,
            config: { operationId: `gateway.${op.operationId}` },
            handler: (req, reply) => handle(op, catalog, req, reply),
          });
        }
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

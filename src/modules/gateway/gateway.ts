import { performance } from 'node:perf_hooks';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { DatabaseLocation } from '../../platform/db/database.ts';
import type { EdgeCount } from '../../platform/http/edge-counters.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { Metrics } from '../../platform/metrics.ts';
import type { ReadinessCheck } from '../../platform/readiness.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { TermsEnforcer } from '../terms/index.ts';
import { CongestionController, type CongestionOptions, eventLoopDelaySignal } from './congestion.ts';
import { DirectoryCache } from './directory-cache.ts';
import { type Dispatcher, inProcessDispatcher } from './dispatch.ts';
import { installFastifyRoutes } from './entrances/fastify-route.ts';
import { installLeanEntrance } from './entrances/lean-http1.ts';
import { installNodeHttp } from './entrances/node-http.ts';
import { GatewayError } from './gateway-errors.ts';
import { Idempotency } from './idempotency.ts';
import { LEASE_MAX_DEFAULT, LeasedLimits } from './limit-lease.ts';
import { type CallInput, type CallOutput, type Catalog, catalogs, newCallState } from './pipeline/call.ts';
import { CallRecordFeed } from './pipeline/call-records.ts';
import { type Call, type RouteTable, rawServe } from './pipeline/serve.ts';
import { type PipelineDeps, runCall } from './pipeline/steps.ts';
import type { GatewayDirectory, NetworkOperation, UpstreamDirectory } from './ports.ts';
import { ProductionUpstreams, type ProductionUpstreamsOptions } from './production-upstreams.ts';
import { callMetrics, nodeWriter } from './respond/writer.ts';
import type { GatewayTables } from './tables.ts';
import { upstreamMetrics, upstreamReadiness } from './upstream-health.ts';
import { UsageRecorder } from './usage-recorder.ts';
import { UsageService } from './usage-service.ts';
import { inlineUsageSink, WorkerUsageSink } from './usage-sink.ts';

/**
 * The gateway, composed: every call under /{provider}/{catalog}{operation path} enters through one
 * of three HTTP entrances (entrances/: the lean HTTP/1.1 layer, Node's HTTP server, the Fastify
 * route), runs through the pipeline (pipeline/steps.ts: authenticate → entitle → limit →
 * congestion → idempotency → dispatch → record usage, over one state object per call) and is
 * answered by the one writer (respond/). Every call also reaches the call-record subscribers
 * (pipeline/call-records.ts, `callRecords`). This file builds the steps' collaborators and wires
 * the pieces together.
 */
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
  /**
   * The production catalog's upstreams, per product (the upstreams module); absent → every
   * production call answers 503 gateway_upstream_not_configured. The sandbox runs in-process.
   */
  upstreamDirectory?: UpstreamDirectory | null;
  /** How often upstream settings are re-read besides the change messages (ms) and the breakers' settings. */
  upstreamTuning?: Pick<ProductionUpstreamsOptions, 'refreshMs' | 'breaker'>;
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
  /**
   * The HTTP edge's counters (platform/http/edge-counters.ts): the raw entrances count the bodies
   * they refuse as too large, the lean layer its time-outs, and the server its new connections.
   */
  edge?: EdgeCount;
};

export type Gateway = {
  plugin(app: FastifyInstance): Promise<void>;
  readiness: ReadinessCheck;
  usage: UsageService;
  recorder: UsageRecorder;
  cache: DirectoryCache;
  congestion: CongestionController;
  /** Every call as a CallRecord, in batches off the call (pipeline/call-records.ts). */
  callRecords: CallRecordFeed;
  /** The production upstreams with their breakers (null without an upstream directory). */
  upstreams: ProductionUpstreams | null;
  /** Upstream health for /readyz's body: named there, never turning readiness red. */
  upstreamReadiness: ReadinessCheck | null;
  /** The pipeline without HTTP (for the fast path, the Fastify route and cost measurements). */
  call(op: NetworkOperation, catalog: Catalog, input: CallInput): Promise<CallOutput>;
  start(): Promise<void>;
  /** Stops background work and writes every buffered usage record (graceful shutdown). */
  close(): Promise<void>;
};

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
  const leases =
    o.sharedState.kind === 'redis' && (o.limitLeaseMax ?? LEASE_MAX_DEFAULT) > 1
      ? new LeasedLimits(o.sharedState, { maxLease: o.limitLeaseMax })
      : null;
  const upstreams = o.upstreamDirectory
    ? new ProductionUpstreams({
        directory: o.upstreamDirectory,
        sharedState: o.sharedState,
        log: o.log,
        ...o.upstreamTuning,
      })
    : null;
  if (upstreams && o.metrics) upstreamMetrics(o.metrics, upstreams);
  const dispatchers = buildDispatchers(upstreams);
  const limiterHealth = limiterHealthOf(o.clock, o.log);
  const callRecords = new CallRecordFeed();
  const deps: PipelineDeps = {
    cache,
    terms: o.terms,
    requiredScope: o.requiredScope === undefined ? '1LinkApi' : o.requiredScope,
    limiter: leases ?? o.sharedState,
    limiterHealth,
    congestion,
    idempotency: new Idempotency(o.sharedState),
    dispatchers,
    hashEndUser: endUserHasher(o.keyring),
    recorder,
    callRecords,
    publicUrl: o.publicUrl,
    log: o.log,
  };

  /**
   * The pipeline for one call, independent of the HTTP entrances (pipeline/steps.ts). The usage
   * record is buffered before the result is returned, so every response sent has one.
   */
  function call(op: NetworkOperation, catalog: Catalog, input: CallInput): Promise<CallOutput> {
    // Not async: runCall's promise is the answer (one promise per call fewer).
    return runCall(newCallState(op, catalog, input, o.clock.nowMs(), performance.now()), deps);
  }

  return {
    call,
    cache,
    congestion,
    recorder,
    usage,
    callRecords,
    upstreams,
    upstreamReadiness: upstreams ? upstreamReadiness(upstreams) : null,
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
        if (limiterHealth.failingRecently()) {
          throw new Error('shared state failing; limited operations fail closed');
        }
      },
    },
    plugin: (app) => installEntrances(app, o, call),
    async start() {
      recorder.start();
      await upstreams?.start();
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
      callRecords.flush();
      await upstreams?.close();
    },
  };
}

/** The three HTTP entrances (entrances/), all on the one pipeline `call` and the one writer. */
async function installEntrances(app: FastifyInstance, o: GatewayOptions, call: Call): Promise<void> {
  const bodyLimit = o.bodyLimit ?? 256 * 1024;
  await installFastifyRoutes(app, { provider: o.provider, operations: o.operations, bodyLimit, call });
  if (o.fastPath === false) return;
  // Real sockets take the raw entrances (same pipeline, no per-request Fastify hooks);
  // app.inject() and every other URL keep going through Fastify.
  const routes: RouteTable = new Map();
  for (const op of o.operations) {
    for (const catalog of catalogs) {
      const template = `/${o.provider}/${catalog}${op.path}`;
      routes.set(`${op.method} ${template}`, { op, catalog, template });
    }
  }
  app.addHook('onListen', async () => {
    const observe = callMetrics(o.metrics);
    const edge = o.edge;
    const serve = rawServe({ call, bodyLimit, publicUrl: o.publicUrl, timed: o.metrics !== undefined, edge });
    const write = nodeWriter(o.publicUrl, observe);
    if (!installNodeHttp(app.server, { routes, bodyLimit, serve, write })) return;
    if (o.leanHttp !== false) {
      installLeanEntrance(app.server, { routes, bodyLimit, publicUrl: o.publicUrl, serve, observe, edge });
    }
    // After the lean layer took the server's connection listeners: one count per new connection
    // (a keep-alive connection's calls pay nothing), for the connection-flood rule.
    if (edge)
      app.server.on('connection', (s: { remoteAddress?: string }) => edge('connection', s.remoteAddress));
  });
}

/** Sandbox calls run in-process; production calls go to their product's upstream. */
function buildDispatchers(upstreams: ProductionUpstreams | null): Record<Catalog, Dispatcher> {
  return { sandbox: inProcessDispatcher, production: upstreams?.dispatch ?? notConfigured };
}

/**
 * Fail-closed bookkeeping of the rate limiter: one log line when the shared state goes away and
 * one when it is back; readiness fails while the last failure is under 2 s old.
 */
function limiterHealthOf(clock: Clock, log: Logger) {
  let downSince: number | null = null;
  return {
    down: () => downSince !== null,
    failingRecently: () => downSince !== null && clock.nowMs() - downSince < 2000,
    onError: (err: unknown) => {
      if (downSince !== null) return;
      downSince = clock.nowMs();
      log.error(
        { err: (err as Error).message },
        'rate limiter (shared state) unreachable: limited gateway operations fail closed with 503',
      );
    },
    onOk: () => {
      if (downSince === null) return;
      log.info({ downMs: clock.nowMs() - downSince }, 'rate limiter reachable again: gateway recovered');
      downSince = null;
    },
  };
}

/**
 * End-user ids are HMAC'd before they reach shared state or the usage table; the same few end
 * users repeat, so the hashes are memoised (bounded).
 */
function endUserHasher(keyring: Keyring): (id: string) => string {
  const hashes = new Map<string, string>();
  return (id) => {
    let h = hashes.get(id);
    if (h === undefined) {
      if (hashes.size >= 10_000) hashes.clear();
      h = keyring.hmac(id, 'gateway:end-user');
      hashes.set(id, h);
    }
    return h;
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

import { defineModule } from '../../platform/module.ts';
import type { ReadinessCheck } from '../../platform/readiness.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { gatewayContracts } from './contracts.ts';
import { gatewayErrors } from './errors.ts';
import { createGateway, type Gateway, type GatewayOptions } from './gateway.ts';
import { migrations } from './migrations.ts';
import { installedOutcomeRules, installOutcomeRules, type OutcomeRules } from './outcome.ts';
import { gatewayRoutes } from './routes.ts';
import { type UsageRetention, UsageService } from './usage-service.ts';

export { periodBounds } from './calendar.ts';
/** Headers an upstream never receives from the caller, whatever its allow-list (dispatch.ts). */
export { NEVER_FORWARDED } from './dispatch.ts';
export { gatewayErrors } from './errors.ts';
export type { Gateway } from './gateway.ts';
/** Call outcomes (approved, declined, failed) and the rules a provider describes its codes with. */
export { classifyOutcome, type OutcomeRule, type OutcomeRules } from './outcome.ts';
/**
 * Off-path consumers (detectors, conformance evaluation, rollups) subscribe to every call with
 * `gateway.callRecords.subscribe(handler)`: batches of CallRecords, delivered outside any call
 * (pipeline/call-records.ts; docs/architecture.md, "What off-path consumers see").
 */
export type { CallRecordHandler } from './pipeline/call-records.ts';
export type {
  CallRecord,
  ClassedCallRecord,
  ProbeClass,
  UserAgentClass,
} from './pipeline/records.ts';
/**
 * The gateway (its face): the pipeline under /{provider}/{catalog}/… in the roles that serve it,
 * its usage records, and their read side for the portal and the apps module in every role.
 *
 * It owns the types of what it consumes (ports.ts): the operations it dispatches to and the
 * directory it asks about apps; the sandbox and the apps/oauth modules implement them. It imports
 * none of its providers.
 */
export type {
  GatewayApp,
  GatewayDirectory,
  GatewayEntitlement,
  NetworkCallContext,
  NetworkOperation,
  NetworkResult,
  PlanLimits,
  UpstreamDirectory,
  UpstreamSettings,
  VerifiedToken,
} from './ports.ts';
/** The channel on which the upstreams module announces a change to every gateway (ports.ts). */
export { UPSTREAMS_CHANGED_CHANNEL } from './ports.ts';
/** The tables the module's migrations build (ADR 0008). */
export { type GatewayTables, gatewayTables } from './tables.ts';

/** The read side of the usage records: per-app usage (apps), the request log and time series (portal). */
export type UsageReader = Pick<UsageService, 'getAppUsage' | 'listRequestLogs' | 'getUsageTimeseries'>;

export type GatewayDeps = GatewayOptions & {
  /** Does this role serve the gateway (config.ts roleSurfaces)? If not, only the read side is built. */
  serves: boolean;
  /** For the usage routes: members of the organisation (any role) and operators may read. */
  orgAccess: OrgAccess;
  /**
   * How the operations' network codes read (approved, declined, failed), from their provider (the
   * sandbox's outcomes.ts); the usage writer records each call's outcome with them.
   */
  outcomeRules?: OutcomeRules;
  /** How long raw usage rows and minute / hour rollups are kept (usage-service.ts pruneUsage). */
  usageRetention?: UsageRetention;
};

export type GatewayPorts = {
  /** The running gateway (null in the roles that do not serve it). */
  gateway: Gateway | null;
  usage: UsageReader;
  /** The usage writer's check for GET /ready (null without a gateway); main.ts adds it. */
  readiness: ReadinessCheck | null;
};

export const gatewayModule = defineModule<GatewayDeps, GatewayPorts>({
  name: 'gateway',
  migrations,
  errors: gatewayErrors,
  contracts: gatewayContracts,
  subscribes: [],
  async create({ serves, orgAccess, outcomeRules, ...options }) {
    installOutcomeRules(outcomeRules);
    const gateway = serves ? createGateway(options) : null;
    await gateway?.start();
    const usage = gateway?.usage ?? new UsageService(options.db);
    // Rows written before outcomes existed get theirs in the background, in short batches (never
    // inside the migration's transaction: usage-service.ts backfillOutcomes); stopped on close.
    let stopping = false;
    const backfill = usage
      .backfillOutcomes(installedOutcomeRules(), { shouldStop: () => stopping })
      .then((n) => {
        if (n > 0) options.log.info({ rows: n }, 'usage rows back-filled with their outcome');
      })
      .catch((err: Error) => options.log.warn({ err: err.message }, 'usage outcome back-fill stopped'))
      // Rows older than the rollups join them the same way (usage-service.ts backfillRollups).
      .then(() =>
        usage.backfillRollups(installedOutcomeRules(), {
          shouldStop: () => stopping,
          dialect: options.dialect ?? 'sqlite',
        }),
      )
      .then((n) => {
        if (n) options.log.info({ rows: n }, 'usage rows back-filled into the rollups');
      })
      .catch((err: Error) => options.log.warn({ err: err.message }, 'usage rollup back-fill stopped'));
    // Retention of raw rows and fine rollups, hourly, off the serving path (usage-service.ts).
    const retention = options.usageRetention ?? { rawDays: 0, minuteDays: 8, hourDays: 400 };
    const prune = () =>
      void usage
        .pruneUsage(retention, options.clock.nowMs())
        .catch((err: Error) => options.log.warn({ err: err.message }, 'usage retention failed'));
    const pruneTimer = setInterval(prune, 3_600_000);
    pruneTimer.unref();
    return {
      ports: { gateway, usage, readiness: gateway?.readiness ?? null },
      routes: gatewayRoutes({ usage, orgAccess, nowMs: () => options.clock.nowMs() }),
      plugins: gateway ? [gateway.plugin] : [],
      // Every buffered usage record is written before the pools close.
      close: async () => {
        stopping = true;
        clearInterval(pruneTimer);
        await backfill;
        await gateway?.close();
      },
    };
  },
});

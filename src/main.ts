import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ReadinessCheck } from './app.ts';
import { type Config, roleSurfaces } from './config.ts';
import {
  type AppsService,
  type UsageReader as AppsUsageReader,
  type AppUsageService,
  appsModule,
  type OperatorAppStatus,
  type ThrottleSource,
} from './modules/apps/index.ts';
import { type AuditChain, type AuditLog, auditModule } from './modules/audit/index.ts';
import { type Catalog, catalogModule } from './modules/catalog/index.ts';
import { type ConformanceService, conformanceModule } from './modules/conformance/index.ts';
import { type DetectorsService, detectorsModule } from './modules/detectors/index.ts';
import { type EnforcementService, enforcementModule } from './modules/enforcement/index.ts';
import {
  type Gateway,
  type GatewayDirectory,
  gatewayModule,
  type UsageReader,
} from './modules/gateway/index.ts';
import {
  type IdentityService,
  identityModule,
  type TermsVersions,
  type UserDirectory,
} from './modules/identity/index.ts';
import {
  devMailboxMode,
  type Mailer,
  type NotificationService,
  notificationsModule,
} from './modules/notifications/index.ts';
import { type OAuthService, oauthModule } from './modules/oauth/index.ts';
import { type OrganizationService, organizationsModule } from './modules/organizations/index.ts';
import { type RegulatorService, regulatorModule } from './modules/regulator/index.ts';
import { type Sandbox, sandboxModule, sandboxOutcomeRules } from './modules/sandbox/index.ts';
import {
  type CachedTermsEnforcer,
  type TerminationService,
  type TermsGate,
  type TermsService,
  termsModule,
} from './modules/terms/index.ts';
import { type UpstreamsService, upstreamsModule } from './modules/upstreams/index.ts';
import { allMigrations, type DatabaseTables, errorCatalogue } from './modules.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import { migrateToLatest } from './platform/db/migrator.ts';
import { EventBus } from './platform/events.ts';
import { keepPrimitivePrototypesFast } from './platform/fast-prototypes.ts';
import { gatewayCors } from './platform/http/cors.ts';
import { EdgeCounters } from './platform/http/edge-counters.ts';
import { errorReferenceRoutes } from './platform/http/error-reference.ts';
import type { AnyRoute } from './platform/http/route.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { createKeyring, type Keyring, loadMasterKey } from './platform/master-key.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { latePort, type ModuleDescriptor, type ModuleInstance } from './platform/module.ts';
import { CACHE_INVALIDATE_CHANNEL } from './platform/shared-state/cache-invalidation.ts';
import { MemorySharedState } from './platform/shared-state/memory-shared-state.ts';
import { RedisSharedState } from './platform/shared-state/redis-shared-state.ts';
import type { SharedState } from './platform/shared-state/shared-state.ts';
import { version } from './version.ts';

/**
 * The composition root: config → infrastructure → stores → services → app. The only place that
 * picks SQLite or PostgreSQL, memory or Redis, the real or a fake clock. Tests call
 * `createSystem` with their own database, shared state and clock.
 */

export { errorCatalogue };

export type Infrastructure = {
  config: Config;
  log: Logger;
  metrics: Metrics;
  /** Typed to every module's tables; each module is handed its `db`, narrowed to its own. */
  database: Database<DatabaseTables>;
  sharedState: SharedState;
  clock: Clock;
  keyring: Keyring;
};

type Services = {
  /** The simulated network: operations for the gateway, test data and reset for the portal. */
  sandbox: Sandbox;
  audit: AuditLog;
  /** The audit hash chain: sealing, verification (`darwaza audit verify`), retention. */
  auditChain: AuditChain;
  mailer: Mailer;
  notifications: NotificationService;
  identity: IdentityService;
  organizations: OrganizationService;
  /** OrgAccess (ports.ts) for other modules: membership and role checks. */
  orgAccess: OrganizationService;
  /** UserDirectory (identity's face) for other modules. */
  users: UserDirectory;
  catalog: Catalog;
  apps: AppsService;
  oauth: OAuthService;
  appUsage: AppUsageService;
  /** GatewayDirectory (ports.ts): credentials and entitlements for the gateway. */
  gatewayDirectory: GatewayDirectory;
  /** TermsGate (terms' face): has the organisation accepted the product's additional terms? */
  termsGate: TermsGate;
  terms: TermsService;
  /** Organisation terminations (their effects reach other modules as `terms.organization_terminated`). */
  terminations: TerminationService;
  /** TermsEnforcer (terms' face) for the gateway. */
  termsEnforcer: CachedTermsEnforcer;
  /** The gateway (null in the portal and worker roles). */
  gateway: Gateway | null;
  /** Usage records (read side) for the portal and the apps module. */
  usage: UsageReader;
  /** Incidents, enforcement actions and policies. */
  enforcement: EnforcementService;
  /** The misuse detectors (they fill the incident record). */
  detectors: DetectorsService;
  /** Regulator requests, their signed export bundles, information requests to API users. */
  regulator: RegulatorService;
  /** The production upstreams per product (the gateway's UpstreamDirectory). */
  upstreams: UpstreamsService;
  /** Certification suites, each app's progress from its sandbox calls, the production gate. */
  conformance: ConformanceService;
};

export type System = Infrastructure & {
  services: Services;
  /** Cross-module events (platform/events.ts): who subscribes to what, for tests and docs. */
  events: EventBus;
  /** The HTTP edge's counters (refusals before any pipeline), handed to the detectors each second. */
  edge: EdgeCounters;
  app: FastifyInstance;
  /** Flushes buffers and closes pools; call after the HTTP server has stopped. */
  shutdown(): Promise<void>;
};

export function createInfrastructure(
  config: Config,
  overrides: Partial<Infrastructure> = {},
): Infrastructure {
  const log = overrides.log ?? createLogger(config.logLevel);
  return {
    config,
    log,
    metrics: overrides.metrics ?? createMetrics(),
    database: overrides.database ?? openDatabase<DatabaseTables>(config),
    sharedState:
      overrides.sharedState ??
      (config.redisUrl ? new RedisSharedState(config.redisUrl) : new MemorySharedState()),
    clock: overrides.clock ?? systemClock,
    keyring: overrides.keyring ?? createKeyring(loadMasterKey(config)),
  };
}

export async function migrate(
  infra: Pick<Infrastructure, 'database'>,
  onProgress?: (name: string, i: number, total: number) => void,
) {
  return migrateToLatest(infra.database.db, allMigrations, onProgress);
}

export async function createSystem(infra: Infrastructure, opts: { migrate?: boolean } = {}): Promise<System> {
  const { config, database, clock, log } = infra;
  // Every module is loaded by now, ioredis included (it leaves String.prototype slow).
  keepPrimitivePrototypesFast();
  if (opts.migrate !== false) await migrate(infra);
  const db = database.db;

  // Modules, in dependency order. Each section builds one module from its face (index.ts) with
  // the ports of the modules above it; `events` carries cross-module effects (platform/events.ts).
  const events = new EventBus();
  // What the HTTP edge refuses before any pipeline, counted per source address for the detectors.
  const edge = new EdgeCounters({ clock });
  const moduleRoutes: AnyRoute[] = [];
  const built: Array<{ name: string; instance: ModuleInstance<unknown> }> = [];
  const use = async <D, P>(m: ModuleDescriptor<D, P>, deps: D): Promise<P> => {
    const instance = await m.create(deps);
    for (const name of m.subscribes)
      if (!instance.on?.[name]) throw new Error(`module ${m.name} subscribes to ${name} but has no handler`);
    if (instance.on) events.subscribe(m.name, instance.on);
    moduleRoutes.push(...instance.routes);
    built.push({ name: m.name, instance });
    return instance.ports;
  };

  // ── audit
  // Its worker seals events after their commit, signs checkpoints, verifies and prunes the chain.
  const { audit, auditChain } = await use(auditModule, {
    db,
    clock,
    keyring: infra.keyring,
    chain: config.audit,
    log,
  });
  // ── notifications
  // Outbox rows from before sealing are sealed before anything can read them (create does it);
  // its close waits for deliveries in flight, before the pools close.
  const { mailer, notifications } = await use(notificationsModule, {
    db,
    clock,
    keyring: infra.keyring,
    log,
    smtpUrl: config.smtpUrl,
    from: config.mailFrom,
    devMailbox: devMailboxMode(config),
  });
  // ── identity
  // Sign-up asks which general terms version is in force; the terms module, built below, answers.
  const termsVersions = latePort<TermsVersions>('termsVersions');
  const {
    identity,
    users,
    // Who is calling: session cookie (+ CSRF token on unsafe methods) or a bearer session token.
    authenticate,
  } = await use(identityModule, {
    db,
    clock,
    keyring: infra.keyring,
    audit,
    mailer,
    notifications,
    sharedState: infra.sharedState,
    publicUrl: config.publicUrl,
    events,
    termsVersions: termsVersions.port,
  });
  // ── organizations
  const { organizations } = await use(organizationsModule, {
    db,
    clock,
    keyring: infra.keyring,
    audit,
    mailer,
    identity,
    publicUrl: config.publicUrl,
    events,
  });
  // ── catalog
  // Emits catalog.product_lifecycle (subscriber: apps); a changed plan is announced to every gateway.
  const { catalog } = await use(catalogModule, {
    db,
    clock,
    provider: config.gatewayProvider,
    // Base URLs shown to developers (API documents, new apps, try-it) are the gateway's address.
    publicUrl: config.gatewayPublicUrl,
    invalidate: (m) => infra.sharedState.publish(CACHE_INVALIDATE_CHANNEL, JSON.stringify(m)),
    events,
    audit,
  });
  // ── terms
  // Subscribes to identity.signed_up and organizations.created; emits terms.organization_terminated
  // (subscribers in module order: organizations, apps, sandbox). Its worker runs due terminations.
  const {
    terms,
    termsGate,
    terminations,
    termsEnforcer,
    termsVersions: termsInForce,
  } = await use(termsModule, {
    db,
    clock,
    audit,
    notifications,
    mailer,
    orgAccess: organizations,
    users,
    events,
    sharedState: infra.sharedState,
    log,
    publicUrl: config.publicUrl,
  });
  // Sign-up records the general terms version in force (identity's late port `termsVersions`).
  termsVersions.provide(termsInForce);
  // ── apps
  // Subscribes to catalog.product_lifecycle and terms.organization_terminated. Each app's usage
  // summary reads the gateway's usage records: the gateway is built below, hence a late port.
  const appsUsage = latePort<AppsUsageReader>('usage');
  // Enforcement throttles lower the effective limits; the enforcement module is built below.
  const appsThrottles = latePort<ThrottleSource>('throttles');
  // Production requests wait for the product's conformance suite (the conformance module, below).
  const productionGate = latePort<Pick<ConformanceService, 'check'>>('productionGate');
  const operatorAppStatus = latePort<OperatorAppStatus>('operatorStatus');
  const { apps, appUsage } = await use(appsModule, {
    db,
    clock,
    keyring: infra.keyring,
    sharedState: infra.sharedState,
    catalog,
    orgAccess: organizations,
    termsGate,
    audit,
    notifications,
    mailer,
    users,
    publicUrl: config.publicUrl,
    usage: appsUsage.port,
    throttles: appsThrottles.port,
    productionGate: productionGate.port,
    operatorStatus: operatorAppStatus.port,
  });
  // ── oauth
  // Tokens, and the gateway's directory of credentials and entitlements; the OAuth2 endpoints are
  // served (its plugin) only in the roles that serve the gateway.
  const { oauth, gatewayDirectory } = await use(oauthModule, {
    db,
    clock,
    keyring: infra.keyring,
    sharedState: infra.sharedState,
    apps,
    orgAccess: organizations,
    audit,
    events,
    endpoints: roleSurfaces[config.role].gateway
      ? { provider: config.gatewayProvider, publicUrl: config.publicUrl, errors: errorCatalogue }
      : null,
  });
  // ── sandbox
  const { sandbox } = await use(sandboxModule, {
    db,
    clock,
    keyring: infra.keyring,
    audit,
    dataDir: config.dataDir,
    timeoutDelayMs: config.sandboxTimeoutMs ?? (config.nodeEnv === 'test' ? 100 : 2000),
    orgAccess: organizations,
    directory: gatewayDirectory,
  });
  // ── upstreams
  // The production back-end of each product; every change is announced to the gateways.
  const { upstreams } = await use(upstreamsModule, {
    db,
    clock,
    keyring: infra.keyring,
    audit,
    sharedState: infra.sharedState,
    productExists: async (slug) => (await catalog.findProduct(slug)) !== null,
  });
  // ── gateway
  // Each role serves only what it names (config.ts `roleSurfaces`, docs/operations.md "Roles").
  const serves = roleSurfaces[config.role];
  // The pipeline under /{provider}/{catalog}/… and its usage recorder in the roles all and gateway;
  // the read side of the usage records serves the portal and the apps module in every role.
  const {
    gateway,
    usage: gatewayUsage,
    readiness: gatewayReadiness,
  } = await use(gatewayModule, {
    serves: serves.gateway,
    orgAccess: organizations,
    provider: config.gatewayProvider,
    publicUrl: config.publicUrl,
    operations: sandbox.operations,
    outcomeRules: sandboxOutcomeRules,
    directory: gatewayDirectory,
    terms: termsEnforcer,
    sharedState: infra.sharedState,
    keyring: infra.keyring,
    clock,
    log,
    db,
    dialect: database.dialect,
    usageWorkerDatabase: config.usageWriter === 'worker' ? database.location : null,
    usageFlushMs: config.usageFlushMs,
    leanHttp: config.gatewayHttp === 'lean',
    logRetentionDays: config.requestLogRetentionDays,
    usageRetention: config.usageRetention,
    logBodiesPerAppPerSecond: config.requestLogBodiesPerAppPerSecond,
    limitLeaseMax: config.rateLimitLeaseMax,
    metrics: infra.metrics,
    upstreamDirectory: upstreams,
    edge: edge.count,
  });
  // The apps module's usage summaries read the gateway's usage records (its late port `usage`).
  appsUsage.provide(gatewayUsage);
  // ── enforcement
  // Incidents, actions and policies; actions are carried out by apps, organizations, terms and
  // oauth. Emits enforcement.action_taken. Its throttles reach the apps module's effective limits.
  const { enforcement, throttles, incidentReporter } = await use(enforcementModule, {
    db,
    clock,
    audit,
    mailer,
    notifications,
    users,
    orgs: organizations,
    apps,
    tokens: oauth,
    terminations,
    events,
    publicUrl: config.publicUrl,
  });
  appsThrottles.provide(throttles);
  // An operator's suspension through the apps API is an enforcement action: the admins are told why.
  operatorAppStatus.provide({
    async setAppStatus(appId, status, reason, ctx) {
      const kind = status === 'suspended' ? 'suspend_app' : 'reinstate';
      await enforcement.actions.take(
        { kind, appId, reasonCategory: 'other', reason },
        { by: 'operator', ctx },
      );
    },
  });
  // ── detectors
  // Off the serving path: every gateway call's record (the call-record feed, where a gateway is
  // served) and failed credential checks become signals; findings become incidents.
  const { detectors } = await use(detectorsModule, {
    db,
    clock,
    audit,
    incidents: incidentReporter,
    callRecords: gateway?.callRecords ?? null,
    edge,
  });
  // ── conformance
  // Off the serving path: every sandbox call's record (the call-record feed) is evidence for the
  // certification suites; the apps module asks its gate before recording a production request.
  const { conformance } = await use(conformanceModule, {
    db,
    clock,
    audit,
    operations: sandbox.operations,
    products: catalog,
    apps,
    orgAccess: organizations,
    callRecords: gateway?.callRecords ?? null,
  });
  productionGate.provide(conformance);
  // ── regulator
  // Reads other modules' tables read-only for export bundles; its worker builds them.
  const { regulator } = await use(regulatorModule, {
    db,
    clock,
    keyring: infra.keyring,
    audit,
    mailer,
    notifications,
    orgs: organizations,
    publicUrl: config.publicUrl,
    log,
  });
  const services: Services = {
    sandbox,
    catalog,
    apps,
    oauth,
    appUsage,
    gatewayDirectory,
    termsGate,
    terms,
    terminations,
    termsEnforcer,
    gateway,
    usage: gatewayUsage,
    enforcement,
    detectors,
    regulator,
    conformance,
    upstreams,
    audit,
    auditChain,
    mailer,
    notifications,
    identity,
    organizations,
    orgAccess: organizations,
    users,
  };

  // Routes
  const routes: AnyRoute[] = [
    // The error-code reference lists every registered code: all modules are imported by now.
    ...errorReferenceRoutes(errorCatalogue),
    ...moduleRoutes,
  ];
  // Non-portal HTTP surfaces (OAuth2 endpoints, the gateway) under /{provider}/{catalog}, open to
  // the portal's origin (CORS): its try-it console calls GATEWAY_PUBLIC_URL, maybe another address.
  // CORS is registered first, before the surfaces it covers; then the modules' surfaces in building
  // order (the OAuth2 endpoints before the gateway).
  const plugins: Array<(app: FastifyInstance) => Promise<void> | void> = [];
  if (serves.gateway)
    plugins.push(gatewayCors({ allowOrigin: config.publicUrl, prefix: `/${config.gatewayProvider}/` }));
  plugins.push(...built.flatMap((b) => b.instance.plugins ?? []));

  const readiness: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
  if (infra.sharedState.kind === 'redis')
    readiness.push({ name: 'redis', check: () => infra.sharedState.ping() });
  if (gatewayReadiness) readiness.push(gatewayReadiness);
  // Named in /readyz's body, never making it 503 (one upstream's outage must not drain every gateway).
  if (gateway?.upstreamReadiness) readiness.push(gateway.upstreamReadiness);

  const app = await buildApp({
    config,
    errors: errorCatalogue,
    sharedState: infra.sharedState,
    clock,
    log,
    metrics: infra.metrics,
    routes: serves.portal ? routes : [],
    authenticate,
    readiness,
    plugins,
    webDir: serves.portal ? resolve(import.meta.dirname, '..', 'web', 'dist') : undefined,
    version,
    edge: edge.count,
  });
  // Modules' background work runs with the server in the roles that do background work.
  if (config.role === 'all' || config.role === 'worker') {
    const workers = built.flatMap((b) => (b.instance.worker ? [b.instance.worker] : []));
    app.addHook('onListen', async () => {
      for (const w of workers) await w.start();
    });
    app.addHook('onClose', async () => {
      for (const w of workers) await w.stop();
    });
  }

  return {
    ...infra,
    services,
    events,
    edge,
    app,
    async shutdown() {
      // Modules release what they hold in reverse order of building (buffers before the pools close).
      for (const b of [...built].reverse()) await b.instance.close?.();
      await infra.sharedState.close();
      await database.close();
    },
  };
}

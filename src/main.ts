import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ReadinessCheck } from './app.ts';
import { type Config, roleSurfaces } from './config.ts';
import { AppUsageService } from './modules/apps/app-usage.ts';
import { AppsService } from './modules/apps/apps-service.ts';
import { AppsGatewayDirectory } from './modules/apps/gateway-directory.ts';
import { PortalIdempotency } from './modules/apps/portal-idempotency.ts';
import { appsRoutes } from './modules/apps/routes.ts';
import { type AuditLog, auditModule } from './modules/audit/index.ts';
import { CatalogService } from './modules/catalog/catalog-service.ts';
import { catalogRoutes } from './modules/catalog/routes.ts';
import { type Gateway, gatewayModule, type UsageReader } from './modules/gateway/index.ts';
import { IdentityService } from './modules/identity/identity-service.ts';
import { identityRoutes } from './modules/identity/routes.ts';
import { sessionAuthenticator } from './modules/identity/session-authenticator.ts';
import {
  devMailboxMode,
  type Mailer,
  type NotificationService,
  notificationsModule,
} from './modules/notifications/index.ts';
import { oauthPlugin } from './modules/oauth/oauth-plugin.ts';
import { OAuthService } from './modules/oauth/oauth-service.ts';
import { OrganizationService } from './modules/organizations/organization-service.ts';
import { organizationRoutes } from './modules/organizations/routes.ts';
import { type Sandbox, sandboxModule } from './modules/sandbox/index.ts';
import { termsRoutes } from './modules/terms/routes.ts';
import type { TerminationService } from './modules/terms/termination-service.ts';
import type { CachedTermsEnforcer } from './modules/terms/terms-enforcer.ts';
import { createTermsModule, registerTermsWorker } from './modules/terms/terms-module.ts';
import type { TermsService } from './modules/terms/terms-service.ts';
import { allMigrations, errorCatalogue } from './modules.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import { migrateToLatest } from './platform/db/migrator.ts';
import { EventBus } from './platform/events.ts';
import { keepPrimitivePrototypesFast } from './platform/fast-prototypes.ts';
import { gatewayCors } from './platform/http/cors.ts';
import { errorReferenceRoutes } from './platform/http/error-reference.ts';
import type { AnyRoute, Authenticator } from './platform/http/route.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { createKeyring, type Keyring, loadMasterKey } from './platform/master-key.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import type { ModuleDescriptor, ModuleInstance } from './platform/module.ts';
import { CACHE_INVALIDATE_CHANNEL, type GatewayDirectory, type TermsGate } from './platform/ports.ts';
import { MemorySharedState } from './platform/shared-state/memory-shared-state.ts';
import { RedisSharedState } from './platform/shared-state/redis-shared-state.ts';
import type { SharedState } from './platform/shared-state/shared-state.ts';
import { version } from './version.ts';

/**
 * The composition root: config → infrastructure → stores → services → app. The only place that
 * picks SQLite or PostgreSQL, memory or Redis, the real or a fake clock. Tests call
 * `createSystem` with their own database, shared state and clock.
 */

export { allMigrations, errorCatalogue };

export type Infrastructure = {
  config: Config;
  log: Logger;
  metrics: Metrics;
  database: Database;
  sharedState: SharedState;
  clock: Clock;
  keyring: Keyring;
};

type Services = {
  /** The simulated network: operations for the gateway, test data and reset for the portal. */
  sandbox: Sandbox;
  audit: AuditLog;
  mailer: Mailer;
  notifications: NotificationService;
  identity: IdentityService;
  organizations: OrganizationService;
  /** OrgAccess (ports.ts) for other modules: membership and role checks. */
  orgAccess: OrganizationService;
  /** UserDirectory (ports.ts) for other modules. */
  users: IdentityService;
  catalog: CatalogService;
  apps: AppsService;
  oauth: OAuthService;
  appUsage: AppUsageService;
  /** GatewayDirectory (ports.ts): credentials and entitlements for the gateway. */
  gatewayDirectory: GatewayDirectory;
  /** TermsGate (ports.ts): has the organisation accepted the product's additional terms? */
  termsGate: TermsGate;
  terms: TermsService;
  /** Organisation terminations; modules add their OrgTerminationHandler to `terminations.handlers`. */
  terminations: TerminationService;
  /** TermsEnforcer (ports.ts) for the gateway. */
  termsEnforcer: CachedTermsEnforcer;
  /** The gateway (null in the portal and worker roles). */
  gateway: Gateway | null;
  /** Usage records (read side) for the portal and the apps module. */
  usage: UsageReader;
};

export type System = Infrastructure & {
  services: Services;
  /** Cross-module events (platform/events.ts): who subscribes to what, for tests and docs. */
  events: EventBus;
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
    database: overrides.database ?? openDatabase(config),
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

  // Services
  // Modules, in dependency order. Each section builds one module from its face (index.ts) with
  // the ports of the modules above it; `events` carries cross-module effects (platform/events.ts).
  const events = new EventBus();
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
  const { audit } = await use(auditModule, { db, clock });
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
  const identity = new IdentityService({
    db,
    clock,
    keyring: infra.keyring,
    audit,
    mailer,
    sharedState: infra.sharedState,
    publicUrl: config.publicUrl,
    notifications,
  });
  const organizations = new OrganizationService({
    db,
    clock,
    keyring: infra.keyring,
    audit,
    mailer,
    identity,
    publicUrl: config.publicUrl,
  });
  const catalog = new CatalogService({
    db,
    clock,
    provider: config.gatewayProvider,
    // Base URLs shown to developers (API documents, new apps, try-it) are the gateway's address.
    publicUrl: config.gatewayPublicUrl,
    invalidate: (m) => infra.sharedState.publish(CACHE_INVALIDATE_CHANNEL, JSON.stringify(m)),
  });
  const termsModule = createTermsModule({
    db,
    clock,
    audit,
    notifications,
    mailer,
    orgAccess: organizations,
    users: identity,
    log,
    publicUrl: config.publicUrl,
  });
  await termsModule.enforcer.connect(infra.sharedState);
  // Sign-up records the general terms version in force and leaves proof in the terms module.
  identity.setTermsVersionProvider(async () => {
    const applicable = await termsModule.terms.getApplicableTerms(null);
    return applicable.documents.find((d) => d.kind === 'general')?.inForce?.id ?? null;
  });
  identity.onSignedUp((userId, meta) => termsModule.terms.recordSignUpAcceptance(userId, meta));
  organizations.onOrganizationCreated((creator, orgId, meta) =>
    termsModule.terms.acceptInForce(creator, { onBehalfOf: 'organization', orgId }, meta),
  );
  termsModule.terminations.handlers.push(organizations);
  const termsGate: TermsGate = termsModule.terms;
  const apps = new AppsService({
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
    users: identity,
    publicUrl: config.publicUrl,
  });
  termsModule.terminations.handlers.push(apps);
  const oauth = new OAuthService({
    db,
    clock,
    keyring: infra.keyring,
    sharedState: infra.sharedState,
    apps,
    orgAccess: organizations,
    audit,
  });
  const gatewayDirectory = new AppsGatewayDirectory(apps, oauth);
  // ── sandbox
  const { sandbox } = await use(sandboxModule, {
    db,
    clock,
    keyring: infra.keyring,
    audit,
    dataDir: config.dataDir,
    timeoutDelayMs: config.nodeEnv === 'test' ? 100 : 2000,
    orgAccess: organizations,
    directory: gatewayDirectory,
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
    directory: gatewayDirectory,
    terms: termsModule.enforcer,
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
    logBodiesPerAppPerSecond: config.requestLogBodiesPerAppPerSecond,
    limitLeaseMax: config.rateLimitLeaseMax,
    metrics: infra.metrics,
  });
  const appUsage = new AppUsageService({ apps, catalog, usage: gatewayUsage, clock });
  const services: Services = {
    sandbox,
    catalog,
    apps,
    oauth,
    appUsage,
    gatewayDirectory,
    termsGate,
    terms: termsModule.terms,
    terminations: termsModule.terminations,
    termsEnforcer: termsModule.enforcer,
    gateway,
    usage: gatewayUsage,
    audit,
    mailer,
    notifications,
    identity,
    organizations,
    orgAccess: organizations,
    users: identity,
  };

  // Who is calling: session cookie (+ CSRF token on unsafe methods) or a bearer session token.
  const authenticate: Authenticator = sessionAuthenticator(identity);

  // Routes
  const routes: AnyRoute[] = [
    // The error-code reference lists every registered code: all modules are imported by now.
    ...errorReferenceRoutes(errorCatalogue),
    ...moduleRoutes,
    ...identityRoutes(identity),
    ...organizationRoutes(organizations),
    ...catalogRoutes(catalog),
    ...appsRoutes({
      apps,
      catalog,
      orgAccess: organizations,
      usage: appUsage,
      idempotency: new PortalIdempotency(infra.sharedState, infra.keyring),
    }),
    ...termsRoutes(termsModule),
  ];
  // Non-portal HTTP surfaces (OAuth2 endpoints, the gateway) under /{provider}/{catalog}, open to
  // the portal's origin (CORS): its try-it console calls GATEWAY_PUBLIC_URL, maybe another address.
  // CORS is registered first, before the surfaces it covers; then the modules' surfaces in building
  // order (the OAuth2 endpoints before the gateway).
  const plugins: Array<(app: FastifyInstance) => Promise<void> | void> = [];
  if (serves.gateway)
    plugins.push(gatewayCors({ allowOrigin: config.publicUrl, prefix: `/${config.gatewayProvider}/` }));
  // TODO(oauth): from the oauth module's `plugins` once main.ts builds it with use().
  if (gateway)
    plugins.push(
      oauthPlugin({
        oauth,
        provider: config.gatewayProvider,
        publicUrl: config.publicUrl,
        errors: errorCatalogue,
      }),
    );
  plugins.push(...built.flatMap((b) => b.instance.plugins ?? []));

  const readiness: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
  if (infra.sharedState.kind === 'redis')
    readiness.push({ name: 'redis', check: () => infra.sharedState.ping() });
  if (gatewayReadiness) readiness.push(gatewayReadiness);

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
  });
  if (config.role === 'all' || config.role === 'worker') registerTermsWorker(app, termsModule, { log });
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
    app,
    async shutdown() {
      // Modules release what they hold in reverse order of building (buffers before the pools close).
      for (const b of [...built].reverse()) await b.instance.close?.();
      await infra.sharedState.close();
      await database.close();
    },
  };
}

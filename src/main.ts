import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type ReadinessCheck } from './app.ts';
import type { Config } from './config.ts';
import { AuditService } from './modules/audit/audit-service.ts';
import { migrations as auditMigrations } from './modules/audit/migrations.ts';
import { auditRoutes } from './modules/audit/routes.ts';
import { Mailer } from './modules/notifications/mailer.ts';
import { migrations as notificationMigrations } from './modules/notifications/migrations.ts';
import { NotificationService } from './modules/notifications/notification-service.ts';
import { notificationRoutes } from './modules/notifications/routes.ts';
import { type Clock, systemClock } from './platform/clock.ts';
import { type Database, openDatabase } from './platform/db/database.ts';
import { type MigrationSet, migrateToLatest } from './platform/db/migrator.ts';
import type { AnyRoute, Authenticator } from './platform/http/route.ts';
import { createLogger, type Logger } from './platform/logger.ts';
import { createKeyring, type Keyring, loadMasterKey } from './platform/master-key.ts';
import { createMetrics, type Metrics } from './platform/metrics.ts';
import { MemorySharedState } from './platform/shared-state/memory-shared-state.ts';
import { RedisSharedState } from './platform/shared-state/redis-shared-state.ts';
import type { SharedState } from './platform/shared-state/shared-state.ts';
import { version } from './version.ts';

/**
 * The composition root: config → infrastructure → stores → services → app. The only place that
 * picks SQLite or PostgreSQL, memory or Redis, the real or a fake clock. Tests call
 * `createSystem` with their own database, shared state and clock.
 */

/** Every module's migrations, in one list (order inside does not matter: names carry the order). */
export const allMigrations: MigrationSet[] = [auditMigrations, notificationMigrations];

export type Infrastructure = {
  config: Config;
  log: Logger;
  metrics: Metrics;
  database: Database;
  sharedState: SharedState;
  clock: Clock;
  keyring: Keyring;
};

export type Services = {
  audit: AuditService;
  mailer: Mailer;
  notifications: NotificationService;
};

export type System = Infrastructure & {
  services: Services;
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
  if (opts.migrate !== false) await migrate(infra);
  const db = database.db;

  // Services
  const audit = new AuditService(db, clock);
  const mailer = new Mailer({ db, clock, smtpUrl: config.smtpUrl, from: config.mailFrom, log });
  const notifications = new NotificationService(db, clock);
  const services: Services = { audit, mailer, notifications };

  // Who is calling: replaced by the identity module's session authenticator.
  const authenticate: Authenticator = async () => null;

  // Routes
  const routes: AnyRoute[] = [
    ...auditRoutes(audit),
    ...notificationRoutes({ mailer, notifications, devMailbox: config.nodeEnv !== 'production' }),
  ];

  const readiness: ReadinessCheck[] = [{ name: 'database', check: () => database.ping() }];
  if (infra.sharedState.kind === 'redis')
    readiness.push({ name: 'redis', check: () => infra.sharedState.ping() });

  const app = await buildApp({
    config,
    sharedState: infra.sharedState,
    clock,
    log,
    metrics: infra.metrics,
    routes,
    authenticate,
    readiness,
    webDir: resolve(import.meta.dirname, '..', 'web', 'dist'),
    version,
  });

  return {
    ...infra,
    services,
    app,
    async shutdown() {
      await mailer.drain();
      await infra.sharedState.close();
      await database.close();
    },
  };
}

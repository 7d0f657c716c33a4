import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { defineModule } from '../../platform/module.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { UserDirectory } from '../identity/index.ts';
import type { Mailer, NotificationService } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import type { TermsGate } from '../terms/index.ts';
import { appsCli } from './admin-commands.ts';
import { AppUsageService, type UsageReader } from './app-usage.ts';
import { AppsService } from './apps-service.ts';
import { appsContracts } from './contracts.ts';
import { appsErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import type { OperatorAppStatus } from './operator-status.ts';
import { PortalIdempotency } from './portal-idempotency.ts';
import { productionContracts } from './production-contracts.ts';
import { appsRoutes } from './routes.ts';
import type { ProductionGate } from './service-deps.ts';
import type { AppsTables } from './tables.ts';
import type { ThrottleSource } from './throttle-source.ts';

/**
 * Apps and their credentials, subscriptions to plans, production access, limit-increase requests
 * and each app's usage summary. Every change a gateway may have cached is announced on the
 * shared-state channel `cache-invalidate`. Reacts to `catalog.product_lifecycle` (notifies and ends
 * subscriptions) and to `terms.organization_terminated` (revokes the organisation's apps).
 */
export type { AppUsageService, UsageReader } from './app-usage.ts';
export type { AppsService } from './apps-service.ts';
export { appsErrors } from './errors.ts';
export type { OperatorAppStatus } from './operator-status.ts';
/** The apps module's tables (the root's typed database includes them). */
export { type AppsTables, appsTables } from './tables.ts';
export type { Throttle, ThrottleSource } from './throttle-source.ts';

/**
 * What the oauth module asks of apps: credentials, subscriptions, entitlements, and telling
 * gateways to drop what they cached.
 */
export type AppDirectory = Pick<
  AppsService,
  | 'findAppByClientId'
  | 'findAppById'
  | 'matchClientSecret'
  | 'isSecretActive'
  | 'hasActiveSubscription'
  | 'entitlement'
  | 'invalidate'
>;

export type AppsDeps = {
  db: Kysely<AppsTables>;
  clock: Clock;
  keyring: Keyring;
  sharedState: SharedState;
  catalog: Catalog;
  orgAccess: OrgAccess;
  /** Has the organisation accepted a product's additional terms (the terms module)? */
  termsGate: TermsGate;
  audit: AuditLog;
  notifications: NotificationService;
  mailer: Mailer;
  users: UserDirectory;
  /** The portal's public URL: links in e-mails are absolute. */
  publicUrl: string;
  /**
   * The gateway's usage records (read side), for each app's usage summary. The gateway is built
   * after this module: main.ts hands a late port and provides it once the gateway exists.
   */
  usage: UsageReader;
  /**
   * Enforcement throttles (the enforcement module, built after this one: a late port), which the
   * effective limits apply as the lower of plan and throttle.
   */
  throttles?: ThrottleSource;
  /** May an app ask for production access to a product (the conformance gate)? Absent = allowed. */
  productionGate?: ProductionGate;
  /** Operators' suspensions through the apps API, as enforcement actions (a late port). */
  operatorStatus?: OperatorAppStatus;
};

export type AppsPorts = {
  /** The service itself (the CLI, the oauth module and tests use it). */
  apps: AppsService;
  /** Each app's usage summary (getAppUsage). */
  appUsage: AppUsageService;
};

export const appsModule = defineModule<AppsDeps, AppsPorts>({
  name: 'apps',
  migrations,
  errors: appsErrors,
  contracts: { ...appsContracts, ...productionContracts },
  subscribes: ['catalog.product_lifecycle', 'terms.organization_terminated'],
  cli: appsCli,
  create(deps) {
    const apps = new AppsService(deps);
    const appUsage = new AppUsageService({
      apps,
      catalog: deps.catalog,
      usage: deps.usage,
      clock: deps.clock,
    });
    return {
      ports: { apps, appUsage },
      routes: appsRoutes({
        apps,
        catalog: deps.catalog,
        orgAccess: deps.orgAccess,
        usage: appUsage,
        idempotency: new PortalIdempotency(deps.sharedState, deps.keyring),
        operatorStatus: deps.operatorStatus,
      }),
      on: {
        'catalog.product_lifecycle': (e) => apps.onProductLifecycle(e),
        'terms.organization_terminated': ({ orgId, reason }) => apps.onOrganizationTerminated(orgId, reason),
      },
    };
  },
});

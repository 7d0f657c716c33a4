import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { EventEmitter } from '../../platform/events.ts';
import { defineModule } from '../../platform/module.ts';
import type { CacheInvalidation } from '../../platform/shared-state/cache-invalidation.ts';
import type { AuditLog } from '../audit/index.ts';
import { CatalogService } from './catalog-service.ts';
import { catalogContracts } from './contracts.ts';
import { catalogErrors } from './errors.ts';
// The events this module emits (their payload types join platform's DomainEvents).
import './events.ts';
import { migrations } from './migrations.ts';
import { catalogRoutes } from './routes.ts';
import type { CatalogTables } from './tables.ts';

/** The base catalogue's seed (the root runs `catalogSeeder`; tests seed with `seedCatalog`). */
export {
  catalogSeeder,
  DEFAULT_PLAN_NAME,
  GROWTH_PLAN_NAME,
  PARTNER_PLAN_NAME,
  seedCatalog,
  shellProducts,
} from './catalog-seed.ts';
/**
 * The API catalogue: catalogs, products (API versions and their operations) and plans. Reading
 * published products is public; operators change them. Other modules read plans and products
 * through the `Catalog` port; a product's publication, deprecation or retirement is the event
 * `catalog.product_lifecycle` (events.ts), emitted after the change is stored.
 */
export type { CatalogName, CatalogService, LifecycleEvent, Plan, RatePeriod } from './catalog-service.ts';
export {
  CATALOGS,
  PERIOD_MS,
  parseInput,
  RATE_PERIODS,
} from './catalog-service.ts';
export { catalogErrors } from './errors.ts';
/** The catalogue's tables (the root's typed database includes them). */
export { type CatalogTables, catalogTables } from './tables.ts';

/** What other modules may use: the catalogue service (reads, base URLs; operators' changes). */
export type Catalog = CatalogService;

export type CatalogDeps = {
  db: Kysely<CatalogTables>;
  clock: Clock;
  /** The provider name in every gateway path (/{provider}/{catalog}/…). */
  provider: string;
  /** The gateway's public base URL: the base URLs shown to developers (API documents, new apps). */
  publicUrl: string;
  /** Tells every gateway a plan changed (main.ts publishes on the shared-state channel). */
  invalidate?: (m: CacheInvalidation) => Promise<void>;
  /** Carries `catalog.product_lifecycle`. */
  events: EventEmitter;
  /** Where the operators' catalogue changes are recorded. */
  audit: AuditLog;
};
export type CatalogPorts = { catalog: Catalog };

export const catalogModule = defineModule<CatalogDeps, CatalogPorts>({
  name: 'catalog',
  migrations,
  errors: catalogErrors,
  contracts: catalogContracts,
  subscribes: [],
  create(deps) {
    const catalog = new CatalogService(deps);
    return { ports: { catalog }, routes: catalogRoutes(catalog, deps.audit) };
  },
});

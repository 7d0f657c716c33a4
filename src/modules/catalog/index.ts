import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import { defineModule } from '../../platform/module.ts';
import type { CacheInvalidation } from '../../platform/ports.ts';
import { CatalogService } from './catalog-service.ts';
import { catalogContracts } from './contracts.ts';
import { catalogErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { catalogRoutes } from './routes.ts';

/**
 * The API catalogue: catalogs, products (API versions and their operations) and plans. Reading
 * published products is public; operators change them. Other modules read plans and products
 * through the `Catalog` port and learn of lifecycle changes (publish, deprecate, retire) from it.
 */
export type {
  CatalogName,
  LifecycleEvent,
  Operation,
  Plan,
  PlanInput,
  Product,
  ProductStatus,
  RatePeriod,
} from './catalog-service.ts';
export { CATALOGS, PERIOD_MS, parseInput, RATE_PERIODS } from './catalog-service.ts';
export { catalogErrors } from './errors.ts';

/** What other modules may use: the catalogue service (reads, lifecycle listeners, base URLs). */
export type Catalog = CatalogService;

export type CatalogDeps = {
  db: Kysely<any>;
  clock: Clock;
  /** The provider name in every gateway path (/{provider}/{catalog}/…). */
  provider: string;
  /** The gateway's public base URL: the base URLs shown to developers (API documents, new apps). */
  publicUrl: string;
  /** Tells every gateway a plan changed (main.ts publishes on the shared-state channel). */
  invalidate?: (m: CacheInvalidation) => Promise<void>;
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
    return { ports: { catalog }, routes: catalogRoutes(catalog) };
  },
});

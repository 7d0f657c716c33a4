import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { type SharedTransaction, shareTransaction } from '../../platform/db/shared-transaction.ts';
import type { CatalogTables } from './tables.ts';

/**
 * The catalogue's SQL, and the only file of the module with any: products, their API documents and
 * plans. Typed to the catalogue's own tables. `transaction` runs a unit of work on a store bound
 * to one transaction (the service keeps its rules; this file keeps the queries).
 */
export type ProductRow = Selectable<CatalogTables['catalog_products']>;
export type ApiRow = Selectable<CatalogTables['catalog_apis']>;
export type PlanRow = Selectable<CatalogTables['catalog_plans']>;
/** A plan with its product's slug. */
export type PlanWithSlugRow = PlanRow & { product_slug: string };

export class CatalogStore {
  readonly #db: Kysely<CatalogTables>;

  constructor(db: Kysely<CatalogTables>) {
    this.#db = db;
  }

  /** Runs `fn` on a store bound to one transaction (committed when `fn` resolves). */
  transaction<R>(fn: (store: CatalogStore, tx: SharedTransaction) => Promise<R>): Promise<R> {
    return this.#db.transaction().execute((trx) => fn(new CatalogStore(trx), shareTransaction(trx)));
  }

  // ---------------------------------------------------------------- products
  /** Products by sort and slug; only published and deprecated ones unless `includeAll`. */
  async listProducts(includeAll: boolean): Promise<ProductRow[]> {
    let q = this.#db.selectFrom('catalog_products').selectAll();
    if (!includeAll) q = q.where('status', 'in', ['published', 'deprecated']);
    return q.orderBy('sort').orderBy('slug').execute();
  }

  findProductBySlug(slug: string): Promise<ProductRow | undefined> {
    return this.#db.selectFrom('catalog_products').selectAll().where('slug', '=', slug).executeTakeFirst();
  }

  async insertProduct(values: Insertable<CatalogTables['catalog_products']>): Promise<void> {
    await this.#db.insertInto('catalog_products').values(values).execute();
  }

  async updateProduct(id: string, set: Updateable<CatalogTables['catalog_products']>): Promise<void> {
    await this.#db.updateTable('catalog_products').set(set).where('id', '=', id).execute();
  }

  // ---------------------------------------------------------------- API documents
  findApi(apiId: string, productId: string): Promise<ApiRow | undefined> {
    return this.#db
      .selectFrom('catalog_apis')
      .selectAll()
      .where('id', '=', apiId)
      .where('product_id', '=', productId)
      .executeTakeFirst();
  }

  /** A product's API documents by name and version. */
  apisOf(productId: string): Promise<ApiRow[]> {
    return this.#db
      .selectFrom('catalog_apis')
      .selectAll()
      .where('product_id', '=', productId)
      .orderBy('name')
      .orderBy('version')
      .execute();
  }

  /** The id of a product's API of that name and version, if any. */
  findApiId(productId: string, name: string, version: string): Promise<{ id: string } | undefined> {
    return this.#db
      .selectFrom('catalog_apis')
      .select('id')
      .where('product_id', '=', productId)
      .where('name', '=', name)
      .where('version', '=', version)
      .executeTakeFirst();
  }

  async updateApi(id: string, set: Updateable<CatalogTables['catalog_apis']>): Promise<void> {
    await this.#db.updateTable('catalog_apis').set(set).where('id', '=', id).execute();
  }

  async insertApi(values: Insertable<CatalogTables['catalog_apis']>): Promise<void> {
    await this.#db.insertInto('catalog_apis').values(values).execute();
  }

  // ---------------------------------------------------------------- plans
  /** A product's plans by sort and name. */
  plansOf(productId: string): Promise<PlanRow[]> {
    return this.#db
      .selectFrom('catalog_plans')
      .selectAll()
      .where('product_id', '=', productId)
      .orderBy('sort')
      .orderBy('name')
      .execute();
  }

  findPlan(planId: string): Promise<PlanWithSlugRow | undefined> {
    return this.#db
      .selectFrom('catalog_plans as p')
      .innerJoin('catalog_products as pr', 'pr.id', 'p.product_id')
      .selectAll('p')
      .select(['pr.slug as product_slug'])
      .where('p.id', '=', planId)
      .executeTakeFirst();
  }

  findPlanByName(productSlug: string, planName: string): Promise<PlanWithSlugRow | undefined> {
    return this.#db
      .selectFrom('catalog_plans as p')
      .innerJoin('catalog_products as pr', 'pr.id', 'p.product_id')
      .selectAll('p')
      .select(['pr.slug as product_slug'])
      .where('pr.slug', '=', productSlug)
      .where('p.name', '=', planName)
      .executeTakeFirst();
  }

  /** Throws the engine's unique violation when the product has a plan of that name. */
  async insertPlan(values: Insertable<CatalogTables['catalog_plans']>): Promise<void> {
    await this.#db.insertInto('catalog_plans').values(values).execute();
  }

  /** Throws the engine's unique violation when the product has a plan of the new name. */
  async updatePlan(id: string, set: Updateable<CatalogTables['catalog_plans']>): Promise<void> {
    await this.#db.updateTable('catalog_plans').set(set).where('id', '=', id).execute();
  }
}

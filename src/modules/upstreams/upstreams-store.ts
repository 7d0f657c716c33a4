import type { Kysely, Selectable } from 'kysely';
import type { UpstreamsTables } from './tables.ts';

export type UpstreamRow = Selectable<UpstreamsTables['upstreams']>;

/** The upstreams module's SQL (the only file of the module with any): one row per product. */
export class UpstreamsStore {
  readonly #db: Kysely<UpstreamsTables>;
  constructor(db: Kysely<UpstreamsTables>) {
    this.#db = db;
  }

  list(): Promise<UpstreamRow[]> {
    return this.#db.selectFrom('upstreams').selectAll().orderBy('product_slug').execute();
  }

  async find(productSlug: string): Promise<UpstreamRow | null> {
    const row = await this.#db
      .selectFrom('upstreams')
      .selectAll()
      .where('product_slug', '=', productSlug)
      .executeTakeFirst();
    return row ?? null;
  }

  /** Inserts or replaces one product's upstream. */
  async save(row: UpstreamRow): Promise<void> {
    const { product_slug: _, ...rest } = row;
    await this.#db
      .insertInto('upstreams')
      .values(row)
      .onConflict((oc) => oc.column('product_slug').doUpdateSet(rest))
      .execute();
  }
}

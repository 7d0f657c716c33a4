import type { Kysely, Selectable } from 'kysely';
import type { ObservedCall } from './observed-call.ts';
import type { ConformanceTables } from './tables.ts';

export type SuiteRow = Selectable<ConformanceTables['conformance_suites']>;
export type PassRow = Selectable<ConformanceTables['conformance_passes']>;
export type CallRow = { id: string; call: ObservedCall };

/** The conformance module's SQL (the only file of the module with any). */
export class ConformanceStore {
  readonly #db: Kysely<ConformanceTables>;
  constructor(db: Kysely<ConformanceTables>) {
    this.#db = db;
  }

  /** Runs `fn` on a store bound to one transaction (a batch of the feed: its calls and passes). */
  transaction<R>(fn: (store: ConformanceStore) => Promise<R>): Promise<R> {
    return this.#db.transaction().execute((trx) => fn(new ConformanceStore(trx)));
  }

  // ---------------------------------------------------------------- suites
  listSuites(): Promise<SuiteRow[]> {
    return this.#db.selectFrom('conformance_suites').selectAll().orderBy('product_slug').execute();
  }

  findSuite(productSlug: string): Promise<SuiteRow | undefined> {
    return this.#db
      .selectFrom('conformance_suites')
      .selectAll()
      .where('product_slug', '=', productSlug)
      .executeTakeFirst();
  }

  /** Writes a suite only where the product has none (the shipped suites; an operator's edit stays). */
  async insertSuiteIfAbsent(row: SuiteRow): Promise<void> {
    await this.#db
      .insertInto('conformance_suites')
      .values(row)
      .onConflict((oc) => oc.column('product_slug').doNothing())
      .execute();
  }

  /**
   * Replaces a suite if its version is still `expectedVersion` (null: the product has none yet);
   * false when another edit came first.
   */
  async saveSuite(row: SuiteRow, expectedVersion: number | null): Promise<boolean> {
    if (expectedVersion === null) {
      const r = await this.#db
        .insertInto('conformance_suites')
        .values(row)
        .onConflict((oc) => oc.column('product_slug').doNothing())
        .executeTakeFirst();
      return Number(r.numInsertedOrUpdatedRows ?? 0) === 1;
    }
    const r = await this.#db
      .updateTable('conformance_suites')
      .set({ cases: row.cases, version: row.version, updated_by: row.updated_by, updated_at: row.updated_at })
      .where('product_slug', '=', row.product_slug)
      .where('version', '=', expectedVersion)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  // ---------------------------------------------------------------- observed calls
  /** One multi-row insert per slice of the feed. */
  async insertCalls(rows: readonly CallRow[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 200) {
      await this.#db
        .insertInto('conformance_calls')
        .values(
          rows.slice(i, i + 200).map(({ id, call: c }) => ({
            id,
            app_id: c.appId,
            org_id: c.orgId,
            product_slug: c.productSlug,
            operation_id: c.operationId,
            network_code: c.networkCode,
            rrn: c.refs.rrn ?? null,
            request_id: c.requestId,
            at_ms: c.atMs,
            call: JSON.stringify(c),
          })),
        )
        .execute();
    }
  }

  /**
   * The app's calls of these operations that may be the earlier call of a relation: by RRN when the
   * link names the earlier call's RRN (the index), else the app's latest 500 of those operations.
   */
  async earlierCalls(
    appId: string,
    operations: readonly string[],
    rrn: string | null,
  ): Promise<ObservedCall[]> {
    let q = this.#db
      .selectFrom('conformance_calls')
      .select('call')
      .where('app_id', '=', appId)
      .where('operation_id', 'in', operations);
    if (rrn !== null) q = q.where('rrn', '=', rrn);
    const rows = await q.orderBy('id', 'desc').limit(500).execute();
    return rows.map((r) => JSON.parse(r.call) as ObservedCall);
  }

  /** A product's stored calls in delivery order, a page at a time (re-evaluation after an edit). */
  async callsOfProduct(productSlug: string, afterId: string, limit: number): Promise<CallRow[]> {
    const rows = await this.#db
      .selectFrom('conformance_calls')
      .select(['id', 'call'])
      .where('product_slug', '=', productSlug)
      .where('id', '>', afterId)
      .orderBy('id')
      .limit(limit)
      .execute();
    return rows.map((r) => ({ id: r.id, call: JSON.parse(r.call) as ObservedCall }));
  }

  /** Drops observed calls older than `beforeMs` (passes are kept: they carry their request ids). */
  async pruneCalls(beforeMs: number): Promise<number> {
    const r = await this.#db.deleteFrom('conformance_calls').where('at_ms', '<', beforeMs).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  // ---------------------------------------------------------------- passes
  /** Records passes; a case already passed with the same definition keeps its first proof. */
  async insertPasses(rows: readonly PassRow[]): Promise<void> {
    if (rows.length === 0) return;
    await this.#db
      .insertInto('conformance_passes')
      .values([...rows])
      .onConflict((oc) => oc.columns(['app_id', 'product_slug', 'case_id', 'case_hash']).doNothing())
      .execute();
  }

  /** The app's passes (every definition's), of one product or all. */
  passesOfApp(appId: string, productSlug?: string): Promise<PassRow[]> {
    let q = this.#db.selectFrom('conformance_passes').selectAll().where('app_id', '=', appId);
    if (productSlug) q = q.where('product_slug', '=', productSlug);
    return q.orderBy('at_ms').execute();
  }
}

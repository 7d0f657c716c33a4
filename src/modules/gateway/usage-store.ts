import { type CompiledQuery, type Kysely, sql } from 'kysely';
import { idAtOrAfter } from '../../platform/ids.ts';
import { MultiRow } from './multi-row.ts';
import { columnIndex, rollupDelta } from './rollups/rollup-delta.ts';
import { RollupStore } from './rollups/rollup-store.ts';
import type { GatewayTables } from './tables.ts';

/**
 * The gateway's SQL, the only file of the module that talks to the database: the usage writer's
 * batched INSERTs (usage-writer.ts builds the rows, here they are written), the request log's
 * pruning (usage-recorder.ts) and the read side's queries (usage-service.ts).
 */

/** The columns of `gateway_usage` in the order the writer lays out each row's values. */
export const USAGE_COLUMNS = [
  'id',
  'at',
  'org_id',
  'app_id',
  'product_slug',
  'operation_id',
  'catalog',
  'method',
  'path',
  'status',
  'error_code',
  'network_code',
  'latency_us',
  'client_ip',
  'end_user_hash',
  'request_id',
  'bytes_in',
  'bytes_out',
  'replayed',
  'live_data_suspected',
  'outcome',
] as const satisfies readonly (keyof GatewayTables['gateway_usage'])[];

/** The columns of `gateway_request_logs` in the order the writer lays out each row's values. */
export const LOG_COLUMNS = [
  'id',
  'at',
  'org_id',
  'app_id',
  'request_headers',
  'request_body',
  'response_body',
  'dropped_reason',
] as const satisfies readonly (keyof GatewayTables['gateway_request_logs'])[];

/** The integer columns of both tables (the rest are text). */
const INTEGER_COLUMNS = new Set<string>([
  'status',
  'latency_us',
  'bytes_in',
  'bytes_out',
  'replayed',
  'live_data_suspected',
]);
/** How many of an organisation's newest calls a free-text request-log search reads at most. */
const FREE_TEXT_ROWS = 100_000;
const USAGE_INDEX = columnIndex(USAGE_COLUMNS);

/** One row to classify for the outcome back-fill. */
export type OutcomeBackfillRow = {
  id: string;
  operation_id: string | null;
  status: number;
  network_code: string | null;
};

/** What the request log may be narrowed by (already validated and converted by the service). */
export type RequestLogFilter = {
  appId?: string;
  operationId?: string;
  status?: 'success' | 'error' | number;
  /** approved | declined | failed (a row not back-filled yet reads as its status says). */
  outcome?: 'approved' | 'declined' | 'failed';
  networkCode?: string;
  requestId?: string;
  /** The lower-cased LIKE pattern, its wildcards escaped with '\'. */
  like?: string;
  fromIso?: string;
  toIso?: string;
  before?: string;
};

export class UsageStore {
  readonly #db: Kysely<GatewayTables>;
  // The INSERTs of each table, their texts built once (multi-row.ts): building the query through
  // the query builder cost more than the database's own work.
  readonly #writers: Record<'gateway_usage' | 'gateway_request_logs', MultiRow>;
  readonly #rollups: RollupStore;

  constructor(db: Kysely<GatewayTables>, dialect: 'sqlite' | 'postgres' = 'sqlite') {
    this.#db = db;
    this.#rollups = new RollupStore(dialect);
    // Idempotent on the row id: a batch written again never duplicates a row (usage-writer.ts).
    const writer = (table: string, columns: readonly string[], returning: string) =>
      new MultiRow(
        dialect,
        columns.map((c) => (INTEGER_COLUMNS.has(c) ? 'integer' : 'text')),
        (source) =>
          `insert into ${table} (${columns.join(', ')}) ${source} on conflict (id) do nothing${returning}`,
      );
    this.#writers = {
      gateway_usage: writer('gateway_usage', USAGE_COLUMNS, ' returning id'),
      gateway_request_logs: writer('gateway_request_logs', LOG_COLUMNS, ''),
    };
  }

  // ------------------------------------------------------------------------------- writes
  /**
   * Writes rows into both tables in one transaction: `usage` and `logs` are the rows' values,
   * flat, in USAGE_COLUMNS / LOG_COLUMNS order. Every INSERT is idempotent on the row id.
   */
  async insertBatch(usage: unknown[], logs: unknown[]): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      // The ids the INSERTs created (`returning id` leaves out rows that were there already): only
      // they are added to the rollups, in this same transaction — a batch written again after a
      // lost answer, or bisected after a refusal, counts every row exactly once (rollups/).
      const inserted = new Set<string>();
      for (const q of this.#inserts('gateway_usage', usage)) {
        for (const r of (await trx.executeQuery<{ id: string }>(q)).rows) inserted.add(r.id);
      }
      for (const q of this.#inserts('gateway_request_logs', logs)) await trx.executeQuery(q);
      if (inserted.size > 0) await this.#rollups.write(trx, rollupDelta(usage, USAGE_INDEX, inserted));
    });
  }

  /** The rows as INSERTs (multi-row.ts), idempotent on the row id. */
  #inserts(table: 'gateway_usage' | 'gateway_request_logs', values: unknown[]): CompiledQuery[] {
    return this.#writers[table].statements(values);
  }

  /**
   * Deletes raw usage rows (and their request-log rows) older than `cutoffIso`, at most `limit`
   * of the oldest in one short statement each; how many usage rows went. Rollups stay. Old rows
   * are found by id (an id carries its call's time, ids.ts `idAtOrAfter`) on the primary key.
   */
  async deleteUsageBefore(cutoffIso: string, limit: number): Promise<number> {
    const ids = (
      await this.#db
        .selectFrom('gateway_usage')
        .select('id')
        .where('id', '<', idAtOrAfter('use', Date.parse(cutoffIso)))
        .orderBy('id')
        .limit(limit)
        .execute()
    ).map((r) => r.id);
    if (ids.length === 0) return 0;
    await this.#db.deleteFrom('gateway_request_logs').where('id', 'in', ids).execute();
    const r = await this.#db.deleteFrom('gateway_usage').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }

  /** Deletes request-log bodies older than `cutoffIso` (usage rows stay; by id, as above); how many went. */
  async deleteRequestLogsBefore(cutoffIso: string): Promise<number> {
    const r = await this.#db
      .deleteFrom('gateway_request_logs')
      .where('id', '<', idAtOrAfter('use', Date.parse(cutoffIso)))
      .executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }

  // -------------------------------------------------------------------------------- reads
  /** An organisation's calls with their request-log bodies, newest first, at most `limit`. */
  async requestLogRows(orgId: string, f: RequestLogFilter, limit: number) {
    let query = this.#db
      .selectFrom('gateway_usage as u')
      .leftJoin('gateway_request_logs as l', 'l.id', 'u.id')
      .where('u.org_id', '=', orgId)
      .select([
        'u.id',
        'u.at',
        'u.app_id',
        'u.operation_id',
        'u.method',
        'u.path',
        'u.status',
        'u.error_code',
        'u.network_code',
        'u.outcome',
        'u.latency_us',
        'u.request_id',
        'u.client_ip',
        'l.request_headers',
        'l.request_body',
        'l.response_body',
        'l.dropped_reason',
      ]);
    if (f.appId) query = query.where('u.app_id', '=', f.appId);
    if (f.operationId) query = query.where('u.operation_id', '=', f.operationId);
    if (f.networkCode) query = query.where('u.network_code', '=', f.networkCode);
    if (f.requestId) query = query.where('u.request_id', '=', f.requestId);
    if (f.status === 'success') query = query.where('u.status', '<', 400);
    else if (f.status === 'error') query = query.where('u.status', '>=', 400);
    else if (typeof f.status === 'number') query = query.where('u.status', '=', f.status);
    if (f.outcome === 'failed') {
      query = query.where((eb) =>
        eb.or([
          eb('u.outcome', '=', 'failed'),
          eb.and([eb('u.outcome', 'is', null), eb('u.status', '>=', 400)]),
        ]),
      );
    } else if (f.outcome === 'approved') {
      query = query.where((eb) =>
        eb.or([
          eb('u.outcome', '=', 'approved'),
          eb.and([eb('u.outcome', 'is', null), eb('u.status', '<', 400)]),
        ]),
      );
    } else if (f.outcome === 'declined') query = query.where('u.outcome', '=', 'declined');
    // A date range as an id range (an id carries its call's time): the keyset indexes serve it.
    if (f.fromIso !== undefined) query = query.where('u.id', '>=', idAtOrAfter('use', Date.parse(f.fromIso)));
    if (f.toIso !== undefined) query = query.where('u.id', '<', idAtOrAfter('use', Date.parse(f.toIso)));
    if (f.before) query = query.where('u.id', '<', f.before);
    const like = f.like;
    if (like !== undefined) {
      // Free text is bounded: it searches the organisation's newest FREE_TEXT_ROWS calls (after
      // the other filters' cursor), never the whole history — docs/performance.md item 34.
      query = query.where(
        'u.id',
        '>=',
        sql<string>`coalesce((select id from gateway_usage where org_id = ${orgId} order by id desc limit 1 offset ${sql.lit(FREE_TEXT_ROWS)}), '')`,
      );
      query = query.where((eb) =>
        eb.or([
          eb(sql`lower(u.request_id)`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(u.path)`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(coalesce(u.network_code, ''))`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(coalesce(l.request_body, ''))`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(coalesce(l.response_body, ''))`, 'like', sql`${like} escape '\\'`),
        ]),
      );
    }
    return query.orderBy('u.id', 'desc').limit(limit).execute();
  }

  // ------------------------------------------------------------------- outcome back-fill
  /** Up to `limit` rows without an outcome after `afterId`, in id order (the primary key's). */
  async rowsWithoutOutcome(afterId: string, limit: number): Promise<OutcomeBackfillRow[]> {
    return this.#db
      .selectFrom('gateway_usage')
      .where('id', '>', afterId)
      .where('outcome', 'is', null)
      .select(['id', 'operation_id', 'status', 'network_code'])
      .orderBy('id')
      .limit(limit)
      .execute();
  }

  /** Sets the outcome of `ids` (one short statement; rows that have one already keep it). */
  async setOutcome(ids: string[], outcome: string): Promise<void> {
    if (ids.length === 0) return;
    await this.#db
      .updateTable('gateway_usage')
      .set({ outcome })
      .where('id', 'in', ids)
      .where('outcome', 'is', null)
      .execute();
  }
}

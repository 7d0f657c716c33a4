import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import type { GatewayTables } from '../tables.ts';
import { LATENCY_COLUMNS } from './histogram.ts';
import { Hll } from './hll.ts';
import type { Grain, RollupBatch, Scope } from './rollup-delta.ts';

/**
 * The rollups' SQL: the writer's upserts (inside the raw rows' transaction) and the analytics
 * reads. Counters are added in SQL (`on conflict … do update set calls = calls + excluded.calls`),
 * so concurrent writers never lose a count; sketches are merged under a row lock (PostgreSQL
 * `for update`; SQLite has one writer at a time), keys in a fixed order so two writers queue
 * rather than deadlock.
 */
const KEY = [
  'grain',
  'scope',
  'app_id',
  'org_id',
  'bucket',
  'operation_id',
  'status',
  'network_code',
] as const;
const SUMS = [
  'calls',
  'approved',
  'declined',
  'failed',
  'c429',
  'shed',
  'lat_sum',
  ...LATENCY_COLUMNS,
] as const;
const COLUMNS = [...KEY, ...SUMS, 'lat_max'];
/** 64 rows × 56 columns stay well under both engines' parameter limits. */
const ROWS_PER_UPSERT = 64;

type Db = Kysely<GatewayTables> | Transaction<GatewayTables>;
export type GroupField = 'bucket' | 'org_id' | 'app_id' | 'operation_id' | 'status' | 'network_code';
/** The raw columns a rollup is computed from (rollup-delta.ts columnIndex). */
export const RAW_COLUMNS = [
  'id',
  'at',
  'org_id',
  'app_id',
  'operation_id',
  'status',
  'error_code',
  'network_code',
  'latency_us',
  'end_user_hash',
  'outcome',
] as const;

class CursorMoved extends Error {}

export class RollupStore {
  readonly #pg: boolean;
  readonly #cache = new Map<number, string>();
  constructor(dialect: 'sqlite' | 'postgres' = 'sqlite') {
    this.#pg = dialect === 'postgres';
  }

  /** Adds `batch` to the rollups, within the caller's transaction `trx`. */
  async write(trx: Transaction<GatewayTables>, batch: RollupBatch): Promise<void> {
    // One lock order for every writer (two PostgreSQL writers upserting the same keys in
    // different orders deadlocked in bench:analytics).
    const rows = [...batch.rows].sort((a, b) => {
      const x = `${a.grain}|${a.scope}|${a.app_id}|${a.org_id}|${a.bucket}|${a.operation_id}|${a.status}|${a.network_code}`;
      const y = `${b.grain}|${b.scope}|${b.app_id}|${b.org_id}|${b.bucket}|${b.operation_id}|${b.status}|${b.network_code}`;
      return x < y ? -1 : x > y ? 1 : 0;
    });
    const values: unknown[] = [];
    for (const r of rows) {
      values.push(r.grain, r.scope, r.app_id, r.org_id, r.bucket, r.operation_id, r.status, r.network_code);
      values.push(r.calls, r.approved, r.declined, r.failed, r.c429, r.shed, r.lat_sum);
      for (const h of r.hist) values.push(h);
      values.push(r.lat_max);
    }
    const width = COLUMNS.length;
    for (let at = 0; at < values.length; at += ROWS_PER_UPSERT * width) {
      const part = values.slice(at, at + ROWS_PER_UPSERT * width);
      await trx.executeQuery(CompiledQuery.raw(this.#upsert(part.length / width), part));
    }
    if (batch.sketches.length > 0) await this.#mergeSketches(trx, batch);
  }

  #upsert(rows: number): string {
    let text = this.#cache.get(rows);
    if (text) return text;
    let n = 0;
    const p = () => (this.#pg ? `$${++n}` : '?');
    const tuples = Array.from({ length: rows }, () => `(${COLUMNS.map(p).join(', ')})`);
    const max = this.#pg ? 'greatest' : 'max';
    const sets = [
      ...SUMS.map((c) => `${c} = gateway_usage_rollups.${c} + excluded.${c}`),
      `lat_max = ${max}(gateway_usage_rollups.lat_max, excluded.lat_max)`,
    ];
    text = `insert into gateway_usage_rollups (${COLUMNS.join(', ')}) values ${tuples.join(', ')} on conflict (${KEY.join(', ')}) do update set ${sets.join(', ')}`;
    this.#cache.set(rows, text);
    return text;
  }

  async #mergeSketches(trx: Transaction<GatewayTables>, batch: RollupBatch): Promise<void> {
    const sketches = [...batch.sketches].sort((a, b) =>
      `${a.grain}|${a.app_id}|${a.org_id}|${a.bucket}` < `${b.grain}|${b.app_id}|${b.org_id}|${b.bucket}`
        ? -1
        : 1,
    );
    const empty = new Hll().toText();
    for (let i = 0; i < sketches.length; i += 200) {
      const part = sketches.slice(i, i + 200);
      // Rows exist first (a concurrent writer's insert waits for ours, then does nothing), so the
      // locked read below sees every key and no merge is ever lost to an insert race.
      await trx
        .insertInto('gateway_usage_sketches')
        .values(
          part.map((s) => ({
            grain: s.grain,
            bucket: s.bucket,
            org_id: s.org_id,
            app_id: s.app_id,
            users: empty,
          })),
        )
        .onConflict((oc) => oc.columns(['grain', 'app_id', 'org_id', 'bucket']).doNothing())
        .execute();
      let read = trx
        .selectFrom('gateway_usage_sketches')
        .select(['grain', 'bucket', 'org_id', 'app_id', 'users'])
        .where((eb) =>
          eb.or(
            part.map((s) =>
              eb.and([
                eb('grain', '=', s.grain),
                eb('app_id', '=', s.app_id),
                eb('org_id', '=', s.org_id),
                eb('bucket', '=', s.bucket),
              ]),
            ),
          ),
        );
      if (this.#pg) read = read.forUpdate();
      const stored = new Map<string, string>();
      for (const r of await read.execute())
        stored.set(`${r.grain}|${r.app_id}|${r.org_id}|${r.bucket}`, r.users);
      const merged = part.map((s) => ({
        grain: s.grain,
        bucket: s.bucket,
        org_id: s.org_id,
        app_id: s.app_id,
        users: Hll.fromText(stored.get(`${s.grain}|${s.app_id}|${s.org_id}|${s.bucket}`))
          .merge(s.hll)
          .toText(),
      }));
      await trx
        .insertInto('gateway_usage_sketches')
        .values(merged)
        .onConflict((oc) =>
          oc
            .columns(['grain', 'app_id', 'org_id', 'bucket'])
            .doUpdateSet({ users: (eb) => eb.ref('excluded.users') }),
        )
        .execute();
    }
  }

  // ------------------------------------------------------------------------------- reads
  /**
   * Sums of a scope's rows in buckets [from, to) of a grain, grouped by `by` (none: one row).
   * `orgId` / `appId` fix the organisation / app ('*' for all); `light`: the counts only.
   */
  async sums(
    db: Db,
    q: { grain: Grain; scope: Scope; orgId?: string; appId?: string; from: string; to: string },
    by: readonly GroupField[],
    light = false,
  ): Promise<Record<string, unknown>[]> {
    let query = db
      .selectFrom('gateway_usage_rollups')
      .where('grain', '=', q.grain)
      .where('scope', '=', q.scope)
      .where('bucket', '>=', q.from)
      .where('bucket', '<', q.to);
    if (q.appId !== undefined) query = query.where('app_id', '=', q.appId);
    if (q.orgId !== undefined) query = query.where('org_id', '=', q.orgId);
    const cols = light ? SUMS.slice(0, 6) : SUMS;
    const sums = [
      ...cols.map((c) => sql<number>`sum(${sql.ref(c)})`.as(c)),
      sql<number>`max(lat_max)`.as('lat_max'),
    ];
    const rows = await query
      .select([...by, ...sums] as never)
      .$if(by.length > 0, (qb) => qb.groupBy([...by] as never))
      .execute();
    return rows as Record<string, unknown>[];
  }

  /**
   * The raw rows of [fromIso, toIso) a rollup is made of (the edges of a range, under a minute
   * each: cover in window.ts), in RAW_COLUMNS order, flat.
   */
  async rawRows(
    db: Db,
    q: { orgId?: string; appId?: string; fromIso: string; toIso: string },
  ): Promise<unknown[]> {
    let query = db
      .selectFrom('gateway_usage')
      .select([...RAW_COLUMNS])
      .where('at', '>=', q.fromIso)
      .where('at', '<', q.toIso);
    if (q.appId !== undefined) query = query.where('app_id', '=', q.appId);
    if (q.orgId !== undefined) query = query.where('org_id', '=', q.orgId);
    const out: unknown[] = [];
    for (const r of await query.execute()) for (const c of RAW_COLUMNS) out.push(r[c]);
    return out;
  }

  /** The back-fill's range and cursor (none: nothing older than the rollups to add). */
  async backfillState(db: Db): Promise<{ uptoId: string; afterId: string } | null> {
    const r = await db
      .selectFrom('gateway_rollup_backfill')
      .select(['upto_id', 'after_id'])
      .where('id', '=', 1)
      .executeTakeFirst();
    return r ? { uptoId: r.upto_id, afterId: r.after_id } : null;
  }

  /** Raw rows with afterId < id ≤ uptoId, in id order, at most `limit`, flat in RAW_COLUMNS order. */
  async rawRowsById(db: Db, afterId: string, uptoId: string, limit: number): Promise<unknown[]> {
    const rows = await db
      .selectFrom('gateway_usage')
      .select([...RAW_COLUMNS])
      .where('id', '>', afterId)
      .where('id', '<=', uptoId)
      .orderBy('id')
      .limit(limit)
      .execute();
    const out: unknown[] = [];
    for (const r of rows) for (const c of RAW_COLUMNS) out.push(r[c]);
    return out;
  }

  /**
   * Adds a back-fill batch and moves the cursor from `fromId` to `toId`, in one transaction; false
   * (and nothing added) when another process moved the cursor first — each row is added once.
   */
  async backfillStep(
    db: Kysely<GatewayTables>,
    batch: RollupBatch,
    fromId: string,
    toId: string,
  ): Promise<boolean> {
    try {
      await db.transaction().execute(async (trx) => {
        const r = await trx
          .updateTable('gateway_rollup_backfill')
          .set({ after_id: toId })
          .where('id', '=', 1)
          .where('after_id', '=', fromId)
          .executeTakeFirst();
        if (Number(r.numUpdatedRows) !== 1) throw new CursorMoved();
        await this.write(trx, batch);
      });
      return true;
    } catch (err) {
      if (err instanceof CursorMoved) return false;
      throw err;
    }
  }

  /** The organisation of an app's newest call (an app's rollups are under its organisation). */
  async orgOfApp(db: Db, appId: string): Promise<string | null> {
    const r = await db
      .selectFrom('gateway_usage')
      .select('org_id')
      .where('app_id', '=', appId)
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r?.org_id ?? null;
  }

  /** The merged sketch of a scope's hours or days in [from, to). */
  async users(
    db: Db,
    q: { grain: Grain; orgId: string; appId: string; from: string; to: string },
  ): Promise<Hll> {
    const rows = await db
      .selectFrom('gateway_usage_sketches')
      .select('users')
      .where('grain', '=', q.grain)
      .where('app_id', '=', q.appId)
      .where('org_id', '=', q.orgId)
      .where('bucket', '>=', q.from)
      .where('bucket', '<', q.to)
      .execute();
    const out = new Hll();
    for (const r of rows) out.merge(Hll.fromText(r.users));
    return out;
  }

  /** Deletes a grain's rollups and sketches before `bucket` (retention); how many rollup rows went. */
  async prune(db: Db, grain: Grain, before: string): Promise<number> {
    const r = await db
      .deleteFrom('gateway_usage_rollups')
      .where('grain', '=', grain)
      .where('bucket', '<', before)
      .executeTakeFirst();
    await db
      .deleteFrom('gateway_usage_sketches')
      .where('grain', '=', grain)
      .where('bucket', '<', before)
      .execute();
    return Number(r.numDeletedRows ?? 0);
  }
}

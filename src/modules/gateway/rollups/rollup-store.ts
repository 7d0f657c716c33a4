import { CompiledQuery, type Kysely, sql, type Transaction } from 'kysely';
import { MultiRow } from '../multi-row.ts';
import type { GatewayTables } from '../tables.ts';
import { BASE_US, FACTOR, LATENCY_BUCKETS, LATENCY_COLUMNS } from './histogram.ts';
import { Hll } from './hll.ts';
import { type Grain, type RollupBatch, type RollupKey, type Scope, SHED_ERROR_CODE } from './rollup-delta.ts';

/**
 * The rollups' SQL: the writer's upserts (inside the raw rows' transaction) and the analytics
 * reads. Counters are added in SQL (`on conflict … do update set calls = calls + excluded.calls`),
 * so concurrent writers never lose a count; sketches are merged under a row lock (the upsert that
 * reads them locks them on PostgreSQL; SQLite has one writer at a time). Every statement takes its
 * keys in one fixed order, so two writers queue rather than deadlock (two PostgreSQL writers
 * taking the same new keys in different orders deadlocked in bench:analytics).
 *
 * A batch's rollup rows go as upserts with bound parameters (multi-row.ts; ADR 0024) — on SQLite
 * 64 rows a statement, on PostgreSQL one statement of one array per column (`unnest`) — the
 * counts-only rows, then the rows with the histogram —
 * and its sketches as two statements whatever their number, each a JSON array parameter that the
 * statement unpacks (`json_each` on SQLite, `json_array_elements` on PostgreSQL; ADR 0021): one
 * that locks and reads the stored sketches, one that writes them back merged. (The rollup rows
 * went as JSON too until SQLite's `->>` was found to parse a row's JSON again for each of its 56
 * columns.)
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
const COUNTS = ['calls', 'approved', 'declined', 'failed', 'c429', 'shed', 'lat_sum'] as const;
const SUMS = [...COUNTS, ...LATENCY_COLUMNS] as const;
/** Columns of a counts-only row and of a row with the histogram, in the JSON rows' order. */
const LIGHT_COLUMNS: readonly string[] = [...KEY, ...COUNTS, 'lat_max'];
const HIST_COLUMNS: readonly string[] = [...LIGHT_COLUMNS, ...LATENCY_COLUMNS];
const INT_COLUMNS = new Set<string>(['status', ...COUNTS, 'lat_max', ...LATENCY_COLUMNS]);
const SKETCH_KEY = ['grain', 'app_id', 'org_id', 'bucket'] as const;

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

function compareKeys(a: RollupKey, b: RollupKey): number {
  for (const k of KEY) {
    const x = a[k];
    const y = b[k];
    if (x !== y) return x < y ? -1 : 1;
  }
  return 0;
}

export class RollupStore {
  readonly #pg: boolean;
  readonly #text = new Map<string, string>();
  readonly #light: MultiRow;
  readonly #heavy: MultiRow;
  constructor(dialect: 'sqlite' | 'postgres' = 'sqlite') {
    this.#pg = dialect === 'postgres';
    const max = this.#pg ? 'greatest' : 'max';
    /** The upsert of rollup rows of `columns`: counts added, the maximum kept. */
    const upsert = (columns: readonly string[]) => {
      const sets = [
        ...SUMS.filter((c) => columns.includes(c)).map(
          (c) => `${c} = gateway_usage_rollups.${c} + excluded.${c}`,
        ),
        `lat_max = ${max}(gateway_usage_rollups.lat_max, excluded.lat_max)`,
      ];
      const types = columns.map((c) =>
        c === 'lat_sum' ? 'bigint' : INT_COLUMNS.has(c) ? 'integer' : 'text',
      );
      return new MultiRow(
        dialect,
        types,
        (source) =>
          `insert into gateway_usage_rollups (${columns.join(', ')}) ${source} on conflict (${KEY.join(', ')}) do update set ${sets.join(', ')}`,
      );
    };
    this.#light = upsert(LIGHT_COLUMNS);
    this.#heavy = upsert(HIST_COLUMNS);
  }

  /** Adds `batch` to the rollups, within the caller's transaction `trx`. */
  async write(trx: Transaction<GatewayTables>, batch: RollupBatch): Promise<void> {
    // One lock order for every writer, also across the two kinds (they touch disjoint keys).
    const rows = [...batch.rows].sort(compareKeys);
    const light: unknown[] = [];
    const heavy: unknown[] = [];
    for (const r of rows) {
      const v = r.hist ? heavy : light;
      v.push(r.grain, r.scope, r.app_id, r.org_id, r.bucket, r.operation_id, r.status, r.network_code);
      v.push(r.calls, r.approved, r.declined, r.failed, r.c429, r.shed, r.lat_sum, r.lat_max);
      if (r.hist) for (const h of r.hist) v.push(h);
    }
    for (const q of [...this.#light.statements(light), ...this.#heavy.statements(heavy)]) {
      await trx.executeQuery(q);
    }
    if (batch.sketches.length > 0) await this.#mergeSketches(trx, batch);
  }

  #run(trx: Db, text: string, rows: unknown[][]) {
    return trx.executeQuery(CompiledQuery.raw(text, [JSON.stringify(rows)]));
  }

  /** `select` of the JSON array parameter's rows as `columns`, all text (cached per column list). */
  #fromJson(columns: readonly string[]): string {
    const key = `json|${columns.join(',')}`;
    let text = this.#text.get(key);
    if (text) return text;
    if (this.#pg) {
      // Text columns only (the sketches' key and users).
      const cols = columns.map((_, i) => `r->>${i}`);
      text = `select ${cols.join(', ')} from json_array_elements($1::json) as r`;
    } else {
      const cols = columns.map((_, i) => `j.value->>${i}`);
      // `where true`: SQLite's parser needs it before an upsert's `on conflict` after a select.
      text = `select ${cols.join(', ')} from json_each(?) as j where true`;
    }
    this.#text.set(key, text);
    return text;
  }

  /**
   * Merges the batch's sketches into the stored ones: one upsert creates the missing rows and
   * locks and returns every key's stored sketch (`do update set users = users … returning`), then
   * one upsert writes them back merged — two statements whatever the batch holds.
   */
  async #mergeSketches(trx: Transaction<GatewayTables>, batch: RollupBatch): Promise<void> {
    const sketches = [...batch.sketches].sort((a, b) => {
      for (const k of SKETCH_KEY) if (a[k] !== b[k]) return a[k] < b[k] ? -1 : 1;
      return 0;
    });
    const keyOf = (s: { grain: string; app_id: string; org_id: string; bucket: string }) =>
      `${s.grain}|${s.app_id}|${s.org_id}|${s.bucket}`;
    const cols = [...SKETCH_KEY, 'users'];
    const lock = `insert into gateway_usage_sketches (${cols.join(', ')}) ${this.#fromJson(cols)} on conflict (${SKETCH_KEY.join(', ')}) do update set users = gateway_usage_sketches.users returning grain, app_id, org_id, bucket, users`;
    const stored = new Map<string, string>();
    const keys = sketches.map((s) => [s.grain, s.app_id, s.org_id, s.bucket, '']);
    for (const r of (
      await trx.executeQuery<Record<string, string>>(CompiledQuery.raw(lock, [JSON.stringify(keys)]))
    ).rows)
      stored.set(keyOf(r as never), r.users);
    const merged = sketches.map((s) => [
      s.grain,
      s.app_id,
      s.org_id,
      s.bucket,
      Hll.fromText(stored.get(keyOf(s)))
        .merge(s.hll)
        .toText(),
    ]);
    const write = `insert into gateway_usage_sketches (${cols.join(', ')}) ${this.#fromJson(cols)} on conflict (${SKETCH_KEY.join(', ')}) do update set users = excluded.users`;
    await this.#run(trx, write, merged);
  }

  // ------------------------------------------------------------------------------- reads
  /**
   * Sums of a scope's rows over several pieces of a range (each a grain's buckets [from, to); a
   * raw piece's bounds are usage ids, `idAtOrAfter` of its times),
   * grouped by `by` (none: one row), in ONE statement: a `union all` of one index range per piece
   * (the primary key leads with grain, scope, app, organisation, bucket), summed outside. `orgId` /
   * `appId` fix the organisation / app (undefined: any; top-N lists read the (grain, scope, bucket)
   * index). `bucketLen` cuts the bucket to a coarser grain's text (a series); `hist`: the histogram
   * columns too (only the per-operation scopes carry one).
   */
  async sums(
    db: Db,
    q: {
      scope: Scope;
      orgId?: string;
      appId?: string;
      /** Only these values of a field (the exact pass of a top-N list). */
      only?: { field: 'org_id' | 'app_id'; values: readonly string[] };
      pieces: ReadonlyArray<{ grain: Grain | 'raw'; from: string; to: string }>;
      bucketLen?: number;
      hist?: boolean;
    },
    by: readonly GroupField[],
  ): Promise<Record<string, unknown>[]> {
    if (q.pieces.length === 0) return [];
    const cols = q.hist ? SUMS : COUNTS;
    const inner = [...new Set<string>([...by, ...cols, 'lat_max'])];
    const parts = q.pieces.map((p) => {
      if (p.grain === 'raw') return this.#rawPiece(q, p, inner);
      const where = [
        sql`grain = ${p.grain}`,
        sql`scope = ${q.scope}`,
        ...(q.appId !== undefined ? [sql`app_id = ${q.appId}`] : []),
        ...(q.only ? [sql`${sql.ref(q.only.field)} in (${sql.join(q.only.values)})`] : []),
        ...(q.orgId !== undefined ? [sql`org_id = ${q.orgId}`] : []),
        sql`bucket >= ${p.from}`,
        sql`bucket < ${p.to}`,
      ];
      return sql`select ${sql.join(inner.map((c) => sql.ref(c)))} from gateway_usage_rollups where ${sql.join(where, sql` and `)}`;
    });
    const group = by.map((f) =>
      f === 'bucket' && q.bucketLen !== undefined
        ? sql`substr(bucket, 1, ${sql.lit(q.bucketLen)})`
        : sql.ref(f),
    );
    const select = [
      ...by.map((f, i) => sql`${group[i]} as ${sql.ref(f)}`),
      ...cols.map((c) => sql`sum(${sql.ref(c)}) as ${sql.ref(c)}`),
      sql`max(lat_max) as lat_max`,
    ];
    const query = sql<
      Record<string, unknown>
    >`select ${sql.join(select)} from (${sql.join(parts, sql` union all `)}) as t${
      by.length > 0 ? sql` group by ${sql.join(group)}` : sql``
    }`;
    return (await query.execute(db)).rows;
  }

  /**
   * A raw piece of a range (the sub-minute edges; minutes whose rollups were pruned) as rows shaped
   * like the rollups' — one call each, mapped as rollup-delta.ts maps it — so that it is summed in
   * the same statement as the rollup pieces, by id range (a usage id carries its call's
   * millisecond, ids.ts `idAtOrAfter`): on (org_id, id), (app_id, id) or the primary key. Fields a scope does not keep
   * (the operation of a totals row, …) are never grouped by for that scope, so they are left as
   * they are. The latency bucket is histogram.ts's formula in SQL (ln; both engines).
   */
  #rawPiece(
    q: {
      scope: Scope;
      orgId?: string;
      appId?: string;
      only?: { field: 'org_id' | 'app_id'; values: readonly string[] };
    },
    p: { from: string; to: string },
    columns: readonly string[],
  ) {
    const declined = `case when outcome = 'declined' then 1 else 0 end`;
    const failed = `case when outcome = 'failed' or (outcome is null and status >= 400) then 1 else 0 end`;
    const k = `cast(floor(ln(cast(latency_us as double precision) / ${BASE_US}) / ln(${FACTOR})) as integer) + 1`;
    const last = LATENCY_BUCKETS - 1;
    const lb = `case when latency_us < ${BASE_US} then 0 when ${k} > ${last} then ${last} else ${k} end`;
    const expr: Record<string, string> = {
      bucket: 'substr(at, 1, 16)',
      org_id: `coalesce(org_id, '-')`,
      app_id: `coalesce(app_id, case when org_id is null then '-' else '?' end)`,
      operation_id: `coalesce(operation_id, '')`,
      status: 'status',
      network_code: `coalesce(network_code, '')`,
      calls: '1',
      approved: `1 - (${declined}) - (${failed})`,
      declined,
      failed,
      c429: 'case when status = 429 then 1 else 0 end',
      shed: `case when error_code = '${SHED_ERROR_CODE}' then 1 else 0 end`,
      lat_sum: 'latency_us',
      lat_max: 'latency_us',
    };
    LATENCY_COLUMNS.forEach((c, k) => {
      expr[c] = `case when lb = ${k} then 1 else 0 end`;
    });
    const hasHist = columns.some((c) => c.startsWith('l') && c !== 'lat_sum' && c !== 'lat_max');
    const where = [
      sql`id >= ${p.from}`,
      sql`id < ${p.to}`,
      ...(q.appId !== undefined && q.appId !== '*' ? [sql`app_id = ${q.appId}`] : []),
      ...(q.only ? [sql`${sql.ref(q.only.field)} in (${sql.join(q.only.values)})`] : []),
      ...(q.orgId !== undefined && q.orgId !== '*' ? [sql`org_id = ${q.orgId}`] : []),
    ];
    const select = columns.map((c) => `${expr[c]} as ${c}`).join(', ');
    const from = hasHist
      ? sql`(select u.*, ${sql.raw(lb)} as lb from gateway_usage as u where ${sql.join(where, sql` and `)}) as r`
      : sql`gateway_usage where ${sql.join(where, sql` and `)}`;
    return sql`select ${sql.raw(select)} from ${from}`;
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

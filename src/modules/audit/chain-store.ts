import { DatabaseSync } from 'node:sqlite';
import { type Kysely, PostgresAdapter, sql, type Transaction } from 'kysely';
import type { ChainedFields, ChainedTuple } from './canonical.ts';
import type { AuditTables } from './tables.ts';

/**
 * SQL for the hash chain (docs/audit.md): sealing unsealed events, checkpoints, the sealer's lease,
 * the stored verification and pruning. The verifier streams events through `sealedPages`: keyset
 * pages in sequence order (bounded memory on both engines, no cursor needed), each row an array.
 */
export type SealedRow = ChainedFields & { prev_hash: string | null; hash: string | null };
/** A sealed event as `sealedPages` reads it: EVENT_COLUMNS in order (the hashed fields first). */
export type SealedTuple = readonly [...ChainedTuple, prev_hash: string | null, hash: string | null];
export type CheckpointRow = { seq: number; hash: string; at: string; key_id: string; signature: string };
export type SealUpdate = { id: string; seq: number; prev_hash: string; hash: string };

const STATE_ID = 'chain';
const COLUMN_LIST =
  'id, seq, at, actor_type, actor_id, action, target_type, target_id, org_id, ip, user_agent, details, prev_hash, hash';
const EVENT_COLUMNS = sql.raw(COLUMN_LIST);
/** Rows per page of `sealedPages`. */
const PAGE = 10_000;

type Db = Kysely<AuditTables>;

export class ChainStore {
  readonly #db: Db;
  constructor(db: Db) {
    this.#db = db;
  }

  transaction<T>(fn: (trx: Transaction<AuditTables>) => Promise<T>): Promise<T> {
    return this.#db.transaction().execute(fn);
  }

  /**
   * Takes or renews the sealer's lease: true when `owner` holds it until `until` (it was free,
   * expired or already `owner`'s). Several processes may run a sealer; only the holder seals.
   */
  async acquireLease(owner: string, nowIso: string, untilIso: string): Promise<boolean> {
    await this.#db
      .insertInto('audit_chain_state')
      .values({ id: STATE_ID })
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
    const r = await this.#db
      .updateTable('audit_chain_state')
      .set({ lease_owner: owner, lease_until: untilIso })
      .where('id', '=', STATE_ID)
      .where((eb) =>
        eb.or([eb('lease_owner', 'is', null), eb('lease_owner', '=', owner), eb('lease_until', '<', nowIso)]),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) === 1;
  }

  async releaseLease(owner: string): Promise<void> {
    await this.#db
      .updateTable('audit_chain_state')
      .set({ lease_owner: null, lease_until: null })
      .where('id', '=', STATE_ID)
      .where('lease_owner', '=', owner)
      .execute();
  }

  /** The last sealed event's seq and hash (null: nothing sealed yet). */
  async tail(trx: Db = this.#db): Promise<{ seq: number; hash: string } | null> {
    const r = await trx
      .selectFrom('audit_events')
      .select(['seq', 'hash'])
      .where('seq', 'is not', null)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r && r.seq !== null ? { seq: Number(r.seq), hash: r.hash ?? '' } : null;
  }

  /** Unsealed events, oldest id first (the order the sealer chains them in). */
  unsealed(trx: Db, limit: number): Promise<SealedRow[]> {
    return sql<SealedRow>`select ${EVENT_COLUMNS} from audit_events where seq is null order by id limit ${limit}`
      .execute(trx)
      .then((r) => r.rows);
  }

  /** Writes seq, prev_hash and hash of a batch in one statement per 500 rows. */
  async seal(trx: Db, rows: SealUpdate[]): Promise<void> {
    for (let i = 0; i < rows.length; i += 500) {
      const values = sql.join(
        rows.slice(i, i + 500).map((r) => sql`(${r.id}, ${r.seq}, ${r.prev_hash}, ${r.hash})`),
      );
      await sql`with v(id, seq, prev_hash, hash) as (values ${values})
        update audit_events set seq = cast(v.seq as bigint), prev_hash = v.prev_hash, hash = v.hash
        from v where audit_events.id = v.id and audit_events.seq is null`.execute(trx);
    }
  }

  /** Up to `limit` sealed events after `seq`, in sequence order (the verifier's page). */
  eventsAfter(seq: number, limit: number): Promise<SealedRow[]> {
    return sql<SealedRow>`select ${EVENT_COLUMNS} from audit_events where seq > ${seq} order by seq limit ${limit}`
      .execute(this.#db)
      .then((r) => r.rows);
  }

  /**
   * Every sealed event after `afterSeq`, in sequence order, as pages of arrays (SealedTuple): the
   * verifier's read. Rows come as arrays, not objects — building an object per row was most of the
   * verifier's time (docs/audit.md "Speed").
   * - SQLite (a file): its own read-only connection (`sqlitePages` below).
   * - PostgreSQL: one query per page that returns the page as one JSON array of row arrays
   *   (json_build_array of the stored text, parsed back exactly), instead of an object per row.
   * - SQLite in memory (no file another connection can open): pages through Kysely.
   */
  async *sealedPages(afterSeq: number): AsyncGenerator<SealedTuple[]> {
    if (this.#db.getExecutor().adapter instanceof PostgresAdapter) {
      yield* this.#postgresPages(afterSeq);
      return;
    }
    const file = await this.sqliteFile();
    if (file) {
      yield* sqlitePages(file, afterSeq);
      return;
    }
    for (let seq = afterSeq; ; ) {
      const rows = (await this.eventsAfter(seq, PAGE)).map(
        (r) =>
          [
            r.id,
            Number(r.seq),
            r.at,
            r.actor_type,
            r.actor_id,
            r.action,
            r.target_type,
            r.target_id,
            r.org_id,
            r.ip,
            r.user_agent,
            r.details,
            r.prev_hash,
            r.hash,
          ] as const,
      );
      if (rows.length > 0) yield rows;
      if (rows.length < PAGE) return;
      seq = rows.at(-1)![1];
    }
  }

  /**
   * The SQLite file this store reads (another connection or thread can open it); null on
   * PostgreSQL and for an in-memory database.
   */
  async sqliteFile(): Promise<string | null> {
    if (this.#db.getExecutor().adapter instanceof PostgresAdapter) return null;
    const r = await sql<{ file: string }>`select file from pragma_database_list where name = 'main'`.execute(
      this.#db,
    );
    return r.rows[0]?.file || null;
  }

  async *#postgresPages(afterSeq: number): AsyncGenerator<SealedTuple[]> {
    for (let seq = afterSeq; ; ) {
      const r = await sql<{ page: string }>`
        select coalesce(json_agg(json_build_array(${EVENT_COLUMNS}) order by seq), '[]')::text as page
        from (select ${EVENT_COLUMNS} from audit_events where seq > ${seq} order by seq limit ${PAGE}) p`.execute(
        this.#db,
      );
      const rows = JSON.parse(r.rows[0]!.page) as SealedTuple[];
      if (rows.length > 0) yield rows;
      if (rows.length < PAGE) return;
      seq = rows.at(-1)![1];
    }
  }

  /** Another sealed event (not `id`) whose hash is `hash`, if any. */
  async otherWithHash(hash: string, id: string): Promise<{ id: string; seq: number } | null> {
    const r = await this.#db
      .selectFrom('audit_events')
      .select(['id', 'seq'])
      .where('hash', '=', hash)
      .where('id', '<>', id)
      .limit(1)
      .executeTakeFirst();
    return r ? { id: r.id, seq: Number(r.seq) } : null;
  }

  async counts(): Promise<{
    sealed: number;
    unsealed: number;
    minSeq: number | null;
    maxSeq: number | null;
  }> {
    const r = await sql<{
      sealed: number | string;
      unsealed: number | string;
      min_seq: number | null;
      max_seq: number | null;
    }>`
      select count(seq) as sealed, count(*) - count(seq) as unsealed, min(seq) as min_seq, max(seq) as max_seq
      from audit_events`.execute(this.#db);
    const row = r.rows[0]!;
    return {
      sealed: Number(row.sealed),
      unsealed: Number(row.unsealed),
      minSeq: row.min_seq === null ? null : Number(row.min_seq),
      maxSeq: row.max_seq === null ? null : Number(row.max_seq),
    };
  }

  async checkpoints(): Promise<CheckpointRow[]> {
    const rows = await this.#db.selectFrom('audit_checkpoints').selectAll().orderBy('seq').execute();
    return rows.map((r) => ({ ...r, seq: Number(r.seq) }));
  }

  async lastCheckpoint(trx: Db = this.#db): Promise<CheckpointRow | null> {
    const r = await trx
      .selectFrom('audit_checkpoints')
      .selectAll()
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? { ...r, seq: Number(r.seq) } : null;
  }

  async insertCheckpoint(trx: Db, c: CheckpointRow): Promise<void> {
    await trx.insertInto('audit_checkpoints').values(c).execute();
  }

  /** The `at` of the event with this seq (the first unanchored one), if it exists. */
  async atOf(seq: number, trx: Db = this.#db): Promise<string | null> {
    const r = await trx.selectFrom('audit_events').select('at').where('seq', '=', seq).executeTakeFirst();
    return r?.at ?? null;
  }

  async saveVerification(json: string): Promise<void> {
    await this.#db
      .insertInto('audit_chain_state')
      .values({ id: STATE_ID, last_verification: json })
      .onConflict((oc) => oc.column('id').doUpdateSet({ last_verification: json }))
      .execute();
  }

  async loadVerification(): Promise<string | null> {
    const r = await this.#db
      .selectFrom('audit_chain_state')
      .select('last_verification')
      .where('id', '=', STATE_ID)
      .executeTakeFirst();
    return r?.last_verification ?? null;
  }

  /**
   * Retention: removes the events up to and including checkpoint `seq` and the checkpoints before
   * it, so that checkpoint becomes the oldest kept one, where verification starts.
   */
  async pruneThrough(seq: number): Promise<number> {
    return this.transaction(async (trx) => {
      const r = await trx.deleteFrom('audit_events').where('seq', '<=', seq).executeTakeFirst();
      await trx.deleteFrom('audit_checkpoints').where('seq', '<', seq).execute();
      return Number(r.numDeletedRows);
    });
  }

  /** The newest checkpoint signed before `iso` (the retention boundary), if any. */
  async newestCheckpointBefore(iso: string): Promise<CheckpointRow | null> {
    const r = await this.#db
      .selectFrom('audit_checkpoints')
      .selectAll()
      .where('at', '<', iso)
      .orderBy('seq', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r ? { ...r, seq: Number(r.seq) } : null;
  }
}

/**
 * Sealed events with afterSeq < seq <= untilSeq from a SQLite file, in sequence order, as pages of
 * arrays, through its own read-only connection (node:sqlite, `setReturnArrays`): one prepared
 * keyset statement run page after page, the connection closed when the caller stops. Read-only,
 * so a verification cannot write whatever happens. Synchronous: the verifier's worker threads
 * (range-worker.ts) call it too.
 */
export function* sqlitePages(
  file: string,
  afterSeq: number,
  untilSeq = Number.MAX_SAFE_INTEGER,
): Generator<SealedTuple[]> {
  const conn = new DatabaseSync(file, { readOnly: true });
  try {
    const page = conn.prepare(
      `select ${COLUMN_LIST} from audit_events where seq > ? and seq <= ? order by seq limit ?`,
    );
    page.setReturnArrays(true);
    for (let seq = afterSeq; ; ) {
      const rows = page.all(seq, untilSeq, PAGE) as unknown as SealedTuple[];
      if (rows.length > 0) yield rows;
      if (rows.length < PAGE) return;
      seq = rows.at(-1)![1];
    }
  } finally {
    conn.close();
  }
}

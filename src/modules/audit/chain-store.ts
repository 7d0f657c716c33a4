import { type Kysely, sql, type Transaction } from 'kysely';
import type { ChainedFields } from './canonical.ts';
import type { AuditTables } from './tables.ts';

/**
 * SQL for the hash chain (docs/audit.md): sealing unsealed events, checkpoints, the sealer's lease,
 * the stored verification and pruning. The verifier reads events through `eventsAfter`, a keyset
 * page in sequence order (bounded memory on both engines, no cursor needed).
 */
export type SealedRow = ChainedFields & { prev_hash: string | null; hash: string | null };
export type CheckpointRow = { seq: number; hash: string; at: string; key_id: string; signature: string };
export type SealUpdate = { id: string; seq: number; prev_hash: string; hash: string };

const STATE_ID = 'chain';
const EVENT_COLUMNS = sql.raw(
  'id, seq, at, actor_type, actor_id, action, target_type, target_id, org_id, ip, user_agent, details, prev_hash, hash',
);

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

import { type Insertable, type Kysely, type Selectable, sql } from 'kysely';
import { joinTransaction, type SharedTransaction } from '../../platform/db/shared-transaction.ts';
import type { AuditTables } from './tables.ts';

/**
 * SQL for the audit trail: the only file of the module that talks to the database. Append and
 * read only: there is no update or delete. `insert` joins the caller's transaction when given, so
 * the event commits (or rolls back) with the change it describes.
 */
export type AuditEventRow = Selectable<AuditTables['audit_events']>;

export type AuditFilter = {
  orgId?: string;
  actorId?: string;
  /** Exactly this action. */
  action?: string;
  /** Actions starting with this text (compared as text: no LIKE, so `_` and `%` are plain). */
  actionPrefix?: string;
  targetType?: string;
  targetId?: string;
  /** At or after this ISO time. */
  from?: string;
  /** Before this ISO time. */
  to?: string;
  /** Events with a smaller id (older) only: the keyset cursor. */
  before?: string;
  limit: number;
};

export class AuditStore {
  readonly #db: Kysely<AuditTables>;
  constructor(db: Kysely<AuditTables>) {
    this.#db = db;
  }

  async insert(row: Insertable<AuditTables['audit_events']>, tx?: SharedTransaction): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('audit_events').values(row).execute();
  }

  /**
   * Newest first, by id: ids are time-ordered and unique, so `before` (the last id of a page) is a
   * stable keyset cursor however many events are recorded meanwhile.
   */
  list(f: AuditFilter): Promise<AuditEventRow[]> {
    let query = this.#db.selectFrom('audit_events').selectAll().orderBy('id', 'desc');
    if (f.orgId) query = query.where('org_id', '=', f.orgId);
    if (f.actorId) query = query.where('actor_id', '=', f.actorId);
    if (f.action) query = query.where('action', '=', f.action);
    if (f.actionPrefix) {
      const prefix = f.actionPrefix;
      query = query.where(sql<string>`substr(action, 1, ${prefix.length})`, '=', prefix);
    }
    if (f.targetType) query = query.where('target_type', '=', f.targetType);
    if (f.targetId) query = query.where('target_id', '=', f.targetId);
    if (f.from) query = query.where('at', '>=', f.from);
    if (f.to) query = query.where('at', '<', f.to);
    if (f.before) query = query.where('id', '<', f.before);
    return query.limit(f.limit).execute();
  }

  async count(action?: string): Promise<number> {
    let q = this.#db.selectFrom('audit_events').select((eb) => eb.fn.countAll<number>().as('n'));
    if (action) q = q.where('action', '=', action);
    const r = await q.executeTakeFirstOrThrow();
    return Number(r.n);
  }
}

import { type Insertable, type Kysely, type Selectable, SqliteAdapter, sql } from 'kysely';
import { joinTransaction, type SharedTransaction } from '../../platform/db/shared-transaction.ts';
import type { NotificationsTables } from './tables.ts';

/**
 * SQL for the outbox and the in-app notices: the only file of the module that talks to the
 * database. Writes that announce a caller's change join the caller's transaction when given, so
 * a message or notice exists exactly when the change commits. The store sees only what the
 * database holds: subjects and bodies arrive here already sealed (mailer.ts).
 */
export type MailRow = Selectable<NotificationsTables['mail_outbox']>;
export type NoticeRow = Selectable<NotificationsTables['notifications']>;
/** An outbox row still in plaintext (written before sealing existed). */
export type PlaintextMail = Pick<MailRow, 'id' | 'subject' | 'text_body'>;

export class NotificationsStore {
  readonly #db: Kysely<NotificationsTables>;
  constructor(db: Kysely<NotificationsTables>) {
    this.#db = db;
  }

  // ------------------------------------------------------------------------------ outbox

  async insertMail(
    row: Insertable<NotificationsTables['mail_outbox']>,
    tx?: SharedTransaction,
  ): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('mail_outbox').values(row).execute();
  }

  async markMailSent(id: string, at: string): Promise<void> {
    await this.#db
      .updateTable('mail_outbox')
      .set({ status: 'sent', sent_at: at })
      .where('id', '=', id)
      .execute();
  }

  async markMailFailed(id: string, error: string): Promise<void> {
    await this.#db.updateTable('mail_outbox').set({ status: 'failed', error }).where('id', '=', id).execute();
  }

  /** Newest first, optionally for one (lower-cased) address. */
  listMail(opts: { to?: string; limit: number }): Promise<MailRow[]> {
    let q = this.#db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc');
    if (opts.to) q = q.where('to_address', '=', opts.to);
    return q.limit(opts.limit).execute();
  }

  /** Whether any row is still in plaintext (one indexed lookup: the partial index on sealed = 0). */
  async hasPlaintextMail(): Promise<boolean> {
    const first = await this.#db
      .selectFrom('mail_outbox')
      .select('id')
      .where('sealed', '=', 0)
      .limit(1)
      .executeTakeFirst();
    return first !== undefined;
  }

  /** The next `batch` plaintext rows, oldest first. */
  plaintextMail(batch: number): Promise<PlaintextMail[]> {
    return this.#db
      .selectFrom('mail_outbox')
      .select(['id', 'subject', 'text_body'])
      .where('sealed', '=', 0)
      .orderBy('id')
      .limit(batch)
      .execute();
  }

  /**
   * Replaces plaintext rows with their sealed subject and body in one transaction; each row is
   * updated only while still unsealed (processes starting together never seal a row twice).
   * Returns how many rows this call sealed. `seal` runs inside the transaction, row by row.
   */
  async sealMail(rows: PlaintextMail[], seal: (text: string) => string): Promise<number> {
    let sealed = 0;
    await this.#db.transaction().execute(async (trx) => {
      for (const r of rows) {
        const u = await trx
          .updateTable('mail_outbox')
          .set({ subject: seal(r.subject), text_body: seal(r.text_body), sealed: 1 })
          .where('id', '=', r.id)
          .where('sealed', '=', 0)
          .executeTakeFirst();
        sealed += Number(u.numUpdatedRows);
      }
    });
    return sealed;
  }

  /**
   * Runs `work` with SQLite's secure_delete on (freed cells are zeroed), restoring the previous
   * setting afterwards; on PostgreSQL it just runs `work`.
   */
  async withSecureDelete<T>(work: () => Promise<T>): Promise<T> {
    if (!this.#sqlite()) return work();
    const r = await sql<{ secure_delete: number }>`pragma secure_delete`.execute(this.#db);
    const secureDelete = Number(r.rows[0]?.secure_delete ?? 0);
    await sql`pragma secure_delete = on`.execute(this.#db);
    try {
      return await work();
    } finally {
      await sql.raw(`pragma secure_delete = ${secureDelete}`).execute(this.#db);
    }
  }

  /**
   * Rebuilds the storage so that old copies of rewritten rows leave the files (SQLite: VACUUM and
   * a truncating WAL checkpoint; PostgreSQL: VACUUM FULL mail_outbox). Throws when it cannot.
   */
  async compactOutbox(): Promise<void> {
    if (this.#sqlite()) {
      await sql`vacuum`.execute(this.#db);
      await sql`pragma wal_checkpoint(truncate)`.execute(this.#db);
    } else {
      await sql`vacuum full mail_outbox`.execute(this.#db);
    }
  }

  #sqlite(): boolean {
    return this.#db.getExecutor().adapter instanceof SqliteAdapter;
  }

  // ------------------------------------------------------------------------------ notices

  async insertNotices(
    rows: Insertable<NotificationsTables['notifications']>[],
    tx?: SharedTransaction,
  ): Promise<void> {
    await joinTransaction(this.#db, tx).insertInto('notifications').values(rows).execute();
  }

  /** The user's notices, newest first. */
  listNotices(userId: string, limit: number): Promise<NoticeRow[]> {
    return this.#db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  /** Marks one of the user's own notices read; false when it is not theirs. */
  async markNoticeRead(userId: string, id: string, at: string): Promise<boolean> {
    const r = await this.#db
      .updateTable('notifications')
      .set({ read_at: at })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}

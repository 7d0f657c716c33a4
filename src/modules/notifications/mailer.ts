import { type Kysely, SqliteAdapter, sql } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { joinTransaction, type SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { mailStatus, outboxEntryView } from './contracts.ts';
import type { MailTemplateId } from './templates.ts';

/**
 * Every message goes to the outbox first (so nothing is lost and the development mailbox can show
 * it); when SMTP_URL is set it is then sent, and the outcome is recorded on the row.
 *
 * Mail carries live secrets (password-reset, activation and invitation links) whose tokens the
 * database otherwise keeps only as hashes, so the subject and body are sealed with the master key
 * (AES-256-GCM, purpose `mail-outbox`) before they reach the database, in every mode: a dump of
 * the database or of SQLite's WAL holds no usable link. They are opened only to send the message
 * (from memory, at send time) and to show it in the development mailbox (`list`). Rows written
 * before sealing existed are sealed once at start (`sealPlaintextRows`).
 */
/** `kind` is the message's template id (templates.ts): only registered e-mail templates can be sent. */
export type MailMessage = { to: string; subject: string; text: string; kind: MailTemplateId };

const OUTBOX_PURPOSE = 'mail-outbox';
const UNREADABLE = '[this message was sealed with another master key and cannot be shown]';

export type OutboxEntry = z.infer<typeof outboxEntryView>;
type MailStatus = z.infer<typeof mailStatus>;

/**
 * The caller's transaction: `shareTransaction(trx)`.
 * TODO(25): drop the Kysely<any> form once every caller passes shareTransaction(trx)
 */
// biome-ignore lint/suspicious/noExplicitAny: transitional (issue 25), see the TODO above
export type CallerTransaction = SharedTransaction | Kysely<any>;

export class Mailer {
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  readonly #keyring: Keyring;
  readonly #transport: Transporter | undefined;
  readonly #from: string;
  readonly #log: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(opts: {
    db: Kysely<any>;
    clock: Clock;
    keyring: Keyring;
    smtpUrl?: string;
    from: string;
    log: Logger;
  }) {
    this.#db = opts.db;
    this.#clock = opts.clock;
    this.#keyring = opts.keyring;
    this.#from = opts.from;
    this.#log = opts.log;
    this.#transport = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : undefined;
  }

  #seal(text: string): string {
    return this.#keyring.encrypt(text, OUTBOX_PURPOSE);
  }

  /** Opens a sealed field; a row sealed under another master key shows a placeholder, never a 500. */
  #open(sealed: string, rowId: string): string {
    try {
      return this.#keyring.decrypt(sealed, OUTBOX_PURPOSE);
    } catch {
      this.#log.warn({ mailId: rowId }, 'outbox row cannot be opened with this master key');
      return UNREADABLE;
    }
  }

  /** Stores the message (inside the caller's transaction `tx` when given) and sends it after commit when SMTP is configured. */
  async send(msg: MailMessage, tx?: CallerTransaction): Promise<string> {
    const id = newId('mail', this.#clock.nowMs());
    // Both forms are the caller's transaction at run time (TODO(25): only SharedTransaction).
    await joinTransaction(this.#db, tx as SharedTransaction | undefined)
      .insertInto('mail_outbox')
      .values({
        id,
        created_at: this.#clock.now().toISOString(),
        to_address: msg.to.toLowerCase(),
        subject: this.#seal(msg.subject),
        text_body: this.#seal(msg.text),
        sealed: 1,
        kind: msg.kind,
        status: (this.#transport ? 'queued' : 'stored') satisfies MailStatus,
      })
      .execute();
    if (this.#transport) {
      const p = this.#deliver(id, msg).finally(() => this.#pending.delete(p));
      this.#pending.add(p);
    }
    return id;
  }

  async #deliver(id: string, msg: MailMessage): Promise<void> {
    // Give the caller's transaction time to commit before reading the row's fate.
    await new Promise((r) => setImmediate(r));
    try {
      await this.#transport!.sendMail({ from: this.#from, to: msg.to, subject: msg.subject, text: msg.text });
      await this.#db
        .updateTable('mail_outbox')
        .set({ status: 'sent', sent_at: this.#clock.now().toISOString() })
        .where('id', '=', id)
        .execute();
    } catch (err) {
      this.#log.warn({ mailId: id, err: (err as Error).message }, 'mail delivery failed');
      await this.#db
        .updateTable('mail_outbox')
        .set({ status: 'failed', error: String((err as Error).message).slice(0, 500) })
        .where('id', '=', id)
        .execute()
        .catch(() => {});
    }
  }

  async list(opts: { to?: string; limit?: number } = {}): Promise<OutboxEntry[]> {
    let q = this.#db.selectFrom('mail_outbox').selectAll().orderBy('id', 'desc');
    if (opts.to) q = q.where('to_address', '=', opts.to.toLowerCase());
    const rows = await q.limit(Math.min(opts.limit ?? 50, 500)).execute();
    return rows.map((r) => {
      const sealed = Number(r.sealed) === 1;
      return {
        id: r.id,
        createdAt: r.created_at,
        to: r.to_address,
        subject: sealed ? this.#open(r.subject, r.id) : r.subject,
        text: sealed ? this.#open(r.text_body, r.id) : r.text_body,
        kind: r.kind,
        status: r.status as MailStatus,
      };
    });
  }

  /**
   * Seals rows stored in plaintext by versions before outbox sealing (call once at start, after
   * migrations; with nothing to seal it costs one indexed lookup). Each row is updated only while
   * still unsealed, so processes starting together never seal a row twice. When rows were sealed
   * the database is compacted once (SQLite: VACUUM and a truncating WAL checkpoint; PostgreSQL:
   * VACUUM FULL mail_outbox), so old copies of the plaintext do not linger in free pages or old
   * WAL frames. PostgreSQL's own write-ahead log keeps the original inserts until it recycles its
   * segments; that is outside what the program can reach.
   */
  async sealPlaintextRows(batch = 500): Promise<number> {
    const sqlite = this.#db.getExecutor().adapter instanceof SqliteAdapter;
    const first = await this.#db
      .selectFrom('mail_outbox')
      .select('id')
      .where('sealed', '=', 0)
      .limit(1)
      .executeTakeFirst();
    if (!first) return 0;
    let sealed = 0;
    let secureDelete = 0;
    if (sqlite) {
      const r = await sql<{ secure_delete: number }>`pragma secure_delete`.execute(this.#db);
      secureDelete = Number(r.rows[0]?.secure_delete ?? 0);
      await sql`pragma secure_delete = on`.execute(this.#db);
    }
    try {
      for (;;) {
        const rows = await this.#db
          .selectFrom('mail_outbox')
          .select(['id', 'subject', 'text_body'])
          .where('sealed', '=', 0)
          .orderBy('id')
          .limit(batch)
          .execute();
        if (rows.length === 0) break;
        await this.#db.transaction().execute(async (trx) => {
          for (const r of rows) {
            const u = await trx
              .updateTable('mail_outbox')
              .set({ subject: this.#seal(r.subject), text_body: this.#seal(r.text_body), sealed: 1 })
              .where('id', '=', r.id)
              .where('sealed', '=', 0)
              .executeTakeFirst();
            sealed += Number(u.numUpdatedRows);
          }
        });
      }
    } finally {
      if (sqlite) await sql.raw(`pragma secure_delete = ${secureDelete}`).execute(this.#db);
    }
    // Pages freed before this run (page splits while the plaintext rows were written) still hold
    // copies: rebuild once, so the plaintext leaves the files (SQLite: the database and its WAL).
    try {
      if (sqlite) {
        await sql`vacuum`.execute(this.#db);
        await sql`pragma wal_checkpoint(truncate)`.execute(this.#db);
      } else {
        await sql`vacuum full mail_outbox`.execute(this.#db);
      }
    } catch (err) {
      this.#log.warn(
        { err: (err as Error).message },
        'outbox sealed, but the database could not be compacted: old plaintext copies may remain in free space until VACUUM runs',
      );
    }
    this.#log.info({ rows: sealed }, 'sealed plaintext outbox rows');
    return sealed;
  }

  /** Waits for deliveries in flight (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    this.#transport?.close();
  }
}

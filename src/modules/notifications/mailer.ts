import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { mailStatus, outboxEntryView } from './contracts.ts';
import { NotificationsStore } from './notifications-store.ts';
import type { NotificationsTables } from './tables.ts';
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

export class Mailer {
  readonly #store: NotificationsStore;
  readonly #clock: Clock;
  readonly #keyring: Keyring;
  readonly #transport: Transporter | undefined;
  readonly #from: string;
  readonly #log: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(opts: {
    db: Kysely<NotificationsTables>;
    clock: Clock;
    keyring: Keyring;
    smtpUrl?: string;
    from: string;
    log: Logger;
  }) {
    this.#store = new NotificationsStore(opts.db);
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
  async send(msg: MailMessage, tx?: SharedTransaction): Promise<string> {
    const id = newId('mail', this.#clock.nowMs());
    await this.#store.insertMail(
      {
        id,
        created_at: this.#clock.now().toISOString(),
        to_address: msg.to.toLowerCase(),
        subject: this.#seal(msg.subject),
        text_body: this.#seal(msg.text),
        sealed: 1,
        kind: msg.kind,
        status: (this.#transport ? 'queued' : 'stored') satisfies MailStatus,
      },
      // Both forms are the caller's transaction at run time (TODO(25): only SharedTransaction).
      tx,
    );
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
      await this.#store.markMailSent(id, this.#clock.now().toISOString());
    } catch (err) {
      this.#log.warn({ mailId: id, err: (err as Error).message }, 'mail delivery failed');
      await this.#store.markMailFailed(id, String((err as Error).message).slice(0, 500)).catch(() => {});
    }
  }

  async list(opts: { to?: string; limit?: number } = {}): Promise<OutboxEntry[]> {
    const rows = await this.#store.listMail({
      to: opts.to ? opts.to.toLowerCase() : undefined,
      limit: Math.min(opts.limit ?? 50, 500),
    });
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
    if (!(await this.#store.hasPlaintextMail())) return 0;
    let sealed = 0;
    await this.#store.withSecureDelete(async () => {
      for (;;) {
        const rows = await this.#store.plaintextMail(batch);
        if (rows.length === 0) break;
        sealed += await this.#store.sealMail(rows, (text) => this.#seal(text));
      }
    });
    // Pages freed before this run (page splits while the plaintext rows were written) still hold
    // copies: rebuild once, so the plaintext leaves the files (SQLite: the database and its WAL).
    try {
      await this.#store.compactOutbox();
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

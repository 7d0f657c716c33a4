import type { Kysely } from 'kysely';
import nodemailer, { type Transporter } from 'nodemailer';
import type { Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';

/**
 * Every message goes to the outbox first (so nothing is lost and the development mailbox can show
 * it); when SMTP_URL is set it is then sent, and the outcome is recorded on the row.
 */
export type MailMessage = { to: string; subject: string; text: string; kind: string };

export type OutboxEntry = {
  id: string;
  createdAt: string;
  to: string;
  subject: string;
  text: string;
  kind: string;
  status: string;
};

export class Mailer {
  readonly #db: Kysely<any>;
  readonly #clock: Clock;
  readonly #transport: Transporter | undefined;
  readonly #from: string;
  readonly #log: Logger;
  readonly #pending = new Set<Promise<void>>();

  constructor(opts: { db: Kysely<any>; clock: Clock; smtpUrl?: string; from: string; log: Logger }) {
    this.#db = opts.db;
    this.#clock = opts.clock;
    this.#from = opts.from;
    this.#log = opts.log;
    this.#transport = opts.smtpUrl ? nodemailer.createTransport(opts.smtpUrl) : undefined;
  }

  /** Stores the message (inside `trx` when given) and sends it after commit when SMTP is configured. */
  async send(msg: MailMessage, trx?: Kysely<any>): Promise<string> {
    const id = newId('mail', this.#clock.nowMs());
    await (trx ?? this.#db)
      .insertInto('mail_outbox')
      .values({
        id,
        created_at: this.#clock.now().toISOString(),
        to_address: msg.to.toLowerCase(),
        subject: msg.subject,
        text_body: msg.text,
        kind: msg.kind,
        status: this.#transport ? 'queued' : 'stored',
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
    return rows.map((r) => ({
      id: r.id,
      createdAt: r.created_at,
      to: r.to_address,
      subject: r.subject,
      text: r.text_body,
      kind: r.kind,
      status: r.status,
    }));
  }

  /** Waits for deliveries in flight (graceful shutdown). */
  async drain(): Promise<void> {
    await Promise.allSettled([...this.#pending]);
    this.#transport?.close();
  }
}

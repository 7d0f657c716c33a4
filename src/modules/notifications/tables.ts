import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The tables the notifications migrations build (migrations.ts, both of them in order), as the
 * store reads and writes them (ADR 0008).
 */
export const notificationsTables = [
  defineTable('mail_outbox', {
    id: col.text(),
    created_at: col.time(),
    to_address: col.text(),
    /** Sealed with the master key when `sealed` is 1 (mailer.ts). */
    subject: col.text(),
    /** Sealed with the master key when `sealed` is 1 (mailer.ts). */
    text_body: col.text(),
    kind: col.text(),
    status: col.text(),
    sent_at: col.time().nullable(),
    error: col.text().nullable(),
    /** 0 only for rows written before outbox sealing, until the mailer seals them at start. */
    sealed: col.flag().withDefault(),
  }),
  defineTable('notifications', {
    id: col.text(),
    user_id: col.text(),
    org_id: col.text().nullable(),
    created_at: col.time(),
    kind: col.text(),
    title: col.text(),
    body: col.text(),
    link: col.text().nullable(),
    read_at: col.time().nullable(),
  }),
] as const;

export type NotificationsTables = TablesOf<typeof notificationsTables>;

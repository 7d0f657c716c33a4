import { type Kysely, sql } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202611231901_notifications_outbox': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('mail_outbox')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('to_address', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('text_body', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('sent_at', 'text')
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('mail_outbox_to').on('mail_outbox').columns(['to_address', 'id']).execute();
      await db.schema
        .createTable('notifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('link', 'text')
        .addColumn('read_at', 'text')
        .execute();
      await db.schema
        .createIndex('notifications_user')
        .on('notifications')
        .columns(['user_id', 'id'])
        .execute();
    },
  },
  /**
   * Subjects and bodies are sealed with the master key from now on (mailer.ts). Rows written before
   * keep sealed = 0 until the mailer seals them at start; the partial index keeps that start-up
   * check cheap however large the outbox grows.
   */
  '202612062105_notifications_outbox_sealed': {
    async up(db: Kysely<any>) {
      await db.schema
        .alterTable('mail_outbox')
        .addColumn('sealed', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('mail_outbox_unsealed')
        .on('mail_outbox')
        .column('id')
        .where(sql.ref('sealed'), '=', 0)
        .execute();
    },
  },
};

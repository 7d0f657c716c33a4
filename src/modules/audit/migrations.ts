import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202611231900_audit_events': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('audit_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('target_type', 'text')
        .addColumn('target_id', 'text')
        .addColumn('org_id', 'text')
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('details', 'text', (c) => c.notNull().defaultTo('{}'))
        // Reserved for the hash chain (a later issue fills these without changing callers).
        .addColumn('prev_hash', 'text')
        .addColumn('hash', 'text')
        .execute();
      await db.schema
        .createIndex('audit_events_org_at')
        .on('audit_events')
        .columns(['org_id', 'at'])
        .execute();
      await db.schema
        .createIndex('audit_events_actor_at')
        .on('audit_events')
        .columns(['actor_id', 'at'])
        .execute();
      await db.schema
        .createIndex('audit_events_action')
        .on('audit_events')
        .columns(['action', 'at'])
        .execute();
    },
  },
};

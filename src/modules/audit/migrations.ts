import { type Kysely, sql } from 'kysely';
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
  '202612070200_audit_chain': {
    // The hash chain (docs/audit.md): the sealer fills seq, prev_hash and hash after commit; signed
    // checkpoints anchor it; one state row holds the sealer's lease and the last verification.
    async up(db: Kysely<any>) {
      await db.schema.alterTable('audit_events').addColumn('seq', 'bigint').execute();
      await db.schema.createIndex('audit_events_seq').on('audit_events').column('seq').unique().execute();
      await db.schema
        .createTable('audit_checkpoints')
        .addColumn('seq', 'bigint', (c) => c.primaryKey())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('signature', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('audit_chain_state')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addColumn('last_verification', 'text')
        .execute();
    },
  },
  '202612070230_audit_unsealed_index': {
    // The sealer's query (unsealed events in id order) must read a small partial index, not every
    // unsealed row through the seq index (what SQLite picks without statistics): so the unique
    // index on seq leaves out the NULLs, and the unsealed have their own index, by id. The
    // verifier's range reads (seq > ?) imply seq IS NOT NULL and use the first on both engines.
    async up(db: Kysely<any>) {
      await db.schema.dropIndex('audit_events_seq').execute();
      await db.schema
        .createIndex('audit_events_seq')
        .on('audit_events')
        .column('seq')
        .unique()
        .where(sql.ref('seq'), 'is not', null)
        .execute();
      await db.schema
        .createIndex('audit_events_unsealed')
        .on('audit_events')
        .column('id')
        .where(sql.ref('seq'), 'is', null)
        .execute();
    },
  },
};

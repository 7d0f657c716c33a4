import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202612070500_conformance': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('conformance_suites')
        .addColumn('product_slug', 'text', (c) => c.primaryKey())
        .addColumn('cases', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('conformance_calls')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('product_slug', 'text', (c) => c.notNull())
        .addColumn('operation_id', 'text', (c) => c.notNull())
        .addColumn('network_code', 'text')
        .addColumn('rrn', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('call', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('conformance_calls_app_rrn')
        .on('conformance_calls')
        .columns(['app_id', 'rrn'])
        .execute();
      await db.schema
        .createIndex('conformance_calls_product')
        .on('conformance_calls')
        .columns(['product_slug', 'id'])
        .execute();
      await db.schema.createIndex('conformance_calls_at').on('conformance_calls').column('at_ms').execute();
      await db.schema
        .createTable('conformance_passes')
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('product_slug', 'text', (c) => c.notNull())
        .addColumn('case_id', 'text', (c) => c.notNull())
        .addColumn('case_hash', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('earlier_request_id', 'text')
        .addColumn('at_ms', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('conformance_passes_pk', ['app_id', 'product_slug', 'case_id', 'case_hash'])
        .execute();
    },
  },
};

import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202612070400_regulator_requests_exports_information_requests': {
    async up(db: Kysely<any>) {
      const text = (name: string, notNull = true) => [name, 'text', notNull] as const;
      const t = db.schema.createTable('regulator_requests').addColumn('id', 'text', (c) => c.primaryKey());
      const cols: ReadonlyArray<readonly [string, 'text' | 'integer', boolean]> = [
        text('authority'),
        text('reference'),
        text('legal_basis'),
        text('due_at'),
        text('scope'),
        text('resolved_org_ids'),
        text('range_from'),
        text('range_to'),
        text('data_classes'),
        ['confidential', 'integer', true],
        text('notes'),
        text('status'),
        text('created_by'),
        text('created_at'),
        text('approved_by', false),
        text('approved_at', false),
        text('delivered_at', false),
        text('export_state'),
        ['export_rows', 'integer', true],
        text('export_progress', false),
        text('export_error', false),
        text('manifest', false),
        text('manifest_sig', false),
        text('sums', false),
        text('sums_sig', false),
        text('key_id', false),
        text('due_noticed_at', false),
      ];
      let table = t;
      for (const [name, type, notNull] of cols)
        table = table.addColumn(name, type, (c) => (notNull ? c.notNull() : c));
      await table.execute();
      await db.schema
        .createIndex('regulator_requests_export')
        .on('regulator_requests')
        .columns(['export_state', 'id'])
        .execute();
      await db.schema
        .createTable('regulator_export_files')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('size', 'bigint', (c) => c.notNull())
        .addColumn('sha256', 'text', (c) => c.notNull())
        .addColumn('rows', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('regulator_export_files_pk', ['request_id', 'path'])
        .execute();
      await db.schema
        .createTable('regulator_export_chunks')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('data_enc', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('regulator_export_chunks_pk', ['request_id', 'path', 'seq'])
        .execute();
      await db.schema
        .createTable('information_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('subject', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('due_at', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('answer', 'text')
        .addColumn('answered_by', 'text')
        .addColumn('answered_at', 'text')
        .execute();
      await db.schema
        .createIndex('information_requests_org')
        .on('information_requests')
        .columns(['org_id', 'id'])
        .execute();
    },
  },
};

import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202612070400_detector_settings': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('detector_settings')
        .addColumn('detector_id', 'text', (c) => c.primaryKey())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('thresholds', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202611231930_catalog_products_apis_plans': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('catalog_products')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        // draft | published | deprecated | retired
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(100))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text')
        .addColumn('deprecated_at', 'text')
        .addColumn('retired_at', 'text')
        .addColumn('lifecycle_note', 'text')
        .execute();
      await db.schema
        .createTable('catalog_apis')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addColumn('openapi', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('catalog_apis_product_name_version')
        .on('catalog_apis')
        .columns(['product_id', 'name', 'version'])
        .unique()
        .execute();
      await db.schema
        .createTable('catalog_plans')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        // JSON [{ period, limit }]
        .addColumn('rate_limits', 'text', (c) => c.notNull())
        // JSON { operationId: [{ period, limit }] }
        .addColumn('operation_rate_limits', 'text', (c) => c.notNull())
        .addColumn('burst', 'integer')
        .addColumn('quota_day', 'integer')
        .addColumn('quota_month', 'integer')
        .addColumn('time_zone', 'text', (c) => c.notNull())
        .addColumn('end_user_cap', 'integer')
        .addColumn('end_user_period', 'text')
        .addColumn('approval_required', 'integer', (c) => c.notNull())
        // active | retired
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('sort', 'integer', (c) => c.notNull().defaultTo(100))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('catalog_plans_product_name')
        .on('catalog_plans')
        .columns(['product_id', 'name'])
        .unique()
        .execute();
    },
  },
};

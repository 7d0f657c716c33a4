import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The catalogue's tables, exactly as its migrations build them (migrations.ts): products, their
 * API documents and their plans. Compared with the migrated schema on both engines by a test.
 */
export const catalogTables = [
  defineTable('catalog_products', {
    id: col.text(),
    slug: col.text(),
    name: col.text(),
    description: col.text(),
    /** draft | published | deprecated | retired */
    status: col.text(),
    sort: col.int().withDefault(),
    created_at: col.time(),
    updated_at: col.time(),
    published_at: col.time().nullable(),
    deprecated_at: col.time().nullable(),
    retired_at: col.time().nullable(),
    lifecycle_note: col.text().nullable(),
  }),
  defineTable('catalog_apis', {
    id: col.text(),
    product_id: col.text(),
    name: col.text(),
    version: col.text(),
    /** The OpenAPI 3.1 document. */
    openapi: col.json(),
    created_at: col.time(),
    updated_at: col.time(),
  }),
  defineTable('catalog_plans', {
    id: col.text(),
    product_id: col.text(),
    name: col.text(),
    description: col.text(),
    /** [{ period, limit }] */
    rate_limits: col.json(),
    /** { operationId: [{ period, limit }] } */
    operation_rate_limits: col.json(),
    burst: col.int().nullable(),
    quota_day: col.int().nullable(),
    quota_month: col.int().nullable(),
    time_zone: col.text(),
    end_user_cap: col.int().nullable(),
    end_user_period: col.text().nullable(),
    approval_required: col.flag(),
    /** active | retired */
    status: col.text(),
    sort: col.int().withDefault(),
    created_at: col.time(),
    updated_at: col.time(),
  }),
] as const;

export type CatalogTables = TablesOf<typeof catalogTables>;

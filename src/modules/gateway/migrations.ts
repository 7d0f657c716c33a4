import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

/**
 * gateway_usage: one row per gateway call (the monitoring record; kept long).
 * gateway_request_logs: the masked request/response bodies for the developer's request log, one
 * row per call with the same id; pruned after the configured retention.
 */
export const migrations: MigrationSet = {
  '202611232000_gateway_usage': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('gateway_usage')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        .addColumn('app_id', 'text')
        .addColumn('product_slug', 'text')
        .addColumn('operation_id', 'text')
        .addColumn('catalog', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('error_code', 'text')
        .addColumn('network_code', 'text')
        .addColumn('latency_us', 'integer', (c) => c.notNull())
        .addColumn('client_ip', 'text')
        .addColumn('end_user_hash', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('bytes_in', 'integer', (c) => c.notNull())
        .addColumn('bytes_out', 'integer', (c) => c.notNull())
        .addColumn('replayed', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('live_data_suspected', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('gateway_usage_org_at')
        .on('gateway_usage')
        .columns(['org_id', 'at'])
        .execute();
      await db.schema
        .createIndex('gateway_usage_app_at')
        .on('gateway_usage')
        .columns(['app_id', 'at'])
        .execute();
      await db.schema.createIndex('gateway_usage_request').on('gateway_usage').column('request_id').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('gateway_usage').execute();
    },
  },
  '202611232001_gateway_request_logs': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('gateway_request_logs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        .addColumn('app_id', 'text')
        .addColumn('request_headers', 'text')
        .addColumn('request_body', 'text')
        .addColumn('response_body', 'text')
        .execute();
      await db.schema
        .createIndex('gateway_request_logs_at')
        .on('gateway_request_logs')
        .column('at')
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropTable('gateway_request_logs').execute();
    },
  },
  /**
   * Why a call's bodies are not in its request-log row when they could not be stored (a body too
   * deep to serialise, a row the database refused): the usage writer writes such a row reduced.
   */
  '202612062140_gateway_request_logs_dropped_reason': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('gateway_request_logs').addColumn('dropped_reason', 'text').execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.alterTable('gateway_request_logs').dropColumn('dropped_reason').execute();
    },
  },
  /**
   * Each call's outcome (approved | declined | failed, outcome.ts), written by the usage writer.
   * Nullable and without a default, so adding it is instant on both engines (no table rewrite).
   * Existing rows are NOT back-filled here: PostgreSQL runs the migrations in one transaction, which
   * would hold the table's lock until every row was updated. The gateway module back-fills them after
   * start-up instead, in short batches of their own (usage-service.ts `backfillOutcomes`).
   * The index serves the request log's outcome filter within an organisation.
   */
  '202612070220_gateway_usage_outcome': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('gateway_usage').addColumn('outcome', 'text').execute();
      await db.schema
        .createIndex('gateway_usage_org_outcome_at')
        .on('gateway_usage')
        .columns(['org_id', 'outcome', 'at'])
        .execute();
    },
    async down(db: Kysely<any>) {
      await db.schema.dropIndex('gateway_usage_org_outcome_at').execute();
      await db.schema.alterTable('gateway_usage').dropColumn('outcome').execute();
    },
  },
};

import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202611231931_apps_credentials_subscriptions': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('apps')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('callback_urls', 'text', (c) => c.notNull())
        .addColumn('public_key_pem', 'text')
        .addColumn('client_id', 'text', (c) => c.notNull().unique())
        // sandbox | production
        .addColumn('environment', 'text', (c) => c.notNull())
        // active | suspended | revoked
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('apps_org').on('apps').columns(['org_id', 'id']).execute();

      await db.schema
        .createTable('app_client_secrets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        // keyring.hmac(secret, 'client-secret'): the secret itself is never stored
        .addColumn('secret_hash', 'text', (c) => c.notNull().unique())
        .addColumn('hint', 'text', (c) => c.notNull())
        // active | revoked
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('app_client_secrets_app')
        .on('app_client_secrets')
        .columns(['app_id'])
        .execute();

      await db.schema
        .createTable('subscriptions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('product_id', 'text', (c) => c.notNull())
        .addColumn('product_slug', 'text', (c) => c.notNull())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        // pending | active | declined | cancelled
        .addColumn('status', 'text', (c) => c.notNull())
        // `${app_id}:${product_id}` while pending or active, else null: one live plan per product
        .addColumn('live_key', 'text', (c) => c.unique())
        .addColumn('reason', 'text')
        .addColumn('requested_by', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .addColumn('cancelled_at', 'text')
        .execute();
      await db.schema
        .createIndex('subscriptions_app')
        .on('subscriptions')
        .columns(['app_id', 'product_slug'])
        .execute();
      await db.schema
        .createIndex('subscriptions_status')
        .on('subscriptions')
        .columns(['status', 'id'])
        .execute();

      await db.schema
        .createTable('production_access_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        // pending | approved | declined
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('note', 'text')
        .addColumn('reason', 'text')
        .addColumn('requested_by', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .execute();
      await db.schema
        .createIndex('production_access_requests_app')
        .on('production_access_requests')
        .columns(['app_id'])
        .execute();

      await db.schema
        .createTable('limit_requests')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('subscription_id', 'text', (c) => c.notNull())
        .addColumn('plan_id', 'text', (c) => c.notNull())
        .addColumn('product_slug', 'text', (c) => c.notNull())
        // rate:second|minute|hour|day|week, quota:day|month, end-users, burst
        .addColumn('limit_kind', 'text', (c) => c.notNull())
        .addColumn('operation_id', 'text')
        .addColumn('current_value', 'integer', (c) => c.notNull())
        .addColumn('requested_value', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('requested_until', 'text')
        // pending | approved | declined | cancelled
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('granted_value', 'integer')
        .addColumn('granted_until', 'text')
        .addColumn('conditions_terms', 'text')
        .addColumn('terms_accepted_at', 'text')
        .addColumn('terms_accepted_by', 'text')
        .addColumn('decision_note', 'text')
        .addColumn('requested_by', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('decided_at', 'text')
        .execute();
      await db.schema
        .createIndex('limit_requests_app')
        .on('limit_requests')
        .columns(['app_id', 'status'])
        .execute();
      await db.schema
        .createIndex('limit_requests_org')
        .on('limit_requests')
        .columns(['org_id', 'id'])
        .execute();
    },
  },
};

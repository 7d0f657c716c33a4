import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';
import { newId } from '../../platform/ids.ts';

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
  /**
   * Separate production credentials (issue 35): an app keeps its sandbox client id (`client_id`) for
   * good; the first production grant gives it a second one (`production_client_id`), whose secrets
   * are the rows with `catalog = 'production'`. Production access is asked and granted per (app,
   * product): the request names its product.
   *
   * Apps already in production (environment = 'production', the old in-place flip) keep working
   * unchanged in production: their client id, secrets and live tokens become their production
   * credentials (production_client_id = the old client id, secrets marked production), each approved
   * request is spread to one approved request per product the app is subscribed to, and the app gets
   * a new sandbox client id, without a secret (its developers create one in the portal). Requests
   * of an app with no live subscription keep no product (history: they grant nothing).
   */
  '202612070530_apps_production_credentials': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('apps').addColumn('production_client_id', 'text').execute();
      await db.schema
        .createIndex('apps_production_client_id')
        .unique()
        .on('apps')
        .column('production_client_id')
        .execute();
      await db.schema
        .alterTable('app_client_secrets')
        .addColumn('catalog', 'text', (c) => c.notNull().defaultTo('sandbox'))
        .execute();
      await db.schema.alterTable('production_access_requests').addColumn('product_id', 'text').execute();
      await db.schema.alterTable('production_access_requests').addColumn('product_slug', 'text').execute();
      await db.schema
        .createIndex('production_access_requests_app_product')
        .on('production_access_requests')
        .columns(['app_id', 'product_id'])
        .execute();

      await moveFlippedApps(db);
    },
  },
};

/**
 * The data half of 202612070530 (exported for its test): apps flipped in place to production get
 * their old client id and secrets as production credentials and a new sandbox client id; requests
 * without a product are spread over the app's live subscriptions. Running it twice changes nothing
 * more (no app is left with environment = 'production', no request of a subscribed app without a
 * product).
 */
export async function moveFlippedApps(db: Kysely<any>): Promise<void> {
  const flipped = await db
    .selectFrom('apps')
    .select(['id', 'client_id'])
    .where('environment', '=', 'production')
    .execute();
  for (const app of flipped) {
    await db
      .updateTable('apps')
      .set({
        production_client_id: app.client_id,
        client_id: randomBytes(16).toString('hex'),
        environment: 'sandbox',
      })
      .where('id', '=', app.id)
      .execute();
    await db
      .updateTable('app_client_secrets')
      .set({ catalog: 'production' })
      .where('app_id', '=', app.id)
      .execute();
  }
  const subs = await db
    .selectFrom('subscriptions')
    .select(['app_id', 'product_id', 'product_slug'])
    .where('status', 'in', ['active', 'pending'])
    .orderBy('id')
    .execute();
  const requests = await db
    .selectFrom('production_access_requests')
    .selectAll()
    .where('product_id', 'is', null)
    .orderBy('id')
    .execute();
  for (const r of requests) {
    const products = subs.filter((s) => s.app_id === r.app_id);
    for (const [i, p] of products.entries()) {
      const set = { product_id: p.product_id, product_slug: p.product_slug };
      if (i === 0) {
        await db.updateTable('production_access_requests').set(set).where('id', '=', r.id).execute();
      } else {
        await db
          .insertInto('production_access_requests')
          .values({ ...r, ...set, id: newId('prq') })
          .execute();
      }
    }
  }
}

import type { Insertable, Kysely, Selectable, Updateable } from 'kysely';
import { type SharedTransaction, shareTransaction } from '../../platform/db/shared-transaction.ts';
import type { AppsTables } from './tables.ts';

/**
 * The apps module's SQL, and the only file of the module with any: apps, client secrets,
 * subscriptions, production access requests and limit-increase requests. Typed to the module's own
 * tables. `transaction` runs a unit of work on a store bound to one transaction and hands the
 * same transaction on as a `SharedTransaction`, so the audit event commits with the change.
 */
export type AppRow = Selectable<AppsTables['apps']>;
export type SecretRow = Selectable<AppsTables['app_client_secrets']>;
/** What a secret's status is read from. */
export type SecretState = Pick<SecretRow, 'id' | 'status' | 'expires_at'>;
/** Which of an app's two client ids a secret belongs to. */
export type SecretCatalog = 'sandbox' | 'production';
export type SubscriptionRow = Selectable<AppsTables['subscriptions']>;
export type ProductionRequestRow = Selectable<AppsTables['production_access_requests']>;
export type LimitRequestRow = Selectable<AppsTables['limit_requests']>;

export type AppChange = Updateable<AppsTables['apps']>;
export type LimitRequestChange = Updateable<AppsTables['limit_requests']>;

export class AppsStore {
  readonly #db: Kysely<AppsTables>;

  constructor(db: Kysely<AppsTables>) {
    this.#db = db;
  }

  /** Runs `fn` on a store bound to one transaction (committed when `fn` resolves). */
  transaction<R>(fn: (store: AppsStore, tx: SharedTransaction) => Promise<R>): Promise<R> {
    return this.#db.transaction().execute((trx) => fn(new AppsStore(trx), shareTransaction(trx)));
  }

  // ---------------------------------------------------------------- apps
  /** The organisation's app (any status). */
  findApp(orgId: string, appId: string): Promise<AppRow | undefined> {
    return this.#db
      .selectFrom('apps')
      .selectAll()
      .where('id', '=', appId)
      .where('org_id', '=', orgId)
      .executeTakeFirst();
  }

  findAppById(appId: string): Promise<AppRow | undefined> {
    return this.#db.selectFrom('apps').selectAll().where('id', '=', appId).executeTakeFirst();
  }

  /** The app whose sandbox or production client id this is (each is unique across both). */
  findAppByClientId(clientId: string): Promise<AppRow | undefined> {
    return this.#db
      .selectFrom('apps')
      .selectAll()
      .where((w) => w.or([w('client_id', '=', clientId), w('production_client_id', '=', clientId)]))
      .executeTakeFirst();
  }

  /** The organisation's apps that are not revoked, oldest first (at most 500). */
  listAppsOfOrg(orgId: string): Promise<AppRow[]> {
    return this.#db
      .selectFrom('apps')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('status', '!=', 'revoked')
      .orderBy('id')
      .limit(500)
      .execute();
  }

  /** Every app, newest first, optionally of one organisation or status. */
  listAllApps(filter: { orgId?: string; status?: string; limit: number }): Promise<AppRow[]> {
    let q = this.#db.selectFrom('apps').selectAll();
    if (filter.orgId) q = q.where('org_id', '=', filter.orgId);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.orderBy('id', 'desc').limit(filter.limit).execute();
  }

  /** The organisation's apps that are not revoked (in no particular order). */
  unrevokedAppsOfOrg(orgId: string): Promise<AppRow[]> {
    return this.#db
      .selectFrom('apps')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('status', '!=', 'revoked')
      .execute();
  }

  async insertApp(values: Insertable<AppsTables['apps']>): Promise<void> {
    await this.#db.insertInto('apps').values(values).execute();
  }

  async updateApp(appId: string, set: AppChange): Promise<void> {
    await this.#db.updateTable('apps').set(set).where('id', '=', appId).execute();
  }

  // ---------------------------------------------------------------- client secrets
  /** The 20 newest secrets of the app's client id for `catalog`. */
  recentSecrets(appId: string, catalog: SecretCatalog): Promise<SecretRow[]> {
    return this.#db
      .selectFrom('app_client_secrets')
      .selectAll()
      .where('app_id', '=', appId)
      .where('catalog', '=', catalog)
      .orderBy('id', 'desc')
      .limit(20)
      .execute();
  }

  async insertSecret(values: Insertable<AppsTables['app_client_secrets']>): Promise<void> {
    await this.#db.insertInto('app_client_secrets').values(values).execute();
  }

  /** The secrets of the app's client id for `catalog` with status active (some may have expired). */
  activeSecrets(appId: string, catalog: SecretCatalog): Promise<SecretState[]> {
    return this.#db
      .selectFrom('app_client_secrets')
      .select(['id', 'status', 'expires_at'])
      .where('app_id', '=', appId)
      .where('catalog', '=', catalog)
      .where('status', '=', 'active')
      .execute();
  }

  /** Revokes every active secret of the app (of one catalog's client id when `catalog` is given). */
  async revokeActiveSecrets(appId: string, at: string, catalog?: SecretCatalog): Promise<void> {
    let q = this.#db
      .updateTable('app_client_secrets')
      .set({ status: 'revoked', revoked_at: at })
      .where('app_id', '=', appId)
      .where('status', '=', 'active');
    if (catalog) q = q.where('catalog', '=', catalog);
    await q.execute();
  }

  /** Revokes one active secret of the app's `catalog` client id; returns how many rows changed (0 or 1). */
  async revokeSecret(secretId: string, appId: string, catalog: SecretCatalog, at: string): Promise<number> {
    const res = await this.#db
      .updateTable('app_client_secrets')
      .set({ status: 'revoked', revoked_at: at })
      .where('id', '=', secretId)
      .where('app_id', '=', appId)
      .where('catalog', '=', catalog)
      .where('status', '=', 'active')
      .executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** The app's secret with this hash, only among those of its `catalog` client id. */
  findSecretByHash(
    secretHash: string,
    appId: string,
    catalog: SecretCatalog,
  ): Promise<SecretState | undefined> {
    return this.#db
      .selectFrom('app_client_secrets')
      .select(['id', 'status', 'expires_at'])
      .where('secret_hash', '=', secretHash)
      .where('app_id', '=', appId)
      .where('catalog', '=', catalog)
      .executeTakeFirst();
  }

  findSecret(secretId: string): Promise<SecretState | undefined> {
    return this.#db
      .selectFrom('app_client_secrets')
      .select(['id', 'status', 'expires_at'])
      .where('id', '=', secretId)
      .executeTakeFirst();
  }

  // ---------------------------------------------------------------- production access
  /** The app's requests, newest first (at most 200): the newest per product is its state. */
  productionRequestsOfApp(appId: string): Promise<ProductionRequestRow[]> {
    return this.#db
      .selectFrom('production_access_requests')
      .selectAll()
      .where('app_id', '=', appId)
      .orderBy('id', 'desc')
      .limit(200)
      .execute();
  }

  /** The app's request for a product that is pending or approved (the newest), if any. */
  liveProductionRequest(appId: string, productId: string): Promise<ProductionRequestRow | undefined> {
    return this.#db
      .selectFrom('production_access_requests')
      .selectAll()
      .where('app_id', '=', appId)
      .where('product_id', '=', productId)
      .where('status', 'in', ['pending', 'approved'])
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
  }

  /** Has the app been granted production access to the product (by slug)? */
  async hasProductionGrant(appId: string, productSlug: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('production_access_requests')
      .select('id')
      .where('app_id', '=', appId)
      .where('product_slug', '=', productSlug)
      .where('status', '=', 'approved')
      .limit(1)
      .executeTakeFirst();
    return !!row;
  }

  findProductionRequest(id: string): Promise<ProductionRequestRow | undefined> {
    return this.#db
      .selectFrom('production_access_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  getProductionRequest(id: string): Promise<ProductionRequestRow> {
    return this.#db
      .selectFrom('production_access_requests')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  }

  /** Newest first (at most 500), optionally of one status. */
  listProductionRequests(status?: string): Promise<ProductionRequestRow[]> {
    let q = this.#db.selectFrom('production_access_requests').selectAll();
    if (status) q = q.where('status', '=', status);
    return q.orderBy('id', 'desc').limit(500).execute();
  }

  async insertProductionRequest(values: Insertable<AppsTables['production_access_requests']>): Promise<void> {
    await this.#db.insertInto('production_access_requests').values(values).execute();
  }

  async updateProductionRequest(
    id: string,
    set: Updateable<AppsTables['production_access_requests']>,
  ): Promise<void> {
    await this.#db.updateTable('production_access_requests').set(set).where('id', '=', id).execute();
  }

  // ---------------------------------------------------------------- subscriptions
  /** Throws the engine's unique violation when the app already has a live plan of the product. */
  async insertSubscription(values: Insertable<AppsTables['subscriptions']>): Promise<void> {
    await this.#db.insertInto('subscriptions').values(values).execute();
  }

  /** The organisation's subscription (of that app when `appId` is given). */
  findSubscription(orgId: string, appId: string | null, subId: string): Promise<SubscriptionRow | undefined> {
    let q = this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('id', '=', subId)
      .where('org_id', '=', orgId);
    if (appId) q = q.where('app_id', '=', appId);
    return q.executeTakeFirst();
  }

  findSubscriptionById(subId: string): Promise<SubscriptionRow | undefined> {
    return this.#db.selectFrom('subscriptions').selectAll().where('id', '=', subId).executeTakeFirst();
  }

  /** The app's subscriptions, newest first (at most 200). */
  listSubscriptionsOfApp(orgId: string, appId: string): Promise<SubscriptionRow[]> {
    return this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('app_id', '=', appId)
      .where('org_id', '=', orgId)
      .orderBy('id', 'desc')
      .limit(200)
      .execute();
  }

  /** Subscriptions of one status, oldest first (at most 500). */
  listSubscriptionsByStatus(status: string): Promise<SubscriptionRow[]> {
    return this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('status', '=', status)
      .orderBy('id')
      .limit(500)
      .execute();
  }

  /** Cancels one subscription (its live key freed). */
  async cancelSubscription(subId: string, at: string): Promise<void> {
    await this.#db
      .updateTable('subscriptions')
      .set({ status: 'cancelled', live_key: null, cancelled_at: at })
      .where('id', '=', subId)
      .execute();
  }

  /** Cancels the app's pending and active subscriptions. */
  async cancelLiveSubscriptionsOfApp(appId: string, at: string): Promise<void> {
    await this.#db
      .updateTable('subscriptions')
      .set({ status: 'cancelled', live_key: null, cancelled_at: at })
      .where('app_id', '=', appId)
      .where('status', 'in', ['pending', 'active'])
      .execute();
  }

  /** Decides a subscription that is still pending (nothing happens if it no longer is). */
  async decidePendingSubscription(
    subId: string,
    set: Updateable<AppsTables['subscriptions']>,
  ): Promise<void> {
    await this.#db
      .updateTable('subscriptions')
      .set(set)
      .where('id', '=', subId)
      .where('status', '=', 'pending')
      .execute();
  }

  /** The app's active subscription to a product (by product id), if any. */
  activeSubscriptionToProduct(appId: string, productId: string): Promise<SubscriptionRow | undefined> {
    return this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('app_id', '=', appId)
      .where('product_id', '=', productId)
      .where('status', '=', 'active')
      .executeTakeFirst();
  }

  async hasActiveSubscription(appId: string): Promise<boolean> {
    const row = await this.#db
      .selectFrom('subscriptions')
      .select('id')
      .where('app_id', '=', appId)
      .where('status', '=', 'active')
      .limit(1)
      .executeTakeFirst();
    return !!row;
  }

  /** The product's pending and active subscriptions. */
  liveSubscriptionsOfProduct(productId: string): Promise<SubscriptionRow[]> {
    return this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('product_id', '=', productId)
      .where('status', 'in', ['pending', 'active'])
      .execute();
  }

  /** Cancels the product's pending and active subscriptions with `reason`. */
  async cancelLiveSubscriptionsOfProduct(productId: string, at: string, reason: string): Promise<void> {
    await this.#db
      .updateTable('subscriptions')
      .set({ status: 'cancelled', live_key: null, cancelled_at: at, reason })
      .where('product_id', '=', productId)
      .where('status', 'in', ['pending', 'active'])
      .execute();
  }

  /** The app's 20 newest subscriptions to a product. */
  recentSubscriptions(appId: string, productSlug: string): Promise<SubscriptionRow[]> {
    return this.#db
      .selectFrom('subscriptions')
      .selectAll()
      .where('app_id', '=', appId)
      .where('product_slug', '=', productSlug)
      .orderBy('id', 'desc')
      .limit(20)
      .execute();
  }

  // ---------------------------------------------------------------- limit-increase requests
  /** The app's approved requests on a plan (in force or not). */
  approvedLimitRequests(appId: string, planId: string): Promise<LimitRequestRow[]> {
    return this.#db
      .selectFrom('limit_requests')
      .selectAll()
      .where('app_id', '=', appId)
      .where('plan_id', '=', planId)
      .where('status', '=', 'approved')
      .execute();
  }

  async insertLimitRequest(values: Insertable<AppsTables['limit_requests']>): Promise<void> {
    await this.#db.insertInto('limit_requests').values(values).execute();
  }

  /** A request by id (of that organisation when `orgId` is given). */
  findLimitRequest(id: string, orgId?: string): Promise<LimitRequestRow | undefined> {
    let q = this.#db.selectFrom('limit_requests').selectAll().where('id', '=', id);
    if (orgId !== undefined) q = q.where('org_id', '=', orgId);
    return q.executeTakeFirst();
  }

  /** Newest first (at most 500), filtered by organisation, app and status when given. */
  listLimitRequests(filter: { orgId?: string; status?: string; appId?: string }): Promise<LimitRequestRow[]> {
    let q = this.#db.selectFrom('limit_requests').selectAll();
    if (filter.orgId) q = q.where('org_id', '=', filter.orgId);
    if (filter.appId) q = q.where('app_id', '=', filter.appId);
    if (filter.status) q = q.where('status', '=', filter.status);
    return q.orderBy('id', 'desc').limit(500).execute();
  }

  async updateLimitRequest(id: string, set: LimitRequestChange): Promise<void> {
    await this.#db.updateTable('limit_requests').set(set).where('id', '=', id).execute();
  }

  /** Decides a request that is still pending (nothing happens if it no longer is). */
  async decidePendingLimitRequest(id: string, set: LimitRequestChange): Promise<void> {
    await this.#db
      .updateTable('limit_requests')
      .set(set)
      .where('id', '=', id)
      .where('status', '=', 'pending')
      .execute();
  }
}

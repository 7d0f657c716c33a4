import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The apps module's tables, exactly as its migrations build them (migrations.ts): apps, their
 * client secrets (stored only as keyed hashes), subscriptions, production access requests and
 * limit-increase requests.
 */
export const appsTables = [
  defineTable('apps', {
    id: col.text(),
    org_id: col.text(),
    name: col.text(),
    description: col.text(),
    /** JSON array of URLs. */
    callback_urls: col.json(),
    public_key_pem: col.text().nullable(),
    /** The sandbox client id (for good; production has its own). */
    client_id: col.text(),
    /** Issued with the app's first production grant; null until then. */
    production_client_id: col.text().nullable(),
    /** Always 'sandbox' since production got its own client id (kept for old readers). */
    environment: col.text(),
    /** active | suspended | revoked */
    status: col.text(),
    status_reason: col.text().nullable(),
    created_by: col.text().nullable(),
    created_at: col.time(),
    updated_at: col.time(),
  }),
  defineTable('app_client_secrets', {
    id: col.text(),
    app_id: col.text(),
    /** keyring.hmac(secret, 'client-secret'): the secret itself is never stored. */
    secret_hash: col.text(),
    hint: col.text(),
    /** sandbox | production: which of the app's two client ids the secret belongs to. */
    catalog: col.text(),
    /** active | revoked */
    status: col.text(),
    expires_at: col.time().nullable(),
    created_by: col.text().nullable(),
    created_at: col.time(),
    revoked_at: col.time().nullable(),
  }),
  defineTable('subscriptions', {
    id: col.text(),
    app_id: col.text(),
    org_id: col.text(),
    product_id: col.text(),
    product_slug: col.text(),
    plan_id: col.text(),
    /** pending | active | declined | cancelled */
    status: col.text(),
    /** `${app_id}:${product_id}` while pending or active, else null: one live plan per product. */
    live_key: col.text().nullable(),
    reason: col.text().nullable(),
    requested_by: col.text().nullable(),
    decided_by: col.text().nullable(),
    created_at: col.time(),
    decided_at: col.time().nullable(),
    cancelled_at: col.time().nullable(),
  }),
  defineTable('production_access_requests', {
    id: col.text(),
    app_id: col.text(),
    org_id: col.text(),
    /** The product asked for; null only on requests from before production was per product. */
    product_id: col.text().nullable(),
    product_slug: col.text().nullable(),
    /** pending | approved | declined; an approved request is the (app, product) grant. */
    status: col.text(),
    note: col.text().nullable(),
    reason: col.text().nullable(),
    requested_by: col.text().nullable(),
    decided_by: col.text().nullable(),
    created_at: col.time(),
    decided_at: col.time().nullable(),
  }),
  defineTable('limit_requests', {
    id: col.text(),
    app_id: col.text(),
    org_id: col.text(),
    subscription_id: col.text(),
    plan_id: col.text(),
    product_slug: col.text(),
    /** rate:second|minute|hour|day|week, quota:day|month, end-users, burst */
    limit_kind: col.text(),
    operation_id: col.text().nullable(),
    current_value: col.int(),
    requested_value: col.int(),
    reason: col.text(),
    requested_until: col.time().nullable(),
    /** pending | approved | declined | cancelled */
    status: col.text(),
    granted_value: col.int().nullable(),
    granted_until: col.time().nullable(),
    conditions_terms: col.text().nullable(),
    terms_accepted_at: col.time().nullable(),
    terms_accepted_by: col.text().nullable(),
    decision_note: col.text().nullable(),
    requested_by: col.text().nullable(),
    decided_by: col.text().nullable(),
    created_at: col.time(),
    decided_at: col.time().nullable(),
  }),
] as const;

export type AppsTables = TablesOf<typeof appsTables>;

import type { z } from 'zod';
import type { Catalog } from '../catalog/index.ts';
import type {
  AppRow,
  AppsStore,
  LimitRequestRow,
  ProductionRequestRow,
  SecretRow,
  SecretState,
  SubscriptionRow,
} from './apps-store.ts';
import type {
  appStatus,
  appView,
  LIMIT_KINDS,
  limitRequestView,
  productionRequestView,
  secretView,
  subscriptionView,
} from './contracts.ts';

/**
 * How the apps module's rows read to callers (the contracts' views), and the two states computed
 * from a row and the time: a client secret's status and whether a granted limit is in force.
 */
export type AppStatus = z.infer<typeof appStatus>;
export type ClientSecretView = z.infer<typeof secretView>;
export type AppView = z.infer<typeof appView>;
export type SubscriptionView = z.infer<typeof subscriptionView>;
export type ProductionRequestView = z.infer<typeof productionRequestView>;
export type LimitKind = (typeof LIMIT_KINDS)[number];
export type LimitRequestView = z.infer<typeof limitRequestView>;

/** A secret is active until revoked or past its expiry. */
export function secretStatus(
  r: Pick<SecretState, 'status' | 'expires_at'>,
  nowMs: number,
): ClientSecretView['status'] {
  if (r.status !== 'active') return 'revoked';
  if (r.expires_at && Date.parse(r.expires_at) <= nowMs) return 'expired';
  return 'active';
}

/** An approved limit counts once its conditions (if any) are accepted, until its end (if any). */
export function inForce(
  r: Pick<LimitRequestRow, 'status' | 'conditions_terms' | 'terms_accepted_at' | 'granted_until'>,
  nowMs: number,
): boolean {
  if (r.status !== 'approved') return false;
  if (r.conditions_terms && !r.terms_accepted_at) return false;
  if (r.granted_until && Date.parse(r.granted_until) <= nowMs) return false;
  return true;
}

export function secretViewOf(s: SecretRow, nowMs: number): ClientSecretView {
  return {
    id: s.id,
    hint: s.hint,
    status: secretStatus(s, nowMs),
    createdAt: s.created_at,
    expiresAt: s.expires_at ?? null,
    revokedAt: s.revoked_at ?? null,
  };
}

/** The app's production access per product: each product's newest request (products by slug). */
export function productionAccessOf(rows: ProductionRequestRow[]): ProductionRequestView[] {
  const seen = new Set<string>();
  const out: ProductionRequestView[] = [];
  for (const r of rows) {
    if (!r.product_id || seen.has(r.product_id)) continue;
    seen.add(r.product_id);
    out.push(productionRequestViewOf(r));
  }
  return out.sort((a, b) => (a.productSlug ?? '').localeCompare(b.productSlug ?? ''));
}

/**
 * An app with its recent sandbox secrets, its production client id (null until the first grant)
 * and its production access per product. Production secrets are listed apart
 * (listProductionCredentials).
 */
export async function appViewOf(store: AppsStore, row: AppRow, nowMs: number): Promise<AppView> {
  const [secrets, prod] = await Promise.all([
    store.recentSecrets(row.id, 'sandbox'),
    store.productionRequestsOfApp(row.id),
  ]);
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    callbackUrls: JSON.parse(row.callback_urls),
    publicKeyPem: row.public_key_pem ?? null,
    clientId: row.client_id,
    environment: 'sandbox',
    productionClientId: row.production_client_id ?? null,
    status: row.status as AppStatus,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    secrets: secrets.map((s) => secretViewOf(s, nowMs)),
    productionAccess: productionAccessOf(prod),
  };
}

export function productionRequestViewOf(r: ProductionRequestRow): ProductionRequestView {
  return {
    id: r.id,
    appId: r.app_id,
    orgId: r.org_id,
    productId: r.product_id ?? null,
    productSlug: r.product_slug ?? null,
    status: r.status as ProductionRequestView['status'],
    note: r.note ?? null,
    reason: r.reason ?? null,
    createdAt: r.created_at,
    decidedAt: r.decided_at ?? null,
  };
}

/** A subscription, with its plan's name from the catalogue ('' once the plan is gone). */
export async function subscriptionViewOf(catalog: Catalog, r: SubscriptionRow): Promise<SubscriptionView> {
  const plan = await catalog.getPlan(r.plan_id);
  return {
    id: r.id,
    appId: r.app_id,
    orgId: r.org_id,
    productId: r.product_id,
    productSlug: r.product_slug,
    planId: r.plan_id,
    planName: plan?.name ?? '',
    status: r.status as SubscriptionView['status'],
    reason: r.reason ?? null,
    createdAt: r.created_at,
    decidedAt: r.decided_at ?? null,
  };
}

export function limitRequestViewOf(r: LimitRequestRow, nowMs: number): LimitRequestView {
  return {
    id: r.id,
    appId: r.app_id,
    orgId: r.org_id,
    subscriptionId: r.subscription_id,
    planId: r.plan_id,
    productSlug: r.product_slug,
    limit: r.limit_kind as LimitKind,
    operationId: r.operation_id ?? null,
    currentValue: Number(r.current_value),
    requestedValue: Number(r.requested_value),
    reason: r.reason,
    requestedUntil: r.requested_until ?? null,
    status: r.status as LimitRequestView['status'],
    grantedValue: r.granted_value == null ? null : Number(r.granted_value),
    grantedUntil: r.granted_until ?? null,
    conditionsTerms: r.conditions_terms ?? null,
    termsAcceptedAt: r.terms_accepted_at ?? null,
    decisionNote: r.decision_note ?? null,
    inForce: inForce(r, nowMs),
    createdAt: r.created_at,
    decidedAt: r.decided_at ?? null,
  };
}

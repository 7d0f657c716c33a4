import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Keyring } from '../../platform/master-key.ts';
import {
  CACHE_INVALIDATE_CHANNEL,
  type CacheInvalidation,
} from '../../platform/shared-state/cache-invalidation.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { Catalog } from '../catalog/index.ts';
import type { UserDirectory } from '../identity/index.ts';
import type { Mailer, NotificationService } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import type { TermsGate } from '../terms/index.ts';
import { AppsStore } from './apps-store.ts';
import { appsAuditActions } from './audit-actions.ts';
import { type NotifyOrg, orgNotifier } from './org-notices.ts';
import type { AppsTables } from './tables.ts';
import type { ThrottleSource } from './throttle-source.ts';

/** What the apps service is built from (the module's deps, less the usage reader). */
export type AppsServiceOptions = {
  db: Kysely<AppsTables>;
  clock: Clock;
  keyring: Keyring;
  sharedState: SharedState;
  catalog: Catalog;
  orgAccess: OrgAccess;
  termsGate: TermsGate;
  audit: AuditLog;
  notifications: NotificationService;
  mailer: Mailer;
  users?: UserDirectory;
  /** The portal's public URL: links in e-mails are absolute. */
  publicUrl: string;
  /** Enforcement throttles, lowering the effective limits (main.ts provides it late). */
  throttles?: ThrottleSource;
  /** What must hold before an app may ask for production access to a product; absent = allowed. */
  productionGate?: ProductionGate;
};

/**
 * A check that an app may ask for production access to a product (the conformance module's:
 * the product's suite passed). `requestProductionAccess` asks it once, before it records a request;
 * `missing` names what is still to do, for the refusal.
 */
export type ProductionGate = {
  check(appId: string, productId: string): Promise<{ ok: true } | { ok: false; missing: string[] }>;
};

/** The gate when none is plugged in: every app may ask. */
const allowAll: ProductionGate = { check: async () => ({ ok: true }) };

/** The apps module's audit helper: `audit(ctx, action, target, { orgId, details, tx })`. */
type AppsAudit = ReturnType<typeof auditTrail<typeof appsAuditActions>>;

/**
 * What every part of the apps service shares: the one typed store, the clock, the audit helper,
 * the cache-invalidation announcement and the organisation notices.
 */
export type AppsServiceDeps = {
  store: AppsStore;
  clock: Clock;
  keyring: Keyring;
  catalog: Catalog;
  orgAccess: OrgAccess;
  terms: TermsGate;
  audit: AppsAudit;
  /** Tells every gateway to drop what it cached (call after the change committed). */
  invalidate: (msg: CacheInvalidation) => Promise<void>;
  notifyOrg: NotifyOrg;
  nowIso: () => string;
  throttles?: ThrottleSource;
  productionGate: ProductionGate;
};

export function appsServiceDeps(opts: AppsServiceOptions): AppsServiceDeps {
  return {
    store: new AppsStore(opts.db),
    clock: opts.clock,
    keyring: opts.keyring,
    catalog: opts.catalog,
    orgAccess: opts.orgAccess,
    terms: opts.termsGate,
    audit: auditTrail(opts.audit, appsAuditActions),
    invalidate: async (msg) => {
      await opts.sharedState.publish(CACHE_INVALIDATE_CHANNEL, JSON.stringify(msg));
    },
    notifyOrg: orgNotifier(opts),
    nowIso: () => opts.clock.now().toISOString(),
    throttles: opts.throttles,
    productionGate: opts.productionGate ?? allowAll,
  };
}

import type { Principal } from './http/route.ts';

// TODO(integrator): temporary re-exports while importers move to the gateway's face. From the
// gateway's ports.ts (not its index.ts): the face imports TermsEnforcer and OrgAccess from here
// until terms and organizations have faces, and index.ts would close a cycle.
export type {
  GatewayDirectory,
  NetworkCallContext,
  NetworkOperation,
  NetworkResult,
  PlanLimits,
  VerifiedToken,
} from '../modules/gateway/ports.ts';

/**
 * Cross-module contracts. Modules talk to each other only through these interfaces (implemented by
 * the owning module's service, wired in main.ts), never through each other's tables.
 */

// ---------------------------------------------------------------- organisations (identity layer)
export type OrgRole = 'owner' | 'admin' | 'developer' | 'viewer';
export type OrgStatus = 'active' | 'suspended' | 'terminated';

export type OrgSummary = {
  id: string;
  name: string;
  status: OrgStatus;
  /** The owner/representative was confirmed by the corporate participant (production needs it). */
  representativeConfirmed: boolean;
};

export type OrgAccess = {
  /**
   * Resolves the caller's role in the organisation. Throws AppError('not_found') when the caller is
   * not a member (existence is not revealed) and AppError('forbidden') when the role is below
   * `minRole`. Operators pass as 'operator' when `allowOperator` is true.
   */
  requireMember(
    principal: Principal,
    orgId: string,
    minRole?: OrgRole,
    opts?: { allowOperator?: boolean },
  ): Promise<OrgRole | 'operator'>;
  getOrganization(orgId: string): Promise<OrgSummary | null>;
  /** User ids of members with at least `minRole` (for notices). */
  memberUserIds(orgId: string, minRole?: OrgRole): Promise<string[]>;
  /** Organisations the user belongs to. */
  orgIdsOfUser(userId: string): Promise<string[]>;
  /**
   * Throws AppError('details_confirmation_required') when the user's profile or the organisation's
   * details are past their periodic re-confirmation or an operator asked for an update (call before
   * creating apps). Optional so that test fakes need not implement it.
   */
  requireCurrentDetails?(principal: Principal, orgId: string): Promise<void>;
};

export type UserDirectory = {
  getUser(userId: string): Promise<{ id: string; email: string; name: string; status: string } | null>;
  /** Every user who can currently sign in (for terms notices). */
  listActiveUserIds(): Promise<string[]>;
};

// ---------------------------------------------------------------- the terms module's ports
// TODO(integrator): temporary re-export; TermsGate (apps) and TermsEnforcer (gateway) live in the
// terms module's face now. From its ports.ts (not index.ts), which imports nothing.
export type { TermsEnforcer, TermsGate } from '../modules/terms/ports.ts';

// ---------------------------------------------------------------- the gateway's directory cache channel
/**
 * The shared-state channel on which the catalog and apps modules announce changes to what gateways
 * cache (GatewayDirectory, src/modules/gateway/ports.ts); the message is JSON CacheInvalidation.
 */
export const CACHE_INVALIDATE_CHANNEL = 'cache-invalidate';
/**
 * `id` is the changed entity's own id: appId ('app'), clientId ('client': a secret created, revoked
 * or expired early, or a token revoked), subscriptionId ('subscription'), planId ('plan': plan
 * values or a limit override changed), orgId ('org'). For app/client/subscription `appId` is set
 * too, so a gateway may simply drop everything it holds for that app.
 */
export type CacheInvalidation = {
  kind: 'app' | 'client' | 'subscription' | 'plan' | 'org';
  id: string;
  appId?: string;
};

// ---------------------------------------------------------------- organisation termination (terms module)
/**
 * Run by the terms module when an organisation's termination takes effect (its notice date, an
 * operator's decision, or an automatic termination on breach). The apps module revokes credentials
 * and ends subscriptions; identity closes members' sessions and marks the organisation terminated
 * (its data stays read-only). Handlers must be idempotent: after a failure all of them run again.
 */
export type OrgTerminationHandler = {
  onOrganizationTerminated(orgId: string, reason: string): Promise<void>;
};

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

// ---------------------------------------------------------------- organisations and users
// TODO(integrator): temporary re-exports; these contracts live in the identity and organisations
// faces now. From their ports.ts (not index.ts), which import nothing that leads back here.
export type { UserDirectory } from '../modules/identity/ports.ts';
export type { OrgAccess, OrgRole, OrgSummary } from '../modules/organizations/ports.ts';

// ---------------------------------------------------------------- the terms module's ports
// TODO(integrator): temporary re-export; TermsEnforcer (the gateway's) lives in the terms module's
// face now. From its ports.ts (not index.ts), which imports nothing.
export type { TermsEnforcer } from '../modules/terms/ports.ts';

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

import type { TermsEnforcer } from '../terms/index.ts';
import { notActive } from './authenticate.ts';
import type { DirectoryCache } from './directory-cache.ts';
import { GatewayError } from './gateway-errors.ts';
import type { Catalog } from './pipeline/call.ts';
import type { GatewayApp, GatewayEntitlement } from './ports.ts';

/**
 * Entitle step: the app (and its organisation, folded into the app's status by the directory) is
 * active (that its client id is of this catalog, authenticate checked); it has an active
 * subscription to the operation's product (the plan covers the product's operations) and, in the
 * production catalog, production access to that product; the organisation has accepted,
 * or is deemed to have accepted, the terms in force (the terms module keeps its own cache, so
 * this is no database read on the common path).
 */
export async function entitle(
  cache: DirectoryCache,
  terms: TermsEnforcer,
  app: GatewayApp,
  productSlug: string,
  catalog: Catalog,
  nowMs: number,
): Promise<GatewayEntitlement> {
  if (app.status !== 'active') throw notActive(app);
  // Both answers are normally cached: read them without a promise; otherwise wait for both.
  let ent = cache.entitlementNow(app.appId, productSlug);
  let gate = terms.onApiCall(app.orgId, nowMs, productSlug);
  if (ent === undefined || gate instanceof Promise) {
    [ent, gate] = await Promise.all([cache.entitlement(app.appId, productSlug, nowMs), gate]);
  }
  if (ent?.status !== 'active') {
    throw new GatewayError(
      'gateway_not_subscribed',
      403,
      ent
        ? `The subscription to ${productSlug} is ${ent.status}.`
        : `The application is not subscribed to a plan of the ${productSlug} product.`,
    );
  }
  if (catalog === 'production' && !ent.productionGranted) {
    throw new GatewayError(
      'gateway_production_not_granted',
      403,
      `The application has no production access to ${productSlug}: ask for it on the app’s page in the portal.`,
    );
  }
  if (!gate.allowed) {
    throw new GatewayError(
      'gateway_terms_not_accepted',
      403,
      gate.message || 'Accept the terms in force first.',
      {
        headers: { 'x-terms-code': gate.code },
      },
    );
  }
  return ent;
}

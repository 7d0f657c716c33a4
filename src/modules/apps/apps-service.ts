import type { CacheInvalidation } from '../../platform/shared-state/cache-invalidation.ts';
import type { Catalog, LifecycleEvent } from '../catalog/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { AppRegistry } from './app-registry.ts';
import { ClientCredentials } from './client-credentials.ts';
import { EffectiveLimits } from './effective-limits.ts';
import { LimitRequests } from './limit-requests.ts';
import { onOrganizationTerminated } from './org-termination.ts';
import { onProductLifecycle } from './product-lifecycle.ts';
import { ProductionAccess } from './production-access.ts';
import { ProductionCredentials } from './production-credentials.ts';
import { type AppsServiceDeps, type AppsServiceOptions, appsServiceDeps } from './service-deps.ts';
import { Subscriptions } from './subscriptions.ts';

/**
 * The apps module's one service, as other modules, the CLI and tests see it: a facade over the
 * parts, each in its own file (apps, credentials, production access, subscriptions, effective
 * limits, limit-increase requests, and the reactions to a product's lifecycle and to an
 * organisation's termination), which share one typed store, the request context and the audit
 * helper (service-deps.ts). Every method delegates; none holds logic of its own.
 *
 * Client secrets are ≥ 256-bit CSPRNG strings shown once and stored only as
 * keyring.hmac(secret, 'client-secret'). Every change a gateway may have cached is announced on the
 * shared-state channel `cache-invalidate` after it commits, so it takes effect everywhere at once.
 *
 * Authorisation (who may act on which organisation) is the caller's job: routes call
 * OrgAccess.requireMember first; every method here still scopes by orgId so an id from another
 * organisation is simply not found.
 */
/** The unit test reads the key check and the limit kinds from here. */
export { validatePublicKeyPem } from './app-registry.ts';
export type { LimitKind } from './app-views.ts';

export class AppsService {
  readonly #deps: AppsServiceDeps;
  readonly #registry: AppRegistry;
  readonly #credentials: ClientCredentials;
  readonly #production: ProductionAccess;
  readonly #productionCredentials: ProductionCredentials;
  readonly #subscriptions: Subscriptions;
  readonly #limits: EffectiveLimits;
  readonly #limitRequests: LimitRequests;

  constructor(opts: AppsServiceOptions) {
    const deps = appsServiceDeps(opts);
    this.#deps = deps;
    this.#registry = new AppRegistry(deps);
    this.#credentials = new ClientCredentials(deps, this.#registry);
    this.#production = new ProductionAccess(deps, this.#registry);
    this.#productionCredentials = new ProductionCredentials(deps, this.#registry, this.#credentials);
    this.#subscriptions = new Subscriptions(deps, this.#registry);
    this.#limits = new EffectiveLimits(deps);
    this.#limitRequests = new LimitRequests(deps, {
      registry: this.#registry,
      subscriptions: this.#subscriptions,
      limits: this.#limits,
    });
  }

  get catalog(): Catalog {
    return this.#deps.catalog;
  }
  get orgAccess(): OrgAccess {
    return this.#deps.orgAccess;
  }

  /** Tells every gateway to drop what it cached (after the change committed). */
  invalidate(msg: CacheInvalidation): Promise<void> {
    return this.#deps.invalidate(msg);
  }

  // ---------------------------------------------------------------- apps (app-registry.ts)
  createApp(...a: Parameters<AppRegistry['createApp']>) {
    return this.#registry.createApp(...a);
  }
  listApps(...a: Parameters<AppRegistry['listApps']>) {
    return this.#registry.listApps(...a);
  }
  getApp(...a: Parameters<AppRegistry['getApp']>) {
    return this.#registry.getApp(...a);
  }
  listAllApps(...a: Parameters<AppRegistry['listAllApps']>) {
    return this.#registry.listAllApps(...a);
  }
  getAppById(...a: Parameters<AppRegistry['getAppById']>) {
    return this.#registry.getAppById(...a);
  }
  updateApp(...a: Parameters<AppRegistry['updateApp']>) {
    return this.#registry.updateApp(...a);
  }
  deleteApp(...a: Parameters<AppRegistry['deleteApp']>) {
    return this.#registry.deleteApp(...a);
  }
  setAppStatusByOperator(...a: Parameters<AppRegistry['setAppStatusByOperator']>) {
    return this.#registry.setAppStatusByOperator(...a);
  }

  // ---------------------------------------------------------------- credentials (client-credentials.ts)
  createClientSecret(...a: Parameters<ClientCredentials['createClientSecret']>) {
    return this.#credentials.createClientSecret(...a);
  }
  revokeClientSecret(...a: Parameters<ClientCredentials['revokeClientSecret']>) {
    return this.#credentials.revokeClientSecret(...a);
  }
  resetClientSecret(...a: Parameters<ClientCredentials['resetClientSecret']>) {
    return this.#credentials.resetClientSecret(...a);
  }
  matchClientSecret(...a: Parameters<ClientCredentials['matchClientSecret']>) {
    return this.#credentials.matchClientSecret(...a);
  }
  isSecretActive(...a: Parameters<ClientCredentials['isSecretActive']>) {
    return this.#credentials.isSecretActive(...a);
  }
  findAppByClientId(...a: Parameters<ClientCredentials['findAppByClientId']>) {
    return this.#credentials.findAppByClientId(...a);
  }
  findAppById(...a: Parameters<ClientCredentials['findAppById']>) {
    return this.#credentials.findAppById(...a);
  }

  // ---------------------------------------------------------------- production access (production-access.ts)
  requestProductionAccess(...a: Parameters<ProductionAccess['requestProductionAccess']>) {
    return this.#production.requestProductionAccess(...a);
  }
  listProductionRequests(...a: Parameters<ProductionAccess['listProductionRequests']>) {
    return this.#production.listProductionRequests(...a);
  }
  decideProductionAccess(...a: Parameters<ProductionAccess['decideProductionAccess']>) {
    return this.#production.decideProductionAccess(...a);
  }

  // ---------------------------------------------------------------- production credentials (production-credentials.ts)
  listProductionCredentials(...a: Parameters<ProductionCredentials['listProductionCredentials']>) {
    return this.#productionCredentials.listProductionCredentials(...a);
  }
  createProductionSecret(...a: Parameters<ProductionCredentials['createProductionSecret']>) {
    return this.#productionCredentials.createProductionSecret(...a);
  }
  revokeProductionSecret(...a: Parameters<ProductionCredentials['revokeProductionSecret']>) {
    return this.#productionCredentials.revokeProductionSecret(...a);
  }

  // ---------------------------------------------------------------- subscriptions (subscriptions.ts)
  subscribe(...a: Parameters<Subscriptions['subscribe']>) {
    return this.#subscriptions.subscribe(...a);
  }
  listSubscriptions(...a: Parameters<Subscriptions['listSubscriptions']>) {
    return this.#subscriptions.listSubscriptions(...a);
  }
  getSubscription(...a: Parameters<Subscriptions['getSubscription']>) {
    return this.#subscriptions.getSubscription(...a);
  }
  unsubscribe(...a: Parameters<Subscriptions['unsubscribe']>) {
    return this.#subscriptions.unsubscribe(...a);
  }
  listSubscriptionsByStatus(...a: Parameters<Subscriptions['listSubscriptionsByStatus']>) {
    return this.#subscriptions.listSubscriptionsByStatus(...a);
  }
  decideSubscription(...a: Parameters<Subscriptions['decideSubscription']>) {
    return this.#subscriptions.decideSubscription(...a);
  }
  hasActiveSubscription(...a: Parameters<Subscriptions['hasActiveSubscription']>) {
    return this.#subscriptions.hasActiveSubscription(...a);
  }

  // ---------------------------------------------------------------- effective limits (effective-limits.ts)
  entitlement(...a: Parameters<EffectiveLimits['entitlement']>) {
    return this.#limits.entitlement(...a);
  }
  effectiveLimits(...a: Parameters<EffectiveLimits['effectiveLimits']>) {
    return this.#limits.effectiveLimits(...a);
  }

  // ---------------------------------------------------------------- limit-increase requests (limit-requests.ts)
  requestLimitIncrease(...a: Parameters<LimitRequests['requestLimitIncrease']>) {
    return this.#limitRequests.requestLimitIncrease(...a);
  }
  getLimitRequest(...a: Parameters<LimitRequests['getLimitRequest']>) {
    return this.#limitRequests.getLimitRequest(...a);
  }
  listLimitRequests(...a: Parameters<LimitRequests['listLimitRequests']>) {
    return this.#limitRequests.listLimitRequests(...a);
  }
  cancelLimitRequest(...a: Parameters<LimitRequests['cancelLimitRequest']>) {
    return this.#limitRequests.cancelLimitRequest(...a);
  }
  decideLimitRequest(...a: Parameters<LimitRequests['decideLimitRequest']>) {
    return this.#limitRequests.decideLimitRequest(...a);
  }
  acceptLimitConditions(...a: Parameters<LimitRequests['acceptLimitConditions']>) {
    return this.#limitRequests.acceptLimitConditions(...a);
  }

  // ---------------------------------------------------------------- reactions to other modules' events
  /** On `catalog.product_lifecycle` (product-lifecycle.ts). */
  onProductLifecycle(e: LifecycleEvent): Promise<void> {
    return onProductLifecycle(this.#deps, e);
  }
  /** On `terms.organization_terminated` (org-termination.ts). */
  onOrganizationTerminated(orgId: string, reason: string): Promise<void> {
    return onOrganizationTerminated(this.#deps, this.#registry, orgId, reason);
  }
}

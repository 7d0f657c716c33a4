import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { AppRegistry } from './app-registry.ts';
import { type SubscriptionView, subscriptionViewOf } from './app-views.ts';
import type { SubscriptionRow } from './apps-store.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/**
 * Subscriptions of apps to plans: subscribing (active at once, or pending when the plan needs an
 * operator's approval; the product's additional terms accepted first), cancelling, an operator's
 * decision on a pending one (the organisation is told), and whether an app may get tokens at all.
 * One live subscription per app and product.
 */
export class Subscriptions {
  readonly #d: AppsServiceDeps;
  readonly #registry: AppRegistry;

  constructor(deps: AppsServiceDeps, registry: AppRegistry) {
    this.#d = deps;
    this.#registry = registry;
  }

  #view(r: SubscriptionRow): Promise<SubscriptionView> {
    return subscriptionViewOf(this.#d.catalog, r);
  }

  /** The organisation's subscription (of the app, unless `appId` is null), or 404. */
  async requireSubscription(orgId: string, appId: string | null, subId: string): Promise<SubscriptionRow> {
    const row = await this.#d.store.findSubscription(orgId, appId, subId);
    if (!row) throw new AppError('not_found');
    return row;
  }

  /**
   * `skipTermsCheck` is for operator tooling only (darwaza admin create-app); it is recorded in the
   * audit event.
   */
  async subscribe(
    orgId: string,
    appId: string,
    planId: string,
    ctx: RequestContext,
    opts: { skipTermsCheck?: boolean } = {},
  ): Promise<SubscriptionView> {
    const app = await this.#registry.requireApp(orgId, appId);
    if (app.status !== 'active') throw new AppError('app_not_active');
    const plan = await this.#d.catalog.getPlan(planId);
    if (plan?.status !== 'active') throw new AppError('not_found', { message: 'No such plan.' });
    const product = await this.#d.catalog.findProduct(plan.productSlug);
    if (product?.status !== 'published') throw new AppError('product_not_available');
    if (!opts.skipTermsCheck && !(await this.#d.terms.hasAcceptedProductTerms(orgId, product.slug))) {
      throw new AppError('product_terms_not_accepted');
    }
    const id = newId('sub', this.#d.clock.nowMs());
    const status = plan.approvalRequired ? 'pending' : 'active';
    const nowIso = this.#d.nowIso();
    try {
      await this.#d.store.transaction(async (store, tx) => {
        await store.insertSubscription({
          id,
          app_id: appId,
          org_id: orgId,
          product_id: product.id,
          product_slug: product.slug,
          plan_id: plan.id,
          status,
          live_key: `${appId}:${product.id}`,
          requested_by: ctx.actor.id,
          created_at: nowIso,
          decided_at: status === 'active' ? nowIso : null,
        });
        await this.#d.audit(
          ctx,
          'subscription.create',
          { type: 'subscription', id },
          {
            orgId,
            details: {
              appId,
              planId,
              product: product.slug,
              status,
              ...(opts.skipTermsCheck ? { termsCheck: 'skipped' } : {}),
            },
            tx,
          },
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('already_subscribed');
      throw err;
    }
    await this.#d.invalidate({ kind: 'subscription', id, appId });
    return this.#view(await this.requireSubscription(orgId, appId, id));
  }

  async listSubscriptions(orgId: string, appId: string): Promise<SubscriptionView[]> {
    await this.#registry.requireApp(orgId, appId);
    const rows = await this.#d.store.listSubscriptionsOfApp(orgId, appId);
    return Promise.all(rows.map((r) => this.#view(r)));
  }

  async getSubscription(orgId: string, appId: string, subId: string): Promise<SubscriptionView> {
    return this.#view(await this.requireSubscription(orgId, appId, subId));
  }

  async unsubscribe(orgId: string, appId: string, subId: string, ctx: RequestContext): Promise<void> {
    const row = await this.requireSubscription(orgId, appId, subId);
    if (!['pending', 'active'].includes(row.status))
      throw new AppError('conflict', { message: 'The subscription is not live.' });
    await this.#d.store.transaction(async (store, tx) => {
      await store.cancelSubscription(subId, this.#d.nowIso());
      await this.#d.audit(
        ctx,
        'subscription.cancel',
        { type: 'subscription', id: subId },
        { orgId, details: { appId }, tx },
      );
    });
    await this.#d.invalidate({ kind: 'subscription', id: subId, appId });
  }

  async listSubscriptionsByStatus(status: string): Promise<SubscriptionView[]> {
    const rows = await this.#d.store.listSubscriptionsByStatus(status);
    return Promise.all(rows.map((r) => this.#view(r)));
  }

  async decideSubscription(
    subId: string,
    approve: boolean,
    reason: string | null,
    ctx: RequestContext,
  ): Promise<SubscriptionView> {
    const row = await this.#d.store.findSubscriptionById(subId);
    if (!row) throw new AppError('not_found');
    if (row.status !== 'pending')
      throw new AppError('conflict', { message: 'The subscription is not pending.' });
    await this.#d.store.transaction(async (store, tx) => {
      await store.decidePendingSubscription(subId, {
        status: approve ? 'active' : 'declined',
        live_key: approve ? row.live_key : null,
        reason,
        decided_by: ctx.actor.id,
        decided_at: this.#d.nowIso(),
      });
      await this.#d.audit(
        ctx,
        approve ? 'subscription.approve' : 'subscription.decline',
        { type: 'subscription', id: subId },
        { orgId: row.org_id, details: { appId: row.app_id, reason }, tx },
      );
    });
    await this.#d.invalidate({ kind: 'subscription', id: subId, appId: row.app_id });
    const plan = await this.#d.catalog.getPlan(row.plan_id);
    await this.#d.notifyOrg(row.org_id, {
      kind: approve ? 'subscription.approved' : 'subscription.declined',
      link: `/orgs/${row.org_id}/apps/${row.app_id}`,
      title: approve ? 'Subscription approved' : 'Subscription declined',
      body: approve
        ? `Your subscription to ${plan?.name ?? 'the plan'} (${row.product_slug}) is active.`
        : `Your subscription to ${plan?.name ?? 'the plan'} (${row.product_slug}) was declined: ${reason ?? 'no reason given'}.`,
    });
    return this.#view(await this.requireSubscription(row.org_id, null, subId));
  }

  /** True when the app has at least one active subscription to a product that is not retired. */
  async hasActiveSubscription(appId: string): Promise<boolean> {
    return this.#d.store.hasActiveSubscription(appId);
  }
}

import type { LifecycleEvent } from '../catalog/index.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/**
 * On `catalog.product_lifecycle`: a deprecation tells the product's subscribers; a retirement
 * ends their subscriptions and tells them. Publication changes nothing here.
 */
export async function onProductLifecycle(d: AppsServiceDeps, e: LifecycleEvent): Promise<void> {
  if (e.kind === 'published') return;
  const subs = await d.store.liveSubscriptionsOfProduct(e.product.id);
  if (e.kind === 'retired') {
    await d.store.cancelLiveSubscriptionsOfProduct(e.product.id, d.nowIso(), 'product retired');
  }
  const orgs = new Set<string>();
  for (const s of subs) {
    orgs.add(s.org_id);
    await d.invalidate({ kind: 'subscription', id: s.id, appId: s.app_id });
  }
  for (const orgId of orgs) {
    await d.notifyOrg(orgId, {
      kind: `product.${e.kind}`,
      title: `${e.product.name} is ${e.kind}`,
      body:
        e.kind === 'deprecated'
          ? `${e.product.name} is deprecated: it keeps working for now but will be retired.${e.note ? ` ${e.note}` : ''}`
          : `${e.product.name} is retired: its subscriptions have ended and calls are refused.${e.note ? ` ${e.note}` : ''}`,
      // Not the product's page: once retired, a product is no longer shown to developers, and a
      // notice's link must outlive it. The organisation's apps show the subscriptions concerned.
      link: `/orgs/${orgId}/apps`,
    });
  }
}

import { randomBytes } from 'node:crypto';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { AppRegistry } from './app-registry.ts';
import { type ProductionRequestView, productionRequestViewOf } from './app-views.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/**
 * Production access, per (app, product): an organisation (whose representative is confirmed) asks
 * for one product the app is subscribed to; an operator approves or declines, and the organisation
 * is told either way. An approved request is the grant. The app's first grant issues its production
 * client id (a second id beside the sandbox one, which keeps working: sandbox access never ends
 * because production was granted); its secrets are created apart (production-credentials.ts).
 */
export class ProductionAccess {
  readonly #d: AppsServiceDeps;
  readonly #registry: AppRegistry;

  constructor(deps: AppsServiceDeps, registry: AppRegistry) {
    this.#d = deps;
    this.#registry = registry;
  }

  /**
   * The one place a production request is made. Asking again while one is pending returns it; a
   * product already granted is a conflict. The production gate (service-deps.ts) is asked last,
   * just before the request is recorded.
   */
  async requestProductionAccess(
    orgId: string,
    appId: string,
    productId: string,
    note: string | null,
    ctx: RequestContext,
  ): Promise<ProductionRequestView> {
    const row = await this.#registry.requireApp(orgId, appId);
    if (row.status !== 'active') throw new AppError('app_not_active');
    const org = await this.#d.orgAccess.getOrganization(orgId);
    if (!org?.representativeConfirmed) throw new AppError('representative_not_confirmed');
    const live = await this.#d.store.liveProductionRequest(appId, productId);
    if (live?.status === 'pending') return productionRequestViewOf(live);
    if (live) {
      throw new AppError('conflict', {
        message: `The app already has production access to ${live.product_slug}.`,
      });
    }
    const sub = await this.#d.store.activeSubscriptionToProduct(appId, productId);
    if (!sub) {
      throw new AppError('conflict', {
        message:
          'Subscribe the app to a plan of this product (and have it approved) before asking for production.',
      });
    }
    const gate = await this.#d.productionGate.check(appId, productId);
    if (!gate.ok) {
      throw new AppError('production_requirements_missing', {
        message: `Before production access to ${sub.product_slug}: ${gate.missing.join('; ')}.`,
      });
    }
    const id = newId('prq', this.#d.clock.nowMs());
    await this.#d.store.transaction(async (store, tx) => {
      await store.insertProductionRequest({
        id,
        app_id: appId,
        org_id: orgId,
        product_id: productId,
        product_slug: sub.product_slug,
        status: 'pending',
        note,
        requested_by: ctx.actor.id,
        created_at: this.#d.nowIso(),
      });
      await this.#d.audit(
        ctx,
        'app.production.request',
        { type: 'app', id: appId },
        { orgId, details: { requestId: id, product: sub.product_slug }, tx },
      );
    });
    return productionRequestViewOf(await this.#d.store.getProductionRequest(id));
  }

  async listProductionRequests(status?: string): Promise<ProductionRequestView[]> {
    return (await this.#d.store.listProductionRequests(status)).map((r) => productionRequestViewOf(r));
  }

  async decideProductionAccess(
    requestId: string,
    approve: boolean,
    reason: string | null,
    ctx: RequestContext,
  ): Promise<ProductionRequestView> {
    const r = await this.#d.store.findProductionRequest(requestId);
    if (!r) throw new AppError('not_found');
    if (r.status !== 'pending')
      throw new AppError('conflict', { message: 'The request was already decided.' });
    if (approve && !r.product_id) {
      throw new AppError('conflict', {
        message:
          'This request names no product (it predates per-product access): decline it; the app asks per product.',
      });
    }
    if (approve) {
      const org = await this.#d.orgAccess.getOrganization(r.org_id);
      if (!org?.representativeConfirmed) throw new AppError('representative_not_confirmed');
      if (org.status !== 'active')
        throw new AppError('conflict', { message: 'The organisation is not active.' });
    }
    const nowIso = this.#d.nowIso();
    let issuedClientId: string | null = null;
    await this.#d.store.transaction(async (store, tx) => {
      await store.updateProductionRequest(requestId, {
        status: approve ? 'approved' : 'declined',
        reason,
        decided_by: ctx.actor.id,
        decided_at: nowIso,
      });
      const app = approve ? await store.findAppById(r.app_id) : undefined;
      if (app && !app.production_client_id) {
        // 128-bit, like the sandbox id; unique across both kinds of id (a clash is ~2^-64).
        issuedClientId = randomBytes(16).toString('hex');
        await store.updateApp(r.app_id, { production_client_id: issuedClientId, updated_at: nowIso });
      }
      await this.#d.audit(
        ctx,
        approve ? 'app.production.approve' : 'app.production.decline',
        { type: 'app', id: r.app_id },
        {
          orgId: r.org_id,
          details: { requestId, product: r.product_slug, reason, productionClientId: issuedClientId },
          tx,
        },
      );
    });
    await this.#d.invalidate({ kind: 'app', id: r.app_id, appId: r.app_id });
    const product = r.product_slug ?? 'the product';
    await this.#d.notifyOrg(r.org_id, {
      kind: approve ? 'app.production.approved' : 'app.production.declined',
      link: `/orgs/${r.org_id}/apps/${r.app_id}`,
      title: approve
        ? `Production access to ${product} approved`
        : `Production access to ${product} declined`,
      body: approve
        ? `Your app may now call ${product} in the production catalog with its production client id; create its production client secret on the app's page (it is shown once). The sandbox credentials keep working in the sandbox.`
        : `Your request for production access to ${product} was declined${reason ? `: ${reason}` : '.'}`,
    });
    return productionRequestViewOf(await this.#d.store.getProductionRequest(requestId));
  }
}

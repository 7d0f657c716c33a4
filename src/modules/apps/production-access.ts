import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { AppRegistry } from './app-registry.ts';
import { type ProductionRequestView, productionRequestViewOf } from './app-views.ts';
import type { AppsServiceDeps } from './service-deps.ts';

/**
 * Production access: an organisation (whose representative is confirmed) asks for an app to move
 * from the sandbox to production; an operator approves (the app's environment becomes production)
 * or declines, and the organisation is told either way.
 */
export class ProductionAccess {
  readonly #d: AppsServiceDeps;
  readonly #registry: AppRegistry;

  constructor(deps: AppsServiceDeps, registry: AppRegistry) {
    this.#d = deps;
    this.#registry = registry;
  }

  /** Asking twice returns the request already pending. */
  async requestProductionAccess(
    orgId: string,
    appId: string,
    note: string | null,
    ctx: RequestContext,
  ): Promise<ProductionRequestView> {
    const row = await this.#registry.requireApp(orgId, appId);
    if (row.status !== 'active') throw new AppError('app_not_active');
    if (row.environment === 'production')
      throw new AppError('conflict', { message: 'The app is already in production.' });
    const org = await this.#d.orgAccess.getOrganization(orgId);
    if (!org?.representativeConfirmed) throw new AppError('representative_not_confirmed');
    const pending = await this.#d.store.pendingProductionRequest(appId);
    if (pending) return productionRequestViewOf(pending);
    const id = newId('prq', this.#d.clock.nowMs());
    await this.#d.store.transaction(async (store, tx) => {
      await store.insertProductionRequest({
        id,
        app_id: appId,
        org_id: orgId,
        status: 'pending',
        note,
        requested_by: ctx.actor.id,
        created_at: this.#d.nowIso(),
      });
      await this.#d.audit(ctx, 'app.production.request', { type: 'app', id: appId }, { orgId, tx });
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
    if (approve) {
      const org = await this.#d.orgAccess.getOrganization(r.org_id);
      if (!org?.representativeConfirmed) throw new AppError('representative_not_confirmed');
      if (org.status !== 'active')
        throw new AppError('conflict', { message: 'The organisation is not active.' });
    }
    const nowIso = this.#d.nowIso();
    await this.#d.store.transaction(async (store, tx) => {
      await store.updateProductionRequest(requestId, {
        status: approve ? 'approved' : 'declined',
        reason,
        decided_by: ctx.actor.id,
        decided_at: nowIso,
      });
      if (approve) {
        await store.updateApp(r.app_id, { environment: 'production', updated_at: nowIso });
      }
      await this.#d.audit(
        ctx,
        approve ? 'app.production.approve' : 'app.production.decline',
        { type: 'app', id: r.app_id },
        { orgId: r.org_id, details: { requestId, reason }, tx },
      );
    });
    await this.#d.invalidate({ kind: 'app', id: r.app_id, appId: r.app_id });
    await this.#d.notifyOrg(r.org_id, {
      kind: approve ? 'app.production.approved' : 'app.production.declined',
      link: `/orgs/${r.org_id}/apps/${r.app_id}`,
      title: approve ? 'Production access approved' : 'Production access declined',
      body: approve
        ? 'Your app may now use the production catalog with its credentials.'
        : `Your request for production access was declined${reason ? `: ${reason}` : '.'}`,
    });
    return productionRequestViewOf(await this.#d.store.getProductionRequest(requestId));
  }
}

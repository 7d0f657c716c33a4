import type { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { parseInput } from '../catalog/index.ts';
import type { AppRegistry } from './app-registry.ts';
import { type LimitRequestView, limitRequestViewOf } from './app-views.ts';
import type { LimitRequestChange } from './apps-store.ts';
import { limitDecisionSchema, limitRequestInputSchema } from './contracts.ts';
import { currentLimitValue, type EffectiveLimits } from './effective-limits.ts';
import { futureExpiry } from './expiry.ts';
import type { AppsServiceDeps } from './service-deps.ts';
import type { Subscriptions } from './subscriptions.ts';

/**
 * Limit-increase requests: an organisation asks to raise one limit of an active subscription
 * (optionally for one operation, optionally until a date); an operator declines, approves, or
 * approves with conditions (a lower value, an end, or terms the organisation must accept before
 * it takes effect). Gateways drop the plan and subscription they cached when a grant changes.
 */
export class LimitRequests {
  readonly #d: AppsServiceDeps;
  readonly #registry: AppRegistry;
  readonly #subscriptions: Subscriptions;
  readonly #limits: EffectiveLimits;

  constructor(
    deps: AppsServiceDeps,
    parts: { registry: AppRegistry; subscriptions: Subscriptions; limits: EffectiveLimits },
  ) {
    this.#d = deps;
    this.#registry = parts.registry;
    this.#subscriptions = parts.subscriptions;
    this.#limits = parts.limits;
  }

  async requestLimitIncrease(
    orgId: string,
    appId: string,
    input: z.input<typeof limitRequestInputSchema>,
    ctx: RequestContext,
  ): Promise<LimitRequestView> {
    const p = parseInput(limitRequestInputSchema, input);
    const app = await this.#registry.requireApp(orgId, appId);
    if (app.status !== 'active') throw new AppError('app_not_active');
    const sub = await this.#subscriptions.requireSubscription(orgId, appId, p.subscriptionId);
    if (sub.status !== 'active')
      throw new AppError('conflict', { message: 'The subscription is not active.' });
    const plan = await this.#d.catalog.getPlan(sub.plan_id);
    if (!plan) throw new AppError('not_found');
    if (p.operationId && !p.limit.startsWith('rate:')) {
      throw new AppError('limit_not_in_plan', { message: 'Only rate limits can be raised per operation.' });
    }
    const limits = await this.#limits.effectiveLimits(appId, plan);
    const current = currentLimitValue(limits, p.limit, p.operationId);
    if (current === null) throw new AppError('limit_not_in_plan');
    if (p.requestedValue <= current) {
      throw new AppError('validation_failed', {
        details: [
          {
            in: 'body',
            field: 'requestedValue',
            code: 'too_small',
            message: `must be above the current ${current}`,
          },
        ],
      });
    }
    const until = p.until ? futureExpiry(p.until, this.#d.clock.nowMs()) : null;
    const id = newId('lim', this.#d.clock.nowMs());
    await this.#d.store.transaction(async (store, tx) => {
      await store.insertLimitRequest({
        id,
        app_id: appId,
        org_id: orgId,
        subscription_id: sub.id,
        plan_id: plan.id,
        product_slug: plan.productSlug,
        limit_kind: p.limit,
        operation_id: p.operationId ?? null,
        current_value: current,
        requested_value: p.requestedValue,
        reason: p.reason,
        requested_until: until,
        status: 'pending',
        requested_by: ctx.actor.id,
        created_at: this.#d.nowIso(),
      });
      await this.#d.audit(
        ctx,
        'limit_request.create',
        { type: 'limit_request', id },
        {
          orgId,
          details: {
            appId,
            limit: p.limit,
            operationId: p.operationId,
            current,
            requested: p.requestedValue,
          },
          tx,
        },
      );
    });
    return this.getLimitRequest(orgId, id);
  }

  async getLimitRequest(orgId: string, id: string): Promise<LimitRequestView> {
    const r = await this.#d.store.findLimitRequest(id, orgId);
    if (!r) throw new AppError('not_found');
    return limitRequestViewOf(r, this.#d.clock.nowMs());
  }

  async listLimitRequests(filter: {
    orgId?: string;
    status?: string;
    appId?: string;
  }): Promise<LimitRequestView[]> {
    return (await this.#d.store.listLimitRequests(filter)).map((r) =>
      limitRequestViewOf(r, this.#d.clock.nowMs()),
    );
  }

  async cancelLimitRequest(orgId: string, id: string, ctx: RequestContext): Promise<LimitRequestView> {
    const r = await this.getLimitRequest(orgId, id);
    if (r.status !== 'pending' && r.status !== 'approved')
      throw new AppError('conflict', { message: 'Nothing to cancel.' });
    await this.#d.store.transaction(async (store, tx) => {
      await store.updateLimitRequest(id, { status: 'cancelled' });
      await this.#d.audit(ctx, 'limit_request.cancel', { type: 'limit_request', id }, { orgId, tx });
    });
    await this.#grantChanged(r.planId, r.subscriptionId, r.appId);
    return this.getLimitRequest(orgId, id);
  }

  async decideLimitRequest(
    id: string,
    input: z.input<typeof limitDecisionSchema>,
    ctx: RequestContext,
  ): Promise<LimitRequestView> {
    const p = parseInput(limitDecisionSchema, input);
    const r = await this.#d.store.findLimitRequest(id);
    if (!r) throw new AppError('not_found');
    if (r.status !== 'pending')
      throw new AppError('conflict', { message: 'The request was already decided.' });
    const set: LimitRequestChange = {
      decided_by: ctx.actor.id,
      decided_at: this.#d.nowIso(),
      decision_note: p.note ?? null,
    };
    if (p.decision === 'decline') {
      set.status = 'declined';
    } else if (p.decision === 'approve') {
      if (p.value !== undefined || p.until !== undefined || p.terms !== undefined) {
        throw new AppError('validation_failed', {
          message: 'Use approve_with_conditions to change the value, end or terms.',
        });
      }
      set.status = 'approved';
      set.granted_value = r.requested_value;
      set.granted_until = r.requested_until ?? null;
    } else {
      const value = p.value ?? Number(r.requested_value);
      if (value > Number(r.requested_value) || value <= Number(r.current_value)) {
        throw new AppError('validation_failed', {
          details: [
            {
              in: 'body',
              field: 'value',
              code: 'out_of_range',
              message: `must be above ${r.current_value} and at most the ${r.requested_value} asked for`,
            },
          ],
        });
      }
      if (p.value === undefined && p.until === undefined && p.terms === undefined) {
        throw new AppError('validation_failed', {
          message: 'approve_with_conditions needs a value, an end date or terms.',
        });
      }
      set.status = 'approved';
      set.granted_value = value;
      set.granted_until = p.until
        ? futureExpiry(p.until, this.#d.clock.nowMs())
        : (r.requested_until ?? null);
      set.conditions_terms = p.terms ?? null;
    }
    await this.#d.store.transaction(async (store, tx) => {
      await store.decidePendingLimitRequest(id, set);
      await this.#d.audit(
        ctx,
        `limit_request.${p.decision}`,
        { type: 'limit_request', id },
        {
          orgId: r.org_id,
          details: { value: set.granted_value ?? null, until: set.granted_until ?? null, terms: !!p.terms },
          tx,
        },
      );
    });
    await this.#grantChanged(r.plan_id, r.subscription_id, r.app_id);
    const view = await this.getLimitRequest(r.org_id, id);
    const what = `${view.limit}${view.operationId ? ` (${view.operationId})` : ''}`;
    await this.#d.notifyOrg(r.org_id, {
      kind: `limit_request.${p.decision}`,
      link: `/orgs/${r.org_id}/apps/${view.appId}`,
      title: p.decision === 'decline' ? 'Limit increase declined' : 'Limit increase approved',
      body:
        p.decision === 'decline'
          ? `Your request to raise ${what} was declined${p.note ? `: ${p.note}` : '.'}`
          : `Your request to raise ${what} was approved at ${view.grantedValue}${view.grantedUntil ? ` until ${view.grantedUntil}` : ''}.${view.conditionsTerms ? ' Accept the conditions in the portal for it to take effect.' : ''}`,
    });
    return view;
  }

  /** Gateways drop the plan and the subscription a grant applies to (after the change committed). */
  async #grantChanged(planId: string, subscriptionId: string, appId: string): Promise<void> {
    await this.#d.invalidate({ kind: 'plan', id: planId });
    await this.#d.invalidate({ kind: 'subscription', id: subscriptionId, appId });
  }

  async acceptLimitConditions(orgId: string, id: string, ctx: RequestContext): Promise<LimitRequestView> {
    const r = await this.getLimitRequest(orgId, id);
    if (r.status !== 'approved' || !r.conditionsTerms || r.termsAcceptedAt) {
      throw new AppError('conflict', { message: 'There are no conditions waiting for acceptance.' });
    }
    await this.#d.store.transaction(async (store, tx) => {
      await store.updateLimitRequest(id, {
        terms_accepted_at: this.#d.nowIso(),
        terms_accepted_by: ctx.actor.id,
      });
      await this.#d.audit(
        ctx,
        'limit_request.accept_conditions',
        { type: 'limit_request', id },
        { orgId, tx },
      );
    });
    await this.#grantChanged(r.planId, r.subscriptionId, r.appId);
    return this.getLimitRequest(orgId, id);
  }
}

import { PERIOD_MS, type Plan, RATE_PERIODS, type RatePeriod } from '../catalog/index.ts';
import type { PlanLimits } from '../gateway/index.ts';
import { inForce, type LimitKind, type SubscriptionView } from './app-views.ts';
import type { AppsServiceDeps } from './service-deps.ts';
import type { Throttle } from './throttle-source.ts';

/**
 * What the gateway enforces for an app: its subscription to a product and the plan's limits with
 * the app's granted limit increases in force applied (a raise never lowers a limit; the earliest
 * end of an applied grant bounds how long the answer holds).
 */
export class EffectiveLimits {
  readonly #d: AppsServiceDeps;

  constructor(deps: AppsServiceDeps) {
    this.#d = deps;
  }

  /**
   * The app's subscription to a product (live one first), with its plan's effective limits and
   * whether the app has been granted production access to the product.
   */
  async entitlement(appId: string, productSlug: string) {
    const [rows, productionGranted] = await Promise.all([
      this.#d.store.recentSubscriptions(appId, productSlug),
      this.#d.store.hasProductionGrant(appId, productSlug),
    ]);
    if (rows.length === 0) return null;
    const row = rows.find((r) => r.status === 'active' || r.status === 'pending') ?? rows[0];
    const plan = await this.#d.catalog.getPlan(row.plan_id);
    if (!plan) return null;
    return {
      subscriptionId: row.id,
      status: row.status as SubscriptionView['status'],
      productionGranted,
      plan: await this.effectiveLimits(appId, plan),
    };
  }

  /**
   * The plan's limits with the app's in-force overrides applied (a raise never lowers a limit),
   * then the throttles in force (each caps its period, plan-wide and per operation, and the burst:
   * the lower of plan and throttle wins; the earliest end bounds how long the answer holds).
   */
  async effectiveLimits(appId: string, plan: Plan): Promise<PlanLimits> {
    const nowMs = this.#d.clock.nowMs();
    const rows = await this.#d.store.approvedLimitRequests(appId, plan.id);
    const live = rows.filter((r) => inForce(r, nowMs));
    const rate = new Map<RatePeriod, number>(plan.rateLimits.map((r) => [r.period, r.limit]));
    const opRates = new Map<string, Map<RatePeriod, number>>(
      Object.entries(plan.operationRateLimits).map(([op, list]) => [
        op,
        new Map(list.map((r) => [r.period, r.limit])),
      ]),
    );
    let burst = plan.burst;
    let quotaDay = plan.quotas.day;
    let quotaMonth = plan.quotas.month;
    let endUsers = plan.endUserCap?.limit ?? null;
    let validUntilMs: number | null = null;
    const applied: string[] = [];
    const throttles: NonNullable<PlanLimits['throttles']> = [];
    const raise = (cur: number | null | undefined, v: number) =>
      cur == null ? (cur ?? null) : Math.max(cur, v);
    for (const r of live) {
      const v = Number(r.granted_value);
      const kind = r.limit_kind as LimitKind;
      if (kind.startsWith('rate:')) {
        const period = kind.slice(5) as RatePeriod;
        const target = r.operation_id ? opRates.get(r.operation_id) : rate;
        if (!target?.has(period)) continue;
        target.set(period, Math.max(target.get(period)!, v));
      } else if (kind === 'quota:day') quotaDay = raise(quotaDay, v);
      else if (kind === 'quota:month') quotaMonth = raise(quotaMonth, v);
      else if (kind === 'end-users') endUsers = raise(endUsers, v);
      else if (kind === 'burst') burst = raise(burst, v);
      applied.push(r.id);
      if (r.granted_until) {
        const until = Date.parse(r.granted_until);
        validUntilMs = validUntilMs === null ? until : Math.min(validUntilMs, until);
      }
    }
    for (const t of await this.#throttles(appId)) {
      const cap = (m: Map<RatePeriod, number>) =>
        m.set(t.period, Math.min(m.get(t.period) ?? t.limit, t.limit));
      cap(rate);
      for (const m of opRates.values()) cap(m);
      if (burst !== null) burst = Math.min(burst, t.limit);
      applied.push(t.id);
      throttles.push({ id: t.id, periodMs: PERIOD_MS[t.period], limit: t.limit, untilMs: t.untilMs });
      validUntilMs = validUntilMs === null ? t.untilMs : Math.min(validUntilMs, t.untilMs);
    }
    const toList = (m: Map<RatePeriod, number>) =>
      RATE_PERIODS.filter((p) => m.has(p)).map((p) => ({ periodMs: PERIOD_MS[p], limit: m.get(p)! }));
    return {
      id: plan.id,
      name: plan.name,
      productSlug: plan.productSlug,
      rateLimits: toList(rate),
      operationRateLimits: Object.fromEntries([...opRates].map(([op, m]) => [op, toList(m)])),
      burst,
      quotas: { day: quotaDay, month: quotaMonth, timeZone: plan.quotas.timeZone },
      endUserCap:
        plan.endUserCap && endUsers !== null ? { limit: endUsers, period: plan.endUserCap.period } : null,
      appliedOverrides: applied,
      validUntilMs,
      throttles,
    };
  }

  /** Throttles in force on the app (none when no source is wired, as in the module's unit tests). */
  async #throttles(appId: string): Promise<Throttle[]> {
    if (!this.#d.throttles) return [];
    const app = await this.#d.store.findAppById(appId);
    return app ? this.#d.throttles.throttlesOf(appId, app.org_id) : [];
  }
}

/** The value of one limit of the effective limits (null when the plan has no such limit). */
export function currentLimitValue(
  limits: PlanLimits,
  kind: LimitKind,
  operationId: string | undefined,
): number | null {
  if (kind.startsWith('rate:')) {
    const periodMs = PERIOD_MS[kind.slice(5) as RatePeriod];
    const list = operationId ? limits.operationRateLimits[operationId] : limits.rateLimits;
    return list?.find((r) => r.periodMs === periodMs)?.limit ?? null;
  }
  if (kind === 'quota:day') return limits.quotas.day;
  if (kind === 'quota:month') return limits.quotas.month;
  if (kind === 'end-users') return limits.endUserCap?.limit ?? null;
  if (kind === 'burst') return limits.burst;
  return null;
}

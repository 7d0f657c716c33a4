import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { Catalog } from '../catalog/index.ts';
import { type UsageReader as GatewayUsageReader, periodBounds } from '../gateway/index.ts';
import type { AppsService } from './apps-service.ts';
import type { appUsageView } from './contracts.ts';

/**
 * The developer's usage summary of one app (getAppUsage): calls by outcome (approved, declined with
 * the network's codes, failed) per operation over a
 * window, distinct end users, and for each subscription the quota left this calendar day/month and
 * end users served this period (in the plan's time zone). Reads the gateway's usage records through
 * the gateway's read port, never its tables.
 */
/** The part of the gateway's usage records this module reads. */
export type UsageReader = Pick<GatewayUsageReader, 'getAppUsage'>;

export type AppUsageSummary = z.infer<typeof appUsageView>;

export class AppUsageService {
  readonly #apps: AppsService;
  readonly #catalog: Catalog;
  #usage: UsageReader | null;
  readonly #clock: Clock;
  constructor(opts: { apps: AppsService; catalog: Catalog; usage: UsageReader | null; clock: Clock }) {
    this.#apps = opts.apps;
    this.#catalog = opts.catalog;
    this.#usage = opts.usage;
    this.#clock = opts.clock;
  }

  async getAppUsage(
    orgId: string,
    appId: string,
    window: { fromMs?: number; toMs?: number },
  ): Promise<AppUsageSummary> {
    await this.#apps.getApp(orgId, appId); // scoped: not_found for another org's app
    const nowMs = this.#clock.nowMs();
    const toMs = window.toMs ?? nowMs;
    const fromMs = window.fromMs ?? toMs - 86_400_000;
    const empty = {
      calls: 0,
      approved: 0,
      declined: 0,
      failed: 0,
      errors: 0,
      distinctEndUsers: 0,
      operations: [],
      declines: [],
    };
    const read = (f: number, t: number) =>
      this.#usage ? this.#usage.getAppUsage(appId, f, t, orgId) : Promise.resolve(empty);
    const total = await read(fromMs, toMs);
    const subs = (await this.#apps.listSubscriptions(orgId, appId)).filter((s) => s.status === 'active');
    const subscriptions: AppUsageSummary['subscriptions'] = [];
    for (const s of subs) {
      const ent = await this.#apps.entitlement(appId, s.productSlug);
      if (!ent) continue;
      const product = await this.#catalog.findProduct(s.productSlug);
      const ops = new Set(product?.apis.flatMap((a) => a.operations.map((o) => o.operationId)) ?? []);
      const tz = ent.plan.quotas.timeZone;
      const quotas: AppUsageSummary['subscriptions'][number]['quotas'] = [];
      for (const period of ['day', 'month'] as const) {
        const limit = ent.plan.quotas[period];
        if (limit === null) continue;
        const b = periodBounds(nowMs, period, tz);
        const u = await read(b.startMs, nowMs + 1);
        const used = u.operations.filter((o) => ops.has(o.operationId)).reduce((n, o) => n + o.calls, 0);
        quotas.push({
          period,
          limit,
          used,
          remaining: Math.max(0, limit - used),
          resetsAt: new Date(b.endMs).toISOString(),
        });
      }
      let endUsers: AppUsageSummary['subscriptions'][number]['endUsers'] = null;
      if (ent.plan.endUserCap) {
        const b = periodBounds(nowMs, ent.plan.endUserCap.period, tz);
        const u = await read(b.startMs, nowMs + 1);
        endUsers = {
          period: ent.plan.endUserCap.period,
          limit: ent.plan.endUserCap.limit,
          served: u.distinctEndUsers,
          remaining: Math.max(0, ent.plan.endUserCap.limit - u.distinctEndUsers),
        };
      }
      subscriptions.push({
        subscriptionId: s.id,
        productSlug: s.productSlug,
        planName: ent.plan.name,
        status: s.status,
        quotas,
        endUsers,
        rateLimits: ent.plan.rateLimits,
      });
    }
    return {
      appId,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      calls: total.calls,
      approved: total.approved,
      declined: total.declined,
      failed: total.failed,
      errors: total.errors,
      distinctEndUsers: total.distinctEndUsers,
      operations: total.operations,
      declines: total.declines.slice(0, 1000),
      subscriptions,
    };
  }
}

import type { Clock } from '../../platform/clock.ts';
import type { Throttle, ThrottleSource } from '../apps/index.ts';
import type { RatePeriod } from '../catalog/index.ts';
import type { EnforcementStore } from './enforcement-store.ts';

/**
 * The throttles in force on an app — its own and its organisation's — for the apps module's
 * effective limits (its `ThrottleSource`). Gateways read the effective limits through their
 * directory cache, which drops them when a throttle is set or ended (enforcement-actions.ts) and
 * when the earliest throttle ends (`untilMs` bounds the cached answer).
 */
export class EnforcementThrottles implements ThrottleSource {
  readonly #store: EnforcementStore;
  readonly #clock: Clock;
  constructor(store: EnforcementStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  async throttlesOf(appId: string, orgId: string): Promise<Throttle[]> {
    const rows = await this.#store.throttlesInForce(orgId, appId, this.#clock.now().toISOString());
    return rows.flatMap((r) => {
      if (!r.throttle || !r.ends_at) return [];
      const t = JSON.parse(r.throttle) as { period: RatePeriod; limit: number };
      return [{ id: r.id, period: t.period, limit: t.limit, untilMs: Date.parse(r.ends_at) }];
    });
  }
}

import type { RatePeriod } from '../catalog/index.ts';
/**
 * A temporary lower limit on an app (an enforcement throttle, on the app or on its whole
 * organisation): at most `limit` calls per `period` until `untilMs`. The enforcement module owns
 * throttles and provides this source (main.ts); the apps module owns how they combine with a plan.
 */
export type Throttle = { id: string; period: RatePeriod; limit: number; untilMs: number };
export type ThrottleSource = { throttlesOf(appId: string, orgId: string): Promise<Throttle[]> };

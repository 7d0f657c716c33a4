import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GatewayError } from './gateway-errors.ts';

/**
 * Congestion control with a fair share per organisation. The gateway has a global budget of
 * requests in flight. While it is not saturated everyone is admitted. When it is saturated (in
 * flight ≥ budget, or the event loop is lagging past `maxLoopDelayMs`, which halves the effective
 * budget) each organisation is entitled to an equal share of the budget among the organisations
 * with requests in flight; an organisation at or above its share is shed first (503 +
 * Retry-After), while an organisation below its share is still admitted, up to a hard ceiling of
 * twice the budget that protects the process itself.
 */
export type CongestionOptions = {
  /** Requests in flight across all organisations before shedding starts. */
  maxConcurrent?: number;
  /** Event-loop delay (p99 over the last sampling interval, ms) that counts as saturation. */
  maxLoopDelayMs?: number;
  /** Where the loop-delay signal comes from (tests inject a fixed value). */
  loopDelayMs?: () => number;
  retryAfterSeconds?: number;
};

export class CongestionController {
  readonly #budget: number;
  readonly #maxDelay: number;
  readonly #delay: () => number;
  readonly #retryAfter: string;
  /**
   * Calls in flight per organisation. An organisation's entry stays at 0 when its last call ends
   * (deleting and re-adding it on every call churned the map's table); `#active` counts those above
   * 0, and entries at 0 are swept when the map grows large.
   */
  readonly #perOrg = new Map<string, number>();
  #active = 0;
  #inFlight = 0;
  shed = 0;

  constructor(opts: CongestionOptions = {}) {
    this.#budget = Math.max(1, opts.maxConcurrent ?? 512);
    this.#maxDelay = opts.maxLoopDelayMs ?? 200;
    this.#delay = opts.loopDelayMs ?? (() => 0);
    this.#retryAfter = String(opts.retryAfterSeconds ?? 1);
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Admits a call (remember to `release` it) or throws a 503 for a heavy organisation. */
  admit(orgId: string): void {
    const mine = this.#perOrg.get(orgId) ?? 0;
    const lagging = this.#delay() > this.#maxDelay;
    const budget = lagging ? Math.max(1, this.#budget >> 1) : this.#budget;
    if (this.#inFlight >= budget) {
      const active = this.#active + (mine === 0 ? 1 : 0);
      const share = Math.max(1, Math.floor(budget / active));
      if (mine >= share || this.#inFlight >= 2 * this.#budget) {
        this.shed++;
        throw new GatewayError(
          'gateway_overloaded',
          503,
          'The gateway is saturated and your organisation is using more than its fair share; retry shortly.',
          { shape: 'problem', headers: { 'retry-after': this.#retryAfter } },
        );
      }
    }
    this.#inFlight++;
    if (mine === 0) {
      this.#active++;
      if (this.#perOrg.size >= 10_000) this.#sweep();
    }
    this.#perOrg.set(orgId, mine + 1);
  }

  release(orgId: string): void {
    const mine = this.#perOrg.get(orgId) ?? 0;
    if (mine <= 0) return;
    if (mine === 1) this.#active--;
    this.#perOrg.set(orgId, mine - 1);
    if (this.#inFlight > 0) this.#inFlight--;
  }

  /** Organisations with calls in flight (those the fair share is divided among). */
  get activeOrganisations(): number {
    return this.#active;
  }

  #sweep(): void {
    for (const [org, n] of this.#perOrg) if (n === 0) this.#perOrg.delete(org);
  }
}

/**
 * The event-loop delay signal: p99 of the loop delay over the last `intervalMs`, from
 * perf_hooks.monitorEventLoopDelay (sampled by libuv; costs nothing per request).
 */
export function eventLoopDelaySignal(intervalMs = 1000): { read: () => number; stop: () => void } {
  const h = monitorEventLoopDelay({ resolution: 20 });
  h.enable();
  let last = 0;
  const timer = setInterval(() => {
    last = h.percentile(99) / 1e6;
    h.reset();
  }, intervalMs);
  timer.unref();
  return {
    read: () => last,
    stop: () => {
      clearInterval(timer);
      h.disable();
    },
  };
}

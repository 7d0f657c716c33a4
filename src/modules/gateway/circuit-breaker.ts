/**
 * A circuit breaker per upstream (issue 35). Closed: calls go through and consecutive failures are
 * counted; `failureThreshold` of them in a row open it. Open: calls fail fast (the caller answers
 * 503 with Retry-After = the time left) without touching the upstream, for `openMs`. Then
 * half-open: one call at a time is let through as a probe; its success closes the breaker, its
 * failure opens it again for another `openMs`. A failure is what says the upstream is down (no
 * connection, a time-out, a 502/503/504 answer), never a network decline: those are answers.
 *
 * Time is read from `now` (ms, monotonic), so tests drive it; the breaker itself never schedules
 * anything and costs two comparisons on a closed call.
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export type BreakerOptions = {
  /** Consecutive failures that open the breaker (default 5). */
  failureThreshold?: number;
  /** How long it stays open before a probe is let through (default 5000 ms). */
  openMs?: number;
  now?: () => number;
};

export class CircuitBreaker {
  readonly #threshold: number;
  readonly #openMs: number;
  readonly #now: () => number;
  #failures = 0;
  #openedAt = -1;
  #probing = false;
  /** Times the breaker opened since start (for /metrics). */
  opened = 0;

  constructor(o: BreakerOptions = {}) {
    this.#threshold = o.failureThreshold ?? 5;
    this.#openMs = o.openMs ?? 5000;
    this.#now = o.now ?? (() => performance.now());
  }

  get state(): BreakerState {
    if (this.#openedAt < 0) return 'closed';
    return this.#now() - this.#openedAt < this.#openMs ? 'open' : 'half-open';
  }

  /**
   * May a call go to the upstream now? Null: yes (the caller reports its outcome with success() or
   * failure()). A number: no, fail fast; it is the whole seconds until a probe may be tried.
   */
  admit(): number | null {
    if (this.#openedAt < 0) return null;
    const left = this.#openMs - (this.#now() - this.#openedAt);
    if (left > 0) return Math.max(1, Math.ceil(left / 1000));
    // Half-open: one probe at a time; the others still fail fast.
    if (this.#probing) return 1;
    this.#probing = true;
    return null;
  }

  success(): void {
    this.#failures = 0;
    this.#openedAt = -1;
    this.#probing = false;
  }

  failure(): void {
    this.#probing = false;
    if (this.#openedAt >= 0) {
      // A failed probe (or a call admitted before the breaker opened): open for another period.
      this.#openedAt = this.#now();
      return;
    }
    if (++this.#failures >= this.#threshold) {
      this.#openedAt = this.#now();
      this.opened++;
    }
  }
}

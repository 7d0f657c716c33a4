import { type Clock, systemClock } from '../../platform/clock.ts';
import {
  CACHE_INVALIDATE_CHANNEL,
  type CacheInvalidation,
} from '../../platform/shared-state/cache-invalidation.ts';
import type {
  ConsumeResult,
  LimitRule,
  RuleOutcome,
  SharedState,
} from '../../platform/shared-state/shared-state.ts';

/**
 * Leases on shared limits, so that a gateway on Redis does not need a round trip for every call
 * while a budget is far from exhausted.
 *
 * A lease is an ordinary all-or-nothing `consume` of n units (n > 1) against all rules of one
 * subscription and period; the gateway then admits up to n calls from it locally. Units are charged
 * in Redis *before* the calls they admit, so across any number of gateways no window ever admits
 * more than its limit. What a lease may cost is the opposite: units held by one gateway that another
 * could have used. That is kept small and short:
 * - a lease is only taken while every rule has at least `reserveFactor` × n units left (with the
 *   defaults: 512 units only when ≥ 524 288 remain; a budget of a few thousand is never leased), so
 *   near a limit every call is checked on its own, exactly as without leases;
 * - a lease lives `leaseMs`; what is left then is given back (`SharedState.release`), so stranded
 *   units return to the shared budget within about two lease lifetimes. (The next lease is fetched
 *   when a quarter is left and that remainder joins it, so a unit is used at most ~2 × `leaseMs`
 *   after it was charged: units are interchangeable and the remainder is used first.)
 * - a lease belongs to the rule set of one period (the keys change when a window turns over), so its
 *   units are only ever used inside the window they were charged to.
 * GCRA buckets are charged up to ~2 × `leaseMs` before the calls, which can only delay calls, never admit
 * extra ones inside the bucket's span. Calls that name an end user for a distinct-end-user cap are
 * never leased (each member must be checked). With `maxLease` ≤ 1, every call goes to the store.
 *
 * A change that may lower an app's limits — an enforcement throttle starting, a suspension, a plan
 * or subscription change: every `cache-invalidate` message but a client's — revokes the leases in
 * hand at once: their units are given back and a lease being fetched is given back when it
 * arrives. So a throttle bites on the next call, with the lower limit checked against the window's
 * shared counter, instead of after the units leased under the old limit are spent (issue 29).
 */
export type LeaseOptions = {
  /** Largest lease in units (the lease size adapts up to it). 0 or 1 turns leasing off. */
  maxLease?: number;
  /** How long a lease may be used before its leftover is given back. */
  leaseMs?: number;
  /** A lease of n needs n × this many units left on every rule. */
  reserveFactor?: number;
  /**
   * The wall clock a lease's lifetime runs on (default the system clock). Not the gateway's clock:
   * a lease lives `leaseMs` of real time whatever time the calls say it is (a test's FakeClock).
   */
  wall?: Clock;
};

/** Default of `maxLease` (RATE_LIMIT_LEASE_MAX). */
export const LEASE_MAX_DEFAULT = 512;

type Lease = {
  readonly rules: LimitRule[];
  /** Units charged and not yet used (the latest lease plus what was left of the one before). */
  tokens: number;
  /** Wall-clock ms after which the leftover is given back instead of used. */
  expiresAt: number;
  /** `nowMs` (the gateway's clock) and wall-clock ms of the latest charge, and its outcomes. */
  atMs: number;
  wallAt: number;
  outcomes: RuleOutcome[];
  /** Size of the next lease; 1 = check each call. Adapts to the traffic. */
  want: number;
  /** Largest lease the rules' remaining units allow (from the last answer). */
  room: number;
  inflight: Promise<void> | null;
};

/** Whether a cache-invalidate message may change limits (a client's token or secret cannot). */
function touchesLimits(message: string): boolean {
  try {
    return (JSON.parse(message) as CacheInvalidation).kind !== 'client';
  } catch {
    return true;
  }
}

export class LeasedLimits {
  readonly #state: SharedState;
  readonly #max: number;
  readonly #leaseMs: number;
  readonly #reserve: number;
  readonly #wall: Clock;
  /** Keyed by the rules array, which `buildRules` reuses for one subscription and period. */
  readonly #leases = new WeakMap<LimitRule[], Lease>();
  /** Leases holding units, for the sweep that gives expired leftovers back. */
  readonly #held = new Set<Lease>();
  #sweeper: NodeJS.Timeout | undefined;
  /** Bumped by `revokeAll`: a lease charged under an older epoch is given back on arrival. */
  #epoch = 0;
  #subscription: Promise<(() => Promise<void>) | undefined> | undefined;
  /** Units given back, and calls admitted from leases (for tests and metrics). */
  released = 0;
  leasedCalls = 0;
  /** Times every lease was revoked by a change to limits (for tests and metrics). */
  revocations = 0;

  constructor(state: SharedState, opts: LeaseOptions = {}) {
    this.#state = state;
    this.#max = Math.max(1, Math.floor(opts.maxLease ?? LEASE_MAX_DEFAULT));
    this.#leaseMs = opts.leaseMs ?? 50;
    this.#reserve = opts.reserveFactor ?? 1024;
    this.#wall = opts.wall ?? systemClock;
  }

  /** Checks and charges one call, like `SharedState.consume(rules, nowMs)`. */
  async consume(rules: LimitRule[], nowMs: number): Promise<ConsumeResult> {
    if (this.#max <= 1 || rules.length === 0 || rules[rules.length - 1].kind === 'distinct') {
      return this.#state.consume(rules, nowMs);
    }
    let l = this.#leases.get(rules);
    if (!l) {
      l = {
        rules,
        tokens: 0,
        expiresAt: 0,
        atMs: 0,
        wallAt: 0,
        outcomes: [],
        want: 8,
        room: 1,
        inflight: null,
      };
      this.#leases.set(rules, l);
    }
    for (;;) {
      if (l.tokens > 0 && this.#wall.nowMs() < l.expiresAt) {
        l.tokens--;
        this.leasedCalls++;
        // Three quarters used within its lifetime: fetch the next (larger) lease before this one
        // runs out, so calls do not wait for the round trip.
        if (l.inflight === null && l.tokens <= l.want >> 2) {
          l.want = Math.min(this.#max, l.want * 2);
          const n = Math.min(l.want, l.room);
          if (n > 1) this.#refill(l, nowMs, n).catch(() => {});
        }
        return this.#fromLease(l, nowMs);
      }
      if (l.inflight === null) break;
      await l.inflight.catch(() => {});
    }
    if (l.tokens > 0) this.#giveBack(l, nowMs);
    const n = Math.min(l.want, l.room);
    if (n <= 1) {
      const r = await this.#state.consume(rules, nowMs);
      this.#learn(l, r, 1);
      return r;
    }
    await this.#refill(l, nowMs, n);
    // Take a unit of the new lease (or, if it was refused near the limit, check this call alone).
    return this.consume(rules, nowMs);
  }

  /** Charges a lease of `n` units; on success they join the units in hand, with a fresh lifetime. */
  #refill(l: Lease, nowMs: number, n: number): Promise<void> {
    this.#listen();
    const epoch = this.#epoch;
    const p = this.#state.consume(l.rules, nowMs, n).then(
      (r) => {
        l.inflight = null;
        this.#learn(l, r, n);
        if (!r.allowed) return;
        if (epoch !== this.#epoch) {
          // Revoked while it was being charged: the limits it was charged under may be gone.
          this.released += n;
          void this.#state.release(l.rules, nowMs, n).catch(() => {});
          return;
        }
        l.tokens += n;
        l.wallAt = this.#wall.nowMs();
        l.expiresAt = l.wallAt + this.#leaseMs;
        l.atMs = nowMs;
        l.outcomes = r.outcomes;
        this.#held.add(l);
        this.#startSweeper();
      },
      (err) => {
        l.inflight = null;
        throw err;
      },
    );
    l.inflight = p;
    return p;
  }

  /** Sets how large the next lease may be from the units every rule has left. */
  #learn(l: Lease, r: ConsumeResult, charged: number): void {
    if (!r.allowed) {
      l.room = 1;
      return;
    }
    let min = Number.POSITIVE_INFINITY;
    for (const o of r.outcomes) if (o.remaining < min) min = o.remaining;
    // Units left after this charge plus what it leased (the budget as it was before the lease).
    const before = min + (charged > 1 ? charged : 0);
    l.room = Math.floor(before / this.#reserve);
  }

  /** The outcome of a call admitted from a lease: the lease's answer, aged, with its leftover. */
  #fromLease(l: Lease, nowMs: number): ConsumeResult {
    const aged = nowMs - l.atMs;
    const outcomes: RuleOutcome[] = new Array(l.outcomes.length);
    for (let i = 0; i < outcomes.length; i++) {
      const o = l.outcomes[i];
      outcomes[i] = {
        allowed: true,
        limit: o.limit,
        remaining: o.remaining + l.tokens,
        resetMs: Math.max(0, o.resetMs - aged),
        retryAfterMs: 0,
      };
    }
    return { allowed: true, retryAfterMs: 0, outcomes };
  }

  #giveBack(l: Lease, nowMs: number): void {
    const units = l.tokens;
    l.tokens = 0;
    this.#held.delete(l);
    if (units === 0) return;
    // Units went unused for a whole lifetime: lease less next time.
    l.want = Math.max(2, Math.floor(l.want / 2));
    this.released += units;
    // Best effort: if the store cannot take them back, the units only lapse with their window.
    void this.#state.release(l.rules, nowMs, units).catch(() => {});
  }

  #startSweeper(): void {
    if (this.#sweeper) return;
    this.#sweeper = setInterval(() => {
      const now = this.#wall.nowMs();
      for (const l of this.#held) {
        // The gateway's clock now, as far as this lease can tell (for where a bucket may move back to).
        if (l.inflight === null && now >= l.expiresAt) this.#giveBack(l, l.atMs + (now - l.wallAt));
      }
      if (this.#held.size === 0) {
        clearInterval(this.#sweeper);
        this.#sweeper = undefined;
      }
    }, this.#leaseMs);
    this.#sweeper.unref();
  }

  /** Listens for changes to limits once the first lease is taken (no lease, nothing to revoke). */
  #listen(): void {
    if (this.#subscription) return;
    this.#subscription = this.#state
      .subscribe(CACHE_INVALIDATE_CHANNEL, (message) => {
        if (touchesLimits(message)) this.revokeAll();
      })
      .catch(() => undefined);
  }

  /**
   * Revokes every lease now: units in hand are given back (each lease's next call goes to the
   * store, under whatever limits the gateway then reads), and leases being charged are given back
   * when they arrive. Leases are keyed by rule sets, not apps, so a change to one app revokes all;
   * that costs each busy subscription one extra round trip, never an admitted call too many.
   */
  revokeAll(): void {
    this.#epoch++;
    this.revocations++;
    const now = this.#wall.nowMs();
    for (const l of this.#held) this.#giveBack(l, l.atMs + (now - l.wallAt));
  }

  /** Gives every leftover back now (graceful shutdown), and stops the sweep. */
  async close(): Promise<void> {
    // Not awaited: with Redis down the subscription settles only when it is back.
    void this.#subscription?.then((unsubscribe) => unsubscribe?.().catch(() => {}));
    this.#subscription = undefined;
    if (this.#sweeper) clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    const pending: Promise<void>[] = [];
    for (const l of this.#held) {
      const units = l.tokens;
      l.tokens = 0;
      if (units > 0) pending.push(this.#state.release(l.rules, l.atMs, units).catch(() => {}));
    }
    this.#held.clear();
    await Promise.all(pending);
  }
}

/**
 * State that several gateway processes must agree on: counters, rate-limit buckets, end-user sets,
 * short-lived values (idempotency locks) and cache-invalidation messages. Two adapters implement
 * the same contract (`shared-state.contract.ts` runs against both): in-memory for one process, Redis
 * for many.
 *
 * Time is passed in (`nowMs`) so tests can drive windows with a fake clock; every gateway of one
 * deployment must therefore run on synchronised clocks (NTP), as usual for rate limiting.
 */

/** Fixed window: at most `limit` units until `resetAtMs`; the key must name the window. */
type WindowRule = { kind: 'window'; key: string; limit: number; resetAtMs: number };
/**
 * GCRA (a token bucket without a timer): `burst` units at once, refilled at `limit` per `periodMs`.
 */
type GcraRule = { kind: 'gcra'; key: string; limit: number; periodMs: number; burst: number };
/**
 * Distinct members (e.g. hashed end-user ids) until `resetAtMs`: a member already counted passes;
 * a new one passes while fewer than `limit` are counted. Exact (a set), not an estimate.
 */
type DistinctRule = {
  kind: 'distinct';
  key: string;
  limit: number;
  resetAtMs: number;
  member: string;
};
export type LimitRule = WindowRule | GcraRule | DistinctRule;

export type RuleOutcome = {
  allowed: boolean;
  limit: number;
  /** Units still available after this call (0 when refused). */
  remaining: number;
  /** Milliseconds until the rule is fully replenished (window end, or bucket full again). */
  resetMs: number;
  /** Milliseconds to wait before a retry could pass this rule (0 when allowed). */
  retryAfterMs: number;
};

export type ConsumeResult = { allowed: boolean; retryAfterMs: number; outcomes: RuleOutcome[] };

export type Unsubscribe = () => Promise<void>;

/**
 * What an adapter throws when the state cannot be reached or cannot answer right now (connection
 * lost, command timed out, server loading or out of memory). Callers that guard something with the
 * state (sign-in attempt counters, the token endpoint's throttles, the gateway's limits) let it
 * propagate and so fail closed; the HTTP layers answer it with 503 + Retry-After, never a 500.
 * Anything else an adapter throws is a bug.
 */
export class SharedStateUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`shared state unavailable: ${(cause as Error)?.message ?? String(cause)}`, { cause });
    this.name = 'SharedStateUnavailableError';
  }
}

/** Seconds a client is asked to wait when the shared state is unavailable (the client reconnects within 1 s). */
export const SHARED_STATE_RETRY_AFTER_S = 2;

/** The answer of `logEvent`: whether the event was added, and the window's events after it. */
export type EventLogResult = {
  added: boolean;
  /** Names the added event (for `unlogEvent`); null when refused. */
  id: string | null;
  /** Events in the window, this one included when added. */
  count: number;
  /** Time of the oldest event in the window (-1 when none): the window has room again at oldest + windowMs. */
  oldestMs: number;
};

export type SharedState = {
  readonly kind: 'memory' | 'redis';
  /** Adds `by` to a counter and returns the new value; the expiry is set when the key is created. */
  incr(key: string, by: number, ttlMs: number): Promise<number>;
  getCount(key: string): Promise<number>;
  /**
   * Checks every rule and, only if all pass, charges `cost` to each: all-or-nothing, atomic across
   * processes. Refused calls charge nothing.
   */
  consume(rules: LimitRule[], nowMs: number, cost?: number): Promise<ConsumeResult>;
  /**
   * Gives back `units` that an allowed `consume` of the same rules charged but nobody used (a lease's
   * leftover): windows count down (never below zero), buckets move back (never past full). Keys that
   * expired meanwhile are left alone, and distinct rules are not touched. Never admits more than the
   * rules allow: it only undoes charges.
   */
  release(rules: LimitRule[], nowMs: number, units: number): Promise<void>;
  /** Single GCRA check (convenience over `consume`). */
  gcra(key: string, limit: number, periodMs: number, burst: number, nowMs: number): Promise<RuleOutcome>;
  countDistinct(key: string): Promise<number>;
  /**
   * Sliding-window event log (exact, not an estimate): adds an event at `nowMs` unless `limit`
   * events already fall in the window (nowMs - windowMs, nowMs]; check and add are atomic across
   * processes, so concurrent callers can never put more than `limit` events in a window.
   */
  logEvent(key: string, nowMs: number, windowMs: number, limit: number): Promise<EventLogResult>;
  /** Removes one event `logEvent` added (the attempt it stood for turned out not to count). */
  unlogEvent(key: string, id: string): Promise<void>;
  /** Sets the value only if the key is absent; true when set. */
  setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean>;
  setValue(key: string, value: string, ttlMs: number): Promise<void>;
  getValue(key: string): Promise<string | null>;
  deleteKey(key: string): Promise<void>;
  publish(channel: string, message: string): Promise<void>;
  subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe>;
  ping(): Promise<void>;
  close(): Promise<void>;
};

/** Shared arithmetic for GCRA so both adapters agree to the millisecond. */
export function gcraStep(
  tatMs: number | null,
  nowMs: number,
  rule: { limit: number; periodMs: number; burst: number },
  cost: number,
): { allowed: boolean; newTat: number; remaining: number; resetMs: number; retryAfterMs: number } {
  const interval = rule.periodMs / rule.limit;
  const capacity = interval * Math.max(1, rule.burst);
  const tat = tatMs === null || tatMs < nowMs ? nowMs : tatMs;
  const newTat = tat + interval * cost;
  const allowAt = newTat - capacity;
  if (nowMs < allowAt) {
    return {
      allowed: false,
      newTat: tat,
      remaining: 0,
      resetMs: Math.ceil(tat - nowMs),
      retryAfterMs: Math.ceil(allowAt - nowMs),
    };
  }
  return {
    allowed: true,
    newTat,
    remaining: Math.floor((nowMs - allowAt) / interval),
    resetMs: Math.ceil(newTat - nowMs),
    retryAfterMs: 0,
  };
}

import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import {
  type ConsumeResult,
  type EventLogResult,
  gcraStep,
  type LimitRule,
  type RuleOutcome,
  type SharedState,
  type Unsubscribe,
} from './shared-state.ts';

/** A sliding-window event log: [time, id] pairs, oldest first. */
type EventLog = Array<[number, string]>;
type Entry = { value: number | string | Set<string> | EventLog; expiresAt: number };

/**
 * One process's shared state. Every method body runs synchronously, so each call is atomic with
 * respect to the others: this is what makes a single process exact without Redis. Expiry uses the
 * wall clock (Date.now), like Redis does.
 */
export class MemorySharedState implements SharedState {
  readonly kind = 'memory' as const;
  readonly #entries = new Map<string, Entry>();
  readonly #bus = new EventEmitter();
  readonly #sweeper: NodeJS.Timeout;

  constructor() {
    this.#bus.setMaxListeners(0);
    this.#sweeper = setInterval(() => this.#sweep(), 10_000);
    this.#sweeper.unref();
  }

  #live(key: string, now = Date.now()): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && e.expiresAt <= now) {
      this.#entries.delete(key);
      return undefined;
    }
    return e;
  }

  #sweep(): void {
    const now = Date.now();
    for (const [k, e] of this.#entries) if (e.expiresAt <= now) this.#entries.delete(k);
  }

  async incr(key: string, by: number, ttlMs: number): Promise<number> {
    const e = this.#live(key);
    if (!e) {
      this.#entries.set(key, { value: by, expiresAt: Date.now() + ttlMs });
      return by;
    }
    e.value = (e.value as number) + by;
    return e.value;
  }

  async getCount(key: string): Promise<number> {
    const e = this.#live(key);
    return typeof e?.value === 'number' ? e.value : 0;
  }

  async consume(rules: LimitRule[], nowMs: number, cost = 1): Promise<ConsumeResult> {
    // Everything below runs synchronously, so the check and the charge are atomic. The entries
    // looked up and the new GCRA times are kept per rule for the charge (no closure per rule).
    const wall = Date.now();
    const n = rules.length;
    const outcomes: RuleOutcome[] = new Array(n);
    const found: Array<Entry | undefined> = new Array(n);
    const tats: number[] = new Array(n);
    let allowed = true;
    let retryAfterMs = 0;
    for (let i = 0; i < n; i++) {
      const rule = rules[i];
      const e = this.#live(rule.key, wall);
      found[i] = e;
      let o: RuleOutcome;
      if (rule.kind === 'window') {
        const count = typeof e?.value === 'number' ? e.value : 0;
        const ok = count + cost <= rule.limit;
        const resetMs = Math.max(0, rule.resetAtMs - nowMs);
        o = {
          allowed: ok,
          limit: rule.limit,
          remaining: ok ? rule.limit - count - cost : Math.max(0, rule.limit - count),
          resetMs,
          retryAfterMs: ok ? 0 : resetMs,
        };
      } else if (rule.kind === 'gcra') {
        const step = gcraStep(typeof e?.value === 'number' ? e.value : null, nowMs, rule, cost);
        tats[i] = step.newTat;
        o = {
          allowed: step.allowed,
          limit: rule.burst,
          remaining: step.remaining,
          resetMs: step.resetMs,
          retryAfterMs: step.retryAfterMs,
        };
      } else {
        const set = e?.value instanceof Set ? e.value : undefined;
        const isMember = set?.has(rule.member) ?? false;
        const size = set?.size ?? 0;
        const ok = isMember || size < rule.limit;
        const resetMs = Math.max(0, rule.resetAtMs - nowMs);
        o = {
          allowed: ok,
          limit: rule.limit,
          remaining: ok ? rule.limit - (isMember ? size : size + 1) : 0,
          resetMs,
          retryAfterMs: ok ? 0 : resetMs,
        };
      }
      outcomes[i] = o;
      if (!o.allowed) allowed = false;
      if (o.retryAfterMs > retryAfterMs) retryAfterMs = o.retryAfterMs;
    }
    if (allowed) {
      for (let i = 0; i < n; i++) {
        const rule = rules[i];
        // (An entry created by an earlier rule of this call with the same key is charged too.)
        const e = found[i] ?? this.#entries.get(rule.key);
        if (rule.kind === 'window') {
          if (e) e.value = (e.value as number) + cost;
          else
            this.#entries.set(rule.key, {
              value: cost,
              expiresAt: wall + Math.max(1, outcomes[i].resetMs),
            });
        } else if (rule.kind === 'gcra') {
          const ttl = wall + Math.max(1, outcomes[i].resetMs);
          if (e) {
            e.value = tats[i];
            e.expiresAt = ttl;
          } else this.#entries.set(rule.key, { value: tats[i], expiresAt: ttl });
        } else if (e && e.value instanceof Set) {
          e.value.add(rule.member);
        } else {
          this.#entries.set(rule.key, {
            value: new Set([rule.member]),
            expiresAt: wall + Math.max(1, outcomes[i].resetMs),
          });
        }
      }
    }
    return { allowed, retryAfterMs, outcomes };
  }

  async release(rules: LimitRule[], nowMs: number, units: number): Promise<void> {
    if (!(units > 0)) return;
    const wall = Date.now();
    for (const rule of rules) {
      const e = this.#live(rule.key, wall);
      if (!e || typeof e.value !== 'number') continue;
      if (rule.kind === 'window') e.value = Math.max(0, e.value - units);
      else if (rule.kind === 'gcra') {
        e.value = Math.max(nowMs, e.value - (rule.periodMs / rule.limit) * units);
      }
    }
  }

  async gcra(
    key: string,
    limit: number,
    periodMs: number,
    burst: number,
    nowMs: number,
  ): Promise<RuleOutcome> {
    const r = await this.consume([{ kind: 'gcra', key, limit, periodMs, burst }], nowMs);
    return r.outcomes[0];
  }

  async countDistinct(key: string): Promise<number> {
    const e = this.#live(key);
    return e?.value instanceof Set ? e.value.size : 0;
  }

  async logEvent(key: string, nowMs: number, windowMs: number, limit: number): Promise<EventLogResult> {
    const wall = Date.now();
    const e = this.#live(key, wall);
    let log: EventLog = Array.isArray(e?.value) ? (e.value as EventLog) : [];
    const from = nowMs - windowMs;
    let drop = 0;
    while (drop < log.length && log[drop][0] <= from) drop++;
    if (drop > 0) log = log.slice(drop);
    let id: string | null = null;
    if (log.length < limit) {
      id = `${nowMs}:${randomBytes(8).toString('hex')}`;
      log.push([nowMs, id]);
      // Kept in time order even if callers' clocks disagree slightly.
      log.sort((a, b) => a[0] - b[0]);
      this.#entries.set(key, { value: log, expiresAt: wall + Math.max(1, windowMs) });
    } else if (e) {
      e.value = log;
    }
    return { added: id !== null, id, count: log.length, oldestMs: log.length > 0 ? log[0][0] : -1 };
  }

  async unlogEvent(key: string, id: string): Promise<void> {
    const e = this.#live(key);
    if (!e || !Array.isArray(e.value)) return;
    e.value = (e.value as EventLog).filter((x) => x[1] !== id);
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    if (this.#live(key)) return false;
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    return true;
  }

  async setValue(key: string, value: string, ttlMs: number): Promise<void> {
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlMs });
  }

  async getValue(key: string): Promise<string | null> {
    const e = this.#live(key);
    return e === undefined ? null : String(e.value);
  }

  async deleteKey(key: string): Promise<void> {
    this.#entries.delete(key);
  }

  async publish(channel: string, message: string): Promise<void> {
    // Delivered asynchronously, like a network bus, so publishers never re-enter subscribers.
    setImmediate(() => this.#bus.emit(channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    this.#bus.on(channel, handler);
    return async () => {
      this.#bus.off(channel, handler);
    };
  }

  /**
   * What a restart must not forget (saved at a graceful stop, put back at the next start:
   * state-snapshot.ts): every live counter, rate-limit window, GCRA bucket, distinct set and event
   * log, with its expiry on the wall clock. String values (idempotency slots, locks, cool-downs) are
   * left out: they are short-lived, and some hold sealed responses that belong in memory only.
   */
  exportLimitState(): LimitStateEntry[] {
    const now = Date.now();
    const out: LimitStateEntry[] = [];
    for (const [key, e] of this.#entries) {
      if (e.expiresAt <= now) continue;
      const v: unknown = e.value;
      if (typeof v === 'number') out.push({ key, expiresAt: e.expiresAt, kind: 'count', data: v });
      else if (v instanceof Set) out.push({ key, expiresAt: e.expiresAt, kind: 'set', data: [...v] });
      else if (Array.isArray(v))
        out.push({ key, expiresAt: e.expiresAt, kind: 'log', data: v.map((x) => [...x]) });
    }
    return out;
  }

  /** Puts exported entries back, except those expired meanwhile; returns how many were put back. */
  importLimitState(entries: LimitStateEntry[]): number {
    const now = Date.now();
    let n = 0;
    for (const { key, expiresAt, kind, data } of entries) {
      if (!(expiresAt > now)) continue;
      const value = kind === 'count' ? Number(data) : kind === 'set' ? new Set(data as string[]) : data;
      this.#entries.set(key, { value: value as Entry['value'], expiresAt });
      n++;
    }
    return n;
  }

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#bus.removeAllListeners();
    this.#entries.clear();
  }
}

/** One exported entry: a counter, a distinct set's members, or an event log's [time, id] pairs. */
export type LimitStateEntry =
  | { key: string; expiresAt: number; kind: 'count'; data: number }
  | { key: string; expiresAt: number; kind: 'set'; data: string[] }
  | { key: string; expiresAt: number; kind: 'log'; data: unknown[] };

import { EventEmitter } from 'node:events';
import {
  type ConsumeResult,
  gcraStep,
  type LimitRule,
  type RuleOutcome,
  type SharedState,
  type Unsubscribe,
} from './shared-state.ts';

type Entry = { value: number | string | Set<string>; expiresAt: number };

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

  #live(key: string): Entry | undefined {
    const e = this.#entries.get(key);
    if (e && e.expiresAt <= Date.now()) {
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
    const outcomes: RuleOutcome[] = [];
    const commits: Array<() => void> = [];
    for (const rule of rules) {
      const e = this.#live(rule.key);
      if (rule.kind === 'window') {
        const count = typeof e?.value === 'number' ? e.value : 0;
        const allowed = count + cost <= rule.limit;
        const resetMs = Math.max(0, rule.resetAtMs - nowMs);
        outcomes.push({
          allowed,
          limit: rule.limit,
          remaining: allowed ? rule.limit - count - cost : Math.max(0, rule.limit - count),
          resetMs,
          retryAfterMs: allowed ? 0 : resetMs,
        });
        commits.push(() => {
          const cur = this.#live(rule.key);
          if (cur) cur.value = (cur.value as number) + cost;
          else this.#entries.set(rule.key, { value: cost, expiresAt: Date.now() + Math.max(1, resetMs) });
        });
      } else if (rule.kind === 'gcra') {
        const tat = typeof e?.value === 'number' ? e.value : null;
        const step = gcraStep(tat, nowMs, rule, cost);
        outcomes.push({
          allowed: step.allowed,
          limit: rule.burst,
          remaining: step.remaining,
          resetMs: step.resetMs,
          retryAfterMs: step.retryAfterMs,
        });
        commits.push(() =>
          this.#entries.set(rule.key, {
            value: step.newTat,
            expiresAt: Date.now() + Math.max(1, step.resetMs),
          }),
        );
      } else {
        const set = e?.value instanceof Set ? e.value : undefined;
        const isMember = set?.has(rule.member) ?? false;
        const size = set?.size ?? 0;
        const allowed = isMember || size < rule.limit;
        const resetMs = Math.max(0, rule.resetAtMs - nowMs);
        const after = isMember ? size : size + 1;
        outcomes.push({
          allowed,
          limit: rule.limit,
          remaining: allowed ? rule.limit - after : 0,
          resetMs,
          retryAfterMs: allowed ? 0 : resetMs,
        });
        commits.push(() => {
          const cur = this.#live(rule.key);
          if (cur && cur.value instanceof Set) cur.value.add(rule.member);
          else
            this.#entries.set(rule.key, {
              value: new Set([rule.member]),
              expiresAt: Date.now() + Math.max(1, resetMs),
            });
        });
      }
    }
    const allowed = outcomes.every((o) => o.allowed);
    if (allowed) for (const c of commits) c();
    return { allowed, retryAfterMs: Math.max(0, ...outcomes.map((o) => o.retryAfterMs)), outcomes };
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

  async ping(): Promise<void> {}

  async close(): Promise<void> {
    clearInterval(this.#sweeper);
    this.#bus.removeAllListeners();
    this.#entries.clear();
  }
}

import { randomBytes } from 'node:crypto';
import { Redis, ReplyError } from 'ioredis';
import {
  type ConsumeResult,
  type EventLogResult,
  type LimitRule,
  type RuleOutcome,
  type SharedState,
  SharedStateUnavailableError,
  type Unsubscribe,
} from './shared-state.ts';

/**
 * All-or-nothing limit checks, several calls per round trip. The script runs atomically and takes
 * the calls one after another, each all or nothing, exactly as if each had been its own script call
 * (charging a window first and taking it back on refusal is indistinguishable from checking first).
 * KEYS are the calls' rule keys in order; ARGV[1] is JSON (one argument instead of five per rule:
 * encoding them was most of the client's cost): [[now, cost, [[kind, limit, a, b, member], …]], …]
 * with kind w|g|d; for w: a=resetAtMs; g: a=periodMs, b=burst; d: a=resetAtMs. The GCRA arithmetic
 * mirrors `gcraStep` in shared-state.ts exactly. Returns JSON, per call: allowed, then per rule:
 * allowed, limit, remaining, resetMs, retryAfterMs.
 */
const CONSUME_LUA = `
local calls = cjson.decode(ARGV[1])
local ki = 0
local out = {}
for r = 1, #calls do
  local call = calls[r]
  local now = call[1]
  local cost = call[2]
  local spec = call[3]
  local n = #spec
  local res = {}
  local commits = {}
  local all = 1
  for i = 1, n do
    local rule = spec[i]
    local kind = rule[1]
    local limit = rule[2]
    local a = rule[3]
    local b = rule[4]
    local member = rule[5]
    local key = KEYS[ki + i]
    local ok, remaining, resetMs, retry = 0, 0, 0, 0
    if kind == 'w' then
      -- Charged at once (one call instead of GET + INCRBY); taken back below if any rule refuses.
      local v = redis.call('INCRBY', key, cost)
      resetMs = math.max(0, a - now)
      if v == cost then redis.call('PEXPIRE', key, math.max(1, resetMs)) end
      if v <= limit then ok = 1; remaining = limit - v else remaining = math.max(0, limit - (v - cost)); retry = resetMs end
      commits[i] = 'w'
    elseif kind == 'g' then
      local interval = a / limit
      local capacity = interval * math.max(1, b)
      local tat = tonumber(redis.call('GET', key) or '-1')
      if tat < now then tat = now end
      local newTat = tat + interval * cost
      local allowAt = newTat - capacity
      if now < allowAt then
        ok = 0; remaining = 0; resetMs = math.ceil(tat - now); retry = math.ceil(allowAt - now)
      else
        ok = 1; remaining = math.floor((now - allowAt) / interval); resetMs = math.ceil(newTat - now)
      end
      limit = b
      commits[i] = {'g', newTat, math.max(1, math.ceil(newTat - now))}
    else
      local isMember = redis.call('SISMEMBER', key, member)
      local size = redis.call('SCARD', key)
      resetMs = math.max(0, a - now)
      local after = size
      if isMember == 0 then after = size + 1 end
      if isMember == 1 or size < limit then ok = 1; remaining = limit - after else retry = resetMs end
      commits[i] = {'d', math.max(1, resetMs), member}
    end
    if ok == 0 then all = 0 end
    res[#res + 1] = ok
    res[#res + 1] = limit
    res[#res + 1] = remaining
    res[#res + 1] = resetMs
    res[#res + 1] = retry
  end
  if all == 0 then
    for i = 1, n do
      if commits[i] == 'w' then redis.call('DECRBY', KEYS[ki + i], cost) end
    end
  else
    for i = 1, n do
      local c = commits[i]
      local key = KEYS[ki + i]
      if c == 'w' then
        -- already charged
      elseif c[1] == 'g' then
        redis.call('SET', key, tostring(c[2]), 'PX', c[3])
      else
        redis.call('SADD', key, c[3])
        if redis.call('PTTL', key) < 0 then redis.call('PEXPIRE', key, c[2]) end
      end
    end
  end
  out[#out + 1] = all
  for j = 1, #res do out[#out + 1] = res[j] end
  ki = ki + n
end
return cjson.encode(out)
`;

/**
 * Gives back unused units of an earlier charge. KEYS are the rule keys; ARGV: now, units, then per
 * key its kind (w|g|d) and, for g, the interval in ms. Missing keys are left alone (an expired window
 * must not be re-created with a negative count).
 */
const RELEASE_LUA = `
local now = tonumber(ARGV[1])
local units = tonumber(ARGV[2])
for i = 1, #KEYS do
  local kind = ARGV[1 + i * 2]
  local key = KEYS[i]
  if kind == 'w' then
    local v = tonumber(redis.call('GET', key) or '-1')
    if v > 0 then redis.call('DECRBY', key, math.min(v, units)) end
  elseif kind == 'g' then
    local tat = tonumber(redis.call('GET', key) or '-1')
    if tat >= 0 then
      local back = math.max(now, tat - tonumber(ARGV[2 + i * 2]) * units)
      redis.call('SET', key, tostring(back), 'KEEPTTL')
    end
  end
end
return 1
`;

const INCR_LUA = `
local v = redis.call('INCRBY', KEYS[1], ARGV[1])
if tonumber(v) == tonumber(ARGV[1]) then redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return v
`;

/**
 * Sliding-window event log in a sorted set (score = event time). KEYS[1]; ARGV: now, windowMs,
 * limit, id. Drops events at or before now - windowMs, adds the event if fewer than `limit` remain,
 * and returns { added, count, oldest time or -1 }.
 */
const LOG_EVENT_LUA = `
local now = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
local n = redis.call('ZCARD', KEYS[1])
local added = 0
if n < tonumber(ARGV[3]) then
  redis.call('ZADD', KEYS[1], now, ARGV[4])
  redis.call('PEXPIRE', KEYS[1], math.max(1, window))
  n = n + 1
  added = 1
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { added, n, oldest[2] or '-1' }
`;

/**
 * Server replies that mean "not now" rather than "wrong command": the state is unavailable, as when
 * the connection is lost or a command times out.
 */
const UNAVAILABLE_REPLY = /^(LOADING|BUSY|MASTERDOWN|READONLY|TRYAGAIN|CLUSTERDOWN|OOM)\b/;

/** Connection, timeout and "not now" failures become SharedStateUnavailableError; bugs stay as they are. */
function unavailable(err: unknown): Error {
  if (err instanceof ReplyError && !UNAVAILABLE_REPLY.test(String((err as Error).message))) {
    return err as Error;
  }
  return new SharedStateUnavailableError(err);
}

async function guarded<T>(p: Promise<T>): Promise<T> {
  try {
    return await p;
  } catch (err) {
    throw unavailable(err);
  }
}

/** Calls per limiter script run (bounds the script's run time and argument count). */
const MAX_BATCH = 64;

type PendingConsume = {
  rules: LimitRule[];
  nowMs: number;
  cost: number;
  resolve: (r: ConsumeResult) => void;
  reject: (err: Error) => void;
};

type RedisWithScripts = Redis & {
  darwazaConsume(numKeys: number, ...args: Array<string | number>): Promise<string>;
  darwazaIncr(key: string, by: number, ttl: number): Promise<number>;
  darwazaRelease(numKeys: number, ...args: Array<string | number>): Promise<number>;
  darwazaLogEvent(
    key: string,
    nowMs: number,
    windowMs: number,
    limit: number,
    id: string,
  ): Promise<[number, number, string]>;
};

export type RedisSharedStateOptions = {
  /** Fail a command after this long (a hung Redis must not hang requests). */
  commandTimeoutMs?: number;
  keyPrefix?: string;
};

/**
 * Shared state in Redis: exact across any number of gateway processes because every check-and-charge
 * is one Lua script. Commands fail fast while Redis is unreachable (no offline queue), with
 * SharedStateUnavailableError, so callers can fail closed; the client reconnects on its own.
 */
export class RedisSharedState implements SharedState {
  readonly kind = 'redis' as const;
  readonly #cmd: RedisWithScripts;
  #sub: Redis | undefined;
  readonly #handlers = new Map<string, Set<(m: string) => void>>();
  readonly #url: string;
  readonly #prefix: string;

  constructor(url: string, opts: RedisSharedStateOptions = {}) {
    this.#url = url;
    this.#prefix = opts.keyPrefix ?? 'dz:';
    this.#cmd = new Redis(url, {
      lazyConnect: false,
      // Commands issued in the same event-loop turn (e.g. the limiter scripts of concurrent calls)
      // go out in one socket write; each script still runs atomically, so limits stay exact.
      enableAutoPipelining: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: opts.commandTimeoutMs ?? 1000,
      retryStrategy: (times) => Math.min(times * 100, 1000),
    }) as RedisWithScripts;
    this.#cmd.on('error', () => {});
    this.#cmd.defineCommand('darwazaConsume', { lua: CONSUME_LUA });
    this.#cmd.defineCommand('darwazaIncr', { numberOfKeys: 1, lua: INCR_LUA });
    this.#cmd.defineCommand('darwazaRelease', { lua: RELEASE_LUA });
    this.#cmd.defineCommand('darwazaLogEvent', { numberOfKeys: 1, lua: LOG_EVENT_LUA });
  }

  #k(key: string): string {
    return this.#prefix + key;
  }

  /** Resolves once connected (or rejects after `timeoutMs`). */
  async ready(timeoutMs = 5000): Promise<void> {
    if (this.#cmd.status === 'ready') return;
    await new Promise<void>((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`Redis at ${redact(this.#url)} not reachable`)), timeoutMs);
      this.#cmd.once('ready', () => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  async incr(key: string, by: number, ttlMs: number): Promise<number> {
    return Number(await guarded(this.#cmd.darwazaIncr(this.#k(key), by, Math.max(1, Math.ceil(ttlMs)))));
  }

  async getCount(key: string): Promise<number> {
    return Number((await guarded(this.#cmd.get(this.#k(key)))) ?? 0);
  }

  /**
   * Limit checks are gathered for the rest of the event-loop turn and sent as one script call
   * (at most MAX_BATCH calls each): one round trip and one script run instead of one per call.
   * Each call is still checked and charged all or nothing, in the order the calls were made.
   */
  consume(rules: LimitRule[], nowMs: number, cost = 1): Promise<ConsumeResult> {
    return new Promise<ConsumeResult>((resolve, reject) => {
      this.#pending.push({ rules, nowMs, cost, resolve, reject });
      if (this.#pending.length === 1) setImmediate(this.#sendPending);
    });
  }

  readonly #pending: PendingConsume[] = [];
  readonly #sendPending = () => {
    const all = this.#pending.splice(0);
    for (let i = 0; i < all.length; i += MAX_BATCH) void this.#send(all.slice(i, i + MAX_BATCH));
  };

  async #send(batch: PendingConsume[]): Promise<void> {
    const keys: string[] = [];
    const calls: unknown[] = new Array(batch.length);
    for (let k = 0; k < batch.length; k++) {
      const c = batch[k];
      const spec: unknown[] = new Array(c.rules.length);
      for (let i = 0; i < c.rules.length; i++) {
        const r = c.rules[i];
        keys.push(this.#k(r.key));
        if (r.kind === 'window') spec[i] = ['w', r.limit, r.resetAtMs, 0, ''];
        else if (r.kind === 'gcra') spec[i] = ['g', r.limit, r.periodMs, r.burst, ''];
        else spec[i] = ['d', r.limit, r.resetAtMs, 0, r.member];
      }
      calls[k] = [c.nowMs, c.cost, spec];
    }
    let raw: number[];
    try {
      raw = JSON.parse(await this.#cmd.darwazaConsume(keys.length, ...keys, JSON.stringify(calls)));
    } catch (err) {
      const e = unavailable(err);
      for (const c of batch) c.reject(e);
      return;
    }
    let at = 0;
    for (const c of batch) {
      const allowed = Number(raw[at]) === 1;
      const outcomes: RuleOutcome[] = new Array(c.rules.length);
      let retryAfterMs = 0;
      for (let i = 0; i < c.rules.length; i++) {
        const o = at + 1 + i * 5;
        const outcome: RuleOutcome = {
          allowed: Number(raw[o]) === 1,
          limit: Number(raw[o + 1]),
          remaining: Number(raw[o + 2]),
          resetMs: Number(raw[o + 3]),
          retryAfterMs: Number(raw[o + 4]),
        };
        outcomes[i] = outcome;
        if (outcome.retryAfterMs > retryAfterMs) retryAfterMs = outcome.retryAfterMs;
      }
      at += 1 + c.rules.length * 5;
      c.resolve({ allowed, retryAfterMs, outcomes });
    }
  }

  async release(rules: LimitRule[], nowMs: number, units: number): Promise<void> {
    if (!(units > 0) || rules.length === 0) return;
    const keys = rules.map((r) => this.#k(r.key));
    const args: Array<string | number> = [nowMs, units];
    for (const r of rules) {
      if (r.kind === 'window') args.push('w', 0);
      else if (r.kind === 'gcra') args.push('g', r.periodMs / r.limit);
      else args.push('d', 0);
    }
    await guarded(this.#cmd.darwazaRelease(keys.length, ...keys, ...args));
  }

  async gcra(
    key: string,
    limit: number,
    periodMs: number,
    burst: number,
    nowMs: number,
  ): Promise<RuleOutcome> {
    return (await this.consume([{ kind: 'gcra', key, limit, periodMs, burst }], nowMs)).outcomes[0];
  }

  async countDistinct(key: string): Promise<number> {
    return Number(await guarded(this.#cmd.scard(this.#k(key))));
  }

  async logEvent(key: string, nowMs: number, windowMs: number, limit: number): Promise<EventLogResult> {
    const id = `${nowMs}:${randomBytes(8).toString('hex')}`;
    const [added, count, oldest] = await guarded(
      this.#cmd.darwazaLogEvent(this.#k(key), nowMs, Math.max(1, Math.ceil(windowMs)), limit, id),
    );
    return {
      added: Number(added) === 1,
      id: Number(added) === 1 ? id : null,
      count: Number(count),
      oldestMs: Number(oldest),
    };
  }

  async unlogEvent(key: string, id: string): Promise<void> {
    await guarded(this.#cmd.zrem(this.#k(key), id));
  }

  async setIfAbsent(key: string, value: string, ttlMs: number): Promise<boolean> {
    return (
      (await guarded(this.#cmd.set(this.#k(key), value, 'PX', Math.max(1, Math.ceil(ttlMs)), 'NX'))) === 'OK'
    );
  }

  async setValue(key: string, value: string, ttlMs: number): Promise<void> {
    await guarded(this.#cmd.set(this.#k(key), value, 'PX', Math.max(1, Math.ceil(ttlMs))));
  }

  async getValue(key: string): Promise<string | null> {
    return guarded(this.#cmd.get(this.#k(key)));
  }

  async deleteKey(key: string): Promise<void> {
    await guarded(this.#cmd.del(this.#k(key)));
  }

  async publish(channel: string, message: string): Promise<void> {
    await guarded(this.#cmd.publish(this.#prefix + channel, message));
  }

  async subscribe(channel: string, handler: (message: string) => void): Promise<Unsubscribe> {
    const full = this.#prefix + channel;
    if (!this.#sub) {
      // A subscriber connection is dedicated; it keeps its offline queue so it resubscribes.
      this.#sub = new Redis(this.#url, { retryStrategy: (t) => Math.min(t * 100, 1000) });
      this.#sub.on('error', () => {});
      this.#sub.on('message', (ch: string, msg: string) => {
        for (const h of this.#handlers.get(ch) ?? []) h(msg);
      });
    }
    let set = this.#handlers.get(full);
    if (!set) {
      set = new Set();
      this.#handlers.set(full, set);
      await guarded(this.#sub.subscribe(full));
    }
    set.add(handler);
    return async () => {
      set.delete(handler);
      if (set.size === 0) {
        this.#handlers.delete(full);
        await this.#sub?.unsubscribe(full).catch(() => {});
      }
    };
  }

  async ping(): Promise<void> {
    await guarded(this.#cmd.ping());
  }

  async close(): Promise<void> {
    this.#cmd.disconnect();
    this.#sub?.disconnect();
  }
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.hostname}:${u.port || 6379}`;
  } catch {
    return 'redis';
  }
}

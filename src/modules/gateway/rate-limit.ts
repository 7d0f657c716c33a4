import type { ConsumeResult, LimitRule } from '../../platform/shared-state/shared-state.ts';
import { periodBounds } from './calendar.ts';
import { GatewayError, gatewayError, type ViolatedPolicy } from './gateway-errors.ts';
import type { PlanLimits } from './ports.ts';

/**
 * The limit step: every limit that applies to one call becomes one rule, and all rules are checked
 * and charged in ONE `SharedState.consume` call (one Lua round trip on Redis), all-or-nothing.
 *
 * - Each rate limit "L per W" is a fixed window aligned to W (exact: never more than L calls are
 *   admitted inside one window, across any number of gateways) plus a GCRA bucket of the same rate
 *   with capacity B = max(L, plan burst). The window alone would let 2L through in a short span
 *   across a window edge; the bucket bounds any span of length d to at most B + L·d/W calls. With
 *   the default B = L the edge allowance is L·d/W (≈ 0 for a short span), never another L. A plan's
 *   `burst` above L allows up to B calls in a short span across an edge; a burst below L is raised
 *   to L, because the plan promises L calls in every window (all at once if the client wants).
 * - Calendar quotas (day, month) are fixed windows in the plan's time zone (Asia/Karachi).
 * - The distinct-end-user cap is an exact set of HMAC'd end-user ids per calendar period (error 0;
 *   memory grows with the cap, which is what the operator agreed to serve).
 */
type RuleTemplate =
  | { kind: 'rate'; policy: string; scope: string; limit: number; periodMs: number; burst: number }
  | { kind: 'quota'; policy: string; period: 'day' | 'month'; limit: number }
  | { kind: 'endusers'; policy: string; period: 'day' | 'month'; limit: number };

/** Precomputed per plan and operation: the templates, the RateLimit-Policy field value. */
export type LimitTemplate = {
  rules: RuleTemplate[];
  /** Policy ids in the order of `consume` rules (bursts included). */
  policyIds: string[];
  /** Window length in seconds per rule (for violated-policies and headers). */
  windowSeconds: number[];
  policyHeader: string;
  timeZone: string;
  /** Index of the end-user rule in `rules`, -1 when the plan has no cap. */
  endUserIndex: number;
};

const NAMES: Record<number, string> = {
  1000: 'second',
  60000: 'minute',
  3600000: 'hour',
  86400000: 'day',
  604800000: 'week',
};

function periodName(periodMs: number): string {
  return NAMES[periodMs] ?? `${Math.round(periodMs / 1000)}s`;
}

const templateCache = new WeakMap<PlanLimits, Map<string, LimitTemplate>>();

export function limitTemplate(plan: PlanLimits, operationId: string): LimitTemplate {
  let perOp = templateCache.get(plan);
  if (!perOp) {
    perOp = new Map();
    templateCache.set(plan, perOp);
  }
  let t = perOp.get(operationId);
  if (t) return t;
  const opLimits = plan.operationRateLimits[operationId];
  const rates = opLimits ?? plan.rateLimits;
  const scope = opLimits ? `op:${operationId}` : 'plan';
  const prefix = opLimits ? `${operationId}-` : '';
  const rules: RuleTemplate[] = [];
  const policyIds: string[] = [];
  const windowSeconds: number[] = [];
  const headerItems: string[] = [];
  for (const r of rates) {
    if (!(r.limit > 0 && r.periodMs > 0)) continue;
    // A limit an enforcement throttle sets (it is the lower of plan and throttle) is named after
    // the throttle, so headers and a 429 say the app is throttled, not that its plan is small.
    // The counters stay the plan's (the keys below have no policy name): the calls already made in
    // the window count against the throttle at once.
    const throttled = plan.throttles?.some((x) => x.periodMs === r.periodMs && x.limit === r.limit);
    const name = `${throttled ? 'throttle-' : ''}${prefix}${periodName(r.periodMs)}`;
    const burst = Math.max(r.limit, plan.burst ?? r.limit);
    rules.push({ kind: 'rate', policy: name, scope, limit: r.limit, periodMs: r.periodMs, burst });
    const w = Math.ceil(r.periodMs / 1000);
    policyIds.push(name, `${name}-burst`);
    windowSeconds.push(w, Math.max(1, Math.ceil((r.periodMs * burst) / r.limit / 1000)));
    headerItems.push(`"${name}";q=${r.limit};w=${w}`);
  }
  for (const period of ['day', 'month'] as const) {
    const q = plan.quotas[period];
    if (q === null || !(q > 0)) continue;
    const name = `quota-${period}`;
    rules.push({ kind: 'quota', policy: name, period, limit: q });
    policyIds.push(name);
    const w = period === 'day' ? 86_400 : 2_678_400;
    windowSeconds.push(w);
    headerItems.push(`"${name}";q=${q};w=${w}`);
  }
  let endUserIndex = -1;
  if (plan.endUserCap && plan.endUserCap.limit > 0) {
    endUserIndex = rules.length;
    const name = `end-users-${plan.endUserCap.period}`;
    rules.push({
      kind: 'endusers',
      policy: name,
      period: plan.endUserCap.period,
      limit: plan.endUserCap.limit,
    });
    policyIds.push(name);
    windowSeconds.push(plan.endUserCap.period === 'day' ? 86_400 : 2_678_400);
  }
  t = {
    rules,
    policyIds,
    windowSeconds,
    policyHeader: headerItems.join(', '),
    timeZone: plan.quotas.timeZone || 'Asia/Karachi',
    endUserIndex,
  };
  perOp.set(operationId, t);
  return t;
}

type BuiltRules = {
  /** The rate and quota rules (the end-user rule, if any, is added per call). */
  rules: LimitRule[];
  /** The instants between which every key and reset above stays the same. */
  fromMs: number;
  untilMs: number;
  endUsers: { key: string; limit: number; resetAtMs: number } | null;
};
const builtCache = new WeakMap<LimitTemplate, Map<string, BuiltRules>>();

/**
 * Concrete rules for one call. `endUserHash` is the HMAC of the end user (never the clear id).
 * The keys only change when a window or calendar period turns over, so the rules are built once
 * per subscription and period (their key strings reused, which also keeps lookups cheap).
 */
export function buildRules(
  t: LimitTemplate,
  subscriptionId: string,
  nowMs: number,
  endUserHash: string | undefined,
): LimitRule[] {
  let perSub = builtCache.get(t);
  if (!perSub) {
    perSub = new Map();
    builtCache.set(t, perSub);
  }
  let built = perSub.get(subscriptionId);
  if (!built || nowMs < built.fromMs || nowMs >= built.untilMs) {
    built = constructRules(t, subscriptionId, nowMs);
    if (perSub.size >= 10_000) perSub.clear();
    perSub.set(subscriptionId, built);
  }
  // Calls that name no end user are not counted against the cap (documented per operation).
  if (!built.endUsers || endUserHash === undefined) return built.rules;
  const eu = built.endUsers;
  return [
    ...built.rules,
    { kind: 'distinct', key: eu.key, limit: eu.limit, resetAtMs: eu.resetAtMs, member: endUserHash },
  ];
}

function constructRules(t: LimitTemplate, subscriptionId: string, nowMs: number): BuiltRules {
  const rules: LimitRule[] = [];
  let fromMs = Number.NEGATIVE_INFINITY;
  let untilMs = Number.POSITIVE_INFINITY;
  let endUsers: BuiltRules['endUsers'] = null;
  for (const r of t.rules) {
    if (r.kind === 'rate') {
      const start = nowMs - (nowMs % r.periodMs);
      fromMs = Math.max(fromMs, start);
      untilMs = Math.min(untilMs, start + r.periodMs);
      rules.push({
        kind: 'window',
        key: `rl:${subscriptionId}:${r.scope}:${r.periodMs}:${start}`,
        limit: r.limit,
        resetAtMs: start + r.periodMs,
      });
      rules.push({
        kind: 'gcra',
        key: `rb:${subscriptionId}:${r.scope}:${r.periodMs}`,
        limit: r.limit,
        periodMs: r.periodMs,
        burst: r.burst,
      });
    } else {
      const b = periodBounds(nowMs, r.period, t.timeZone);
      fromMs = Math.max(fromMs, b.startMs);
      untilMs = Math.min(untilMs, b.endMs);
      if (r.kind === 'quota') {
        rules.push({
          kind: 'window',
          key: `q:${subscriptionId}:${b.label}`,
          limit: r.limit,
          resetAtMs: b.endMs,
        });
      } else {
        endUsers = { key: `eu:${subscriptionId}:${b.label}`, limit: r.limit, resetAtMs: b.endMs };
      }
    }
  }
  return { rules, fromMs, untilMs, endUsers };
}

type LimitHeaders = Record<string, string>;

/**
 * Response fields from the outcomes (draft-ietf-httpapi-ratelimit-headers): `RateLimit-Policy`
 * lists the policies, `RateLimit` the remaining units `r` and seconds to reset `t` of each; the
 * legacy X-RateLimit-* fields describe the most restrictive window (Reset in seconds from now).
 */
function limitHeaders(t: LimitTemplate, rules: LimitRule[], result: ConsumeResult): LimitHeaders {
  const items: string[] = [];
  let legacyLimit = -1;
  let legacyRemaining = Number.POSITIVE_INFINITY;
  let legacyReset = 0;
  let ruleIndex = 0;
  for (const r of t.rules) {
    if (r.kind === 'rate') {
      const win = result.outcomes[ruleIndex];
      const bucket = result.outcomes[ruleIndex + 1];
      ruleIndex += 2;
      // The bucket is not advertised separately (it only bounds the edge); when it is what
      // refuses, the window's item shows r=0 and t = the bucket's wait, so Retry-After ≥ t holds.
      // When the window itself is exhausted, t is the window's reset (the later of the two waits),
      // so `t` never promises capacity earlier than Retry-After allows.
      const rem = bucket.allowed && win.allowed ? win.remaining : 0;
      const winT = Math.ceil(win.resetMs / 1000);
      const bucketT = Math.max(1, Math.ceil(bucket.retryAfterMs / 1000));
      const wt = !win.allowed
        ? Math.max(winT, bucket.allowed ? 0 : bucketT)
        : bucket.allowed
          ? winT
          : bucketT;
      items.push(`"${r.policy}";r=${rem};t=${wt}`);
      if (rem < legacyRemaining) {
        legacyRemaining = rem;
        legacyLimit = r.limit;
        legacyReset = wt;
      }
    } else if (r.kind === 'quota') {
      const o = result.outcomes[ruleIndex++];
      const qt = Math.ceil(o.resetMs / 1000);
      items.push(`"${r.policy}";r=${o.remaining};t=${qt}`);
      if (o.remaining < legacyRemaining) {
        legacyRemaining = o.remaining;
        legacyLimit = r.limit;
        legacyReset = qt;
      }
    } else if (ruleIndex < rules.length) {
      ruleIndex++;
    }
  }
  const h: LimitHeaders = {};
  if (t.policyHeader) {
    h['ratelimit-policy'] = t.policyHeader;
    h.ratelimit = items.join(', ');
  }
  if (legacyLimit >= 0) {
    h['x-ratelimit-limit'] = String(legacyLimit);
    h['x-ratelimit-remaining'] = String(legacyRemaining);
    h['x-ratelimit-reset'] = String(legacyReset);
  }
  return h;
}

/** The 429 for a refused consume: Retry-After covers every exhausted policy's `t`. */
function limitRefusal(
  t: LimitTemplate,
  rules: LimitRule[],
  result: ConsumeResult,
  headers: LimitHeaders,
): GatewayError {
  const violated: ViolatedPolicy[] = [];
  let retry = Math.ceil(result.retryAfterMs / 1000);
  let ruleIndex = 0;
  for (let i = 0; i < t.rules.length; i++) {
    const r = t.rules[i];
    const n = r.kind === 'rate' ? 2 : r.kind === 'endusers' && ruleIndex >= rules.length ? 0 : 1;
    for (let k = 0; k < n; k++) {
      const o = result.outcomes[ruleIndex];
      const policyIdx = policyIndex(t, i, k);
      if (!o.allowed) {
        const ra = Math.max(1, Math.ceil(o.retryAfterMs / 1000));
        // The bucket is not advertised separately: report it under its window's policy.
        const asWindow = r.kind === 'rate' && k === 1;
        const id = asWindow ? t.policyIds[policyIdx - 1] : t.policyIds[policyIdx];
        const seen = violated.find((v) => v.id === id);
        if (seen) seen.retryAfterSeconds = Math.max(seen.retryAfterSeconds, ra);
        else
          violated.push({
            id,
            limit: asWindow ? r.limit : o.limit,
            windowSeconds: t.windowSeconds[asWindow ? policyIdx - 1 : policyIdx],
            retryAfterSeconds: ra,
          });
        retry = Math.max(retry, ra);
      } else if (o.remaining === 0 && r.kind !== 'endusers') {
        retry = Math.max(retry, Math.ceil(o.resetMs / 1000));
      }
      ruleIndex++;
    }
  }
  const endUsers = violated.length > 0 && violated.every((v) => v.id.startsWith('end-users-'));
  return gatewayError(
    endUsers ? 'gateway_end_user_cap' : 'rate_limited',
    429,
    endUsers
      ? 'The plan’s cap on distinct end users served in this period is reached; existing end users are still served.'
      : `Limit reached (${violated.map((v) => v.id).join(', ')}); retry after ${Math.max(1, retry)} s.`,
    {
      shape: 'problem',
      violated,
      headers: { ...headers, 'retry-after': String(Math.max(1, retry)) },
    },
  );
}

function policyIndex(t: LimitTemplate, templateIndex: number, sub: number): number {
  let idx = 0;
  for (let i = 0; i < templateIndex; i++) idx += t.rules[i].kind === 'rate' ? 2 : 1;
  return idx + sub;
}

export type LimitCheck = { headers: LimitHeaders };

/** What the limit step needs: the shared state itself, or leases on it (limit-lease.ts). */
export type Limiter = { consume(rules: LimitRule[], nowMs: number): Promise<ConsumeResult> };

/**
 * Checks and charges one call. Throws a 429 GatewayError when refused, and a 503 (fail closed)
 * when the shared state cannot answer: a limited call is never admitted unchecked.
 */
export async function checkLimits(
  state: Limiter,
  t: LimitTemplate,
  subscriptionId: string,
  nowMs: number,
  endUserHash: string | undefined,
  onStateError?: (err: unknown) => void,
): Promise<LimitCheck> {
  if (t.rules.length === 0) return { headers: {} };
  const rules = buildRules(t, subscriptionId, nowMs, endUserHash);
  if (rules.length === 0) return { headers: {} };
  let result: ConsumeResult;
  try {
    result = await state.consume(rules, nowMs);
  } catch (err) {
    onStateError?.(err);
    throw new GatewayError(
      'gateway_limiter_unavailable',
      503,
      'Rate limits cannot be checked right now, so limited operations are refused; retry shortly.',
      {
        shape: 'problem',
        headers: { 'retry-after': '2' },
      },
    );
  }
  const headers = limitHeaders(t, rules, result);
  if (!result.allowed) throw limitRefusal(t, rules, result, headers);
  return { headers };
}

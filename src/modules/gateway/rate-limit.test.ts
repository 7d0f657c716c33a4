import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { testSharedStates } from '../../platform/testing.ts';
import type { GatewayError } from './gateway-errors.ts';
import type { PlanLimits } from './ports.ts';
import { buildRules, checkLimits, limitTemplate } from './rate-limit.ts';

const HOUR = 3_600_000;
function plan(over: Partial<PlanLimits> = {}): PlanLimits {
  return {
    id: 'pln_1',
    name: 'Default Plan',
    productSlug: 'ibft',
    rateLimits: [{ periodMs: HOUR, limit: 100 }],
    operationRateLimits: {},
    burst: null,
    quotas: { day: null, month: null, timeZone: 'Asia/Karachi' },
    endUserCap: null,
    appliedOverrides: [],
    validUntilMs: null,
    ...over,
  };
}

function parseRateLimit(v: string): Record<string, { r: number; t: number }> {
  const out: Record<string, { r: number; t: number }> = {};
  for (const item of v.split(',')) {
    const m = /^\s*"([^"]+)";r=(\d+);t=(\d+)\s*$/.exec(item);
    assert.ok(m, `bad item ${item}`);
    out[m[1]] = { r: Number(m[2]), t: Number(m[3]) };
  }
  return out;
}

for (const s of testSharedStates()) {
  describe(`rate limit on ${s.name}`, async () => {
    const state = await s.open();
    after(() => state.close());

    it('100 calls per hour: call 101 is refused with Retry-After ≥ t and consistent headers', async () => {
      const p = plan();
      const t = limitTemplate(p, 'op');
      const start = Date.UTC(2026, 10, 23, 9, 30);
      let lastR = 101;
      for (let i = 1; i <= 100; i++) {
        const r = await checkLimits(state, t, 'sub_a', start + i, undefined);
        assert.equal(r.headers['ratelimit-policy'], '"hour";q=100;w=3600');
        const rl = parseRateLimit(r.headers.ratelimit).hour;
        assert.ok(rl.r < lastR, 'r decreases');
        lastR = rl.r;
        assert.equal(Number(r.headers['x-ratelimit-remaining']), rl.r);
        assert.ok(rl.t >= 0 && rl.t <= 3600);
      }
      assert.equal(lastR, 0);
      await assert.rejects(checkLimits(state, t, 'sub_a', start + 101, undefined), (err: GatewayError) => {
        assert.equal(err.status, 429);
        assert.equal(err.shape, 'problem');
        const rl = parseRateLimit(err.headers.ratelimit).hour;
        assert.equal(rl.r, 0);
        assert.ok(Number(err.headers['retry-after']) >= rl.t);
        assert.ok(err.violated?.some((v) => v.id === 'hour'));
        return true;
      });
      // Another subscription is independent.
      await checkLimits(state, t, 'sub_b', start + 102, undefined);
    });

    it('window edge: the bucket bounds what the next window admits right after the edge', async () => {
      const p = plan({ rateLimits: [{ periodMs: 60_000, limit: 10 }] });
      const t = limitTemplate(p, 'op');
      const edge = Date.UTC(2026, 10, 23, 10, 0);
      let admitted = 0;
      for (let i = 0; i < 20; i++) {
        try {
          await checkLimits(state, t, 'sub_edge', edge - 500 + i * 50, undefined);
          admitted++;
        } catch {}
      }
      // 10 before the edge; the bucket refills 1 per 6 s, so at most 10 + ceil(1 s · 10/60 s) = 11.
      assert.ok(admitted <= 11, `admitted ${admitted}`);
      assert.ok(admitted >= 10);
    });

    it('a burst below the limit is raised to it: L calls at once pass, L+1 does not', async () => {
      const t = limitTemplate(plan({ burst: 5, rateLimits: [{ periodMs: 60_000, limit: 20 }] }), 'op');
      const now = Date.UTC(2026, 10, 23, 11, 0, 10);
      for (let i = 0; i < 20; i++) await checkLimits(state, t, 'sub_burst', now, undefined);
      await assert.rejects(checkLimits(state, t, 'sub_burst', now, undefined));
    });

    it('a burst above the limit allows that many in a short span across the edge, never more per window', async () => {
      const t = limitTemplate(plan({ burst: 15, rateLimits: [{ periodMs: 1000, limit: 10 }] }), 'op');
      const edge = Date.UTC(2026, 10, 23, 11, 5, 0);
      let admitted = 0;
      for (let i = 0; i < 40; i++) {
        try {
          await checkLimits(state, t, 'sub_burst_up', edge - 100 + i * 5, undefined);
          admitted++;
        } catch {}
      }
      // 200 ms around the edge: at most 10 in the old window, and the bucket (15 + 2 refilled) bounds the total.
      assert.ok(admitted <= 17 && admitted >= 15, `admitted ${admitted}`);
    });

    it('per-operation limits replace plan limits; day quota in Karachi time', async () => {
      const p = plan({
        operationRateLimits: { slow: [{ periodMs: 60_000, limit: 2 }] },
        quotas: { day: 3, month: null, timeZone: 'Asia/Karachi' },
      });
      const now = Date.UTC(2026, 10, 23, 18, 59, 0);
      const slow = limitTemplate(p, 'slow');
      const fast = limitTemplate(p, 'fast');
      assert.equal(slow.policyHeader, '"slow-minute";q=2;w=60, "quota-day";q=3;w=86400');
      await checkLimits(state, slow, 'sub_q', now, undefined);
      await checkLimits(state, slow, 'sub_q', now + 1, undefined);
      await assert.rejects(checkLimits(state, slow, 'sub_q', now + 2, undefined));
      await checkLimits(state, fast, 'sub_q', now + 3, undefined);
      await assert.rejects(checkLimits(state, fast, 'sub_q', now + 4, undefined), (e: GatewayError) => {
        assert.equal(e.violated?.[0].id, 'quota-day');
        assert.ok(Number(e.headers['retry-after']) <= 60, 'local midnight is one minute away');
        return true;
      });
      // 19:00 UTC = local midnight: a new day quota.
      await checkLimits(state, fast, 'sub_q', Date.UTC(2026, 10, 23, 19, 0, 1), undefined);
    });

    it('distinct end users: exact cap, known users still pass, calls without a user are not counted', async () => {
      const p = plan({ rateLimits: [], endUserCap: { limit: 2, period: 'month' } });
      const t = limitTemplate(p, 'op');
      const now = Date.UTC(2026, 10, 23, 12);
      await checkLimits(state, t, 'sub_eu', now, 'h1');
      await checkLimits(state, t, 'sub_eu', now, 'h2');
      await checkLimits(state, t, 'sub_eu', now, 'h1');
      await checkLimits(state, t, 'sub_eu', now, undefined);
      await assert.rejects(checkLimits(state, t, 'sub_eu', now, 'h3'), (e: GatewayError) => {
        assert.equal(e.code, 'gateway_end_user_cap');
        return true;
      });
      assert.equal(await state.countDistinct(buildRules(t, 'sub_eu', now, 'x')[0].key), 2);
    });

    it('refused calls charge nothing (all-or-nothing)', async () => {
      const p = plan({
        rateLimits: [{ periodMs: 60_000, limit: 100 }],
        quotas: { day: 1, month: null, timeZone: 'Asia/Karachi' },
      });
      const t = limitTemplate(p, 'op');
      const now = Date.UTC(2026, 10, 23, 13);
      await checkLimits(state, t, 'sub_aon', now, undefined);
      for (let i = 0; i < 3; i++) await assert.rejects(checkLimits(state, t, 'sub_aon', now + 1, undefined));
      const rules = buildRules(t, 'sub_aon', now, undefined);
      assert.equal(await state.getCount(rules[0].key), 1);
    });

    it('a throttle names its policy in RateLimit-Policy, RateLimit and violated-policies, and counts the calls already made', async () => {
      const now = Date.UTC(2026, 10, 23, 14, 10);
      const planOnly = plan({
        rateLimits: [
          { periodMs: 60_000, limit: 100 },
          { periodMs: HOUR, limit: 1000 },
        ],
      });
      const before = limitTemplate(planOnly, 'op');
      for (let i = 0; i < 5; i++) await checkLimits(state, before, 'sub_thr', now + i, undefined);
      // Throttled to 6 a minute (apps' effective limits: the lower of plan and throttle).
      const throttled = plan({
        rateLimits: [
          { periodMs: 60_000, limit: 6 },
          { periodMs: HOUR, limit: 1000 },
        ],
        appliedOverrides: ['enf_1'],
        throttles: [{ id: 'enf_1', periodMs: 60_000, limit: 6, untilMs: now + HOUR }],
      });
      const t = limitTemplate(throttled, 'op');
      const ok = await checkLimits(state, t, 'sub_thr', now + 10, undefined);
      assert.equal(ok.headers['ratelimit-policy'], '"throttle-minute";q=6;w=60, "hour";q=1000;w=3600');
      assert.equal(parseRateLimit(ok.headers.ratelimit)['throttle-minute'].r, 0, 'the 5 earlier calls count');
      await assert.rejects(checkLimits(state, t, 'sub_thr', now + 11, undefined), (err: GatewayError) => {
        assert.equal(err.status, 429);
        assert.deepEqual(
          err.violated?.map((v) => [v.id, v.limit]),
          [['throttle-minute', 6]],
        );
        assert.match(err.message, /throttle-minute/);
        return true;
      });
      // A throttle above the plan's limit does not set it: the policy keeps the plan's name.
      const loose = plan({
        rateLimits: [{ periodMs: 60_000, limit: 100 }],
        throttles: [{ id: 'enf_2', periodMs: 60_000, limit: 500, untilMs: now + HOUR }],
      });
      assert.equal(limitTemplate(loose, 'op').policyHeader, '"minute";q=100;w=60');
    });
  });
}

describe('rate limit fails closed', () => {
  it('503 with Retry-After when the shared state throws', async () => {
    const broken = {
      consume: async () => {
        throw new Error('down');
      },
    } as never;
    let reported = 0;
    await assert.rejects(
      checkLimits(broken, limitTemplate(plan(), 'op'), 's', Date.now(), undefined, () => reported++),
      (e: GatewayError) => e.status === 503 && e.headers['retry-after'] === '2',
    );
    assert.equal(reported, 1);
  });
});

describe('buildRules (rules reused within a period)', () => {
  it('keys follow the window and calendar period, forwards and backwards in time', () => {
    const p = plan({
      rateLimits: [{ periodMs: 1000, limit: 5 }],
      quotas: { day: 10, month: null, timeZone: 'Asia/Karachi' },
      endUserCap: { limit: 3, period: 'day' },
    });
    const t = limitTemplate(p, 'op');
    const t0 = Date.UTC(2026, 10, 23, 18, 59, 59, 500); // 23:59:59.5 in Karachi
    const a = buildRules(t, 'sub_b', t0, undefined);
    assert.equal(a.length, 3, 'window, bucket and day quota; no end user named → no distinct rule');
    assert.equal(buildRules(t, 'sub_b', t0 + 100, undefined), a, 'same second: the same rules');
    const withUser = buildRules(t, 'sub_b', t0 + 200, 'h1');
    assert.equal(withUser.length, 4);
    assert.deepEqual(withUser.slice(0, 3), a);
    assert.equal(withUser[3].kind === 'distinct' && withUser[3].member, 'h1');
    const next = buildRules(t, 'sub_b', t0 + 600, undefined); // next second and next local day
    assert.notEqual(next[0].key, a[0].key);
    assert.notEqual(next[2].key, a[2].key, 'a new day quota after local midnight');
    assert.equal(buildRules(t, 'sub_b', t0, undefined)[0].key, a[0].key, 'a clock set back rebuilds');
    assert.notEqual(buildRules(t, 'sub_other', t0, undefined)[0].key, a[0].key);
  });
});

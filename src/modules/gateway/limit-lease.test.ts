import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, describe, test } from 'node:test';
import { MemorySharedState } from '../../platform/shared-state/memory-shared-state.ts';
import { RedisSharedState } from '../../platform/shared-state/redis-shared-state.ts';
import type { ConsumeResult, LimitRule, SharedState } from '../../platform/shared-state/shared-state.ts';
import { LeasedLimits } from './limit-lease.ts';

/** Counts the store's consume calls (each one is a Redis round trip in production). */
function counting(s: SharedState): SharedState & { consumes: number; failing: boolean } {
  const c = Object.create(s) as SharedState & { consumes: number; failing: boolean };
  c.consumes = 0;
  c.failing = false;
  c.consume = (rules, nowMs, cost) => {
    c.consumes++;
    if (c.failing) return Promise.reject(new Error('store unreachable'));
    return s.consume(rules, nowMs, cost);
  };
  c.release = (rules, nowMs, units) =>
    c.failing ? Promise.reject(new Error('store unreachable')) : s.release(rules, nowMs, units);
  return c;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Store = { name: string; pair: () => Promise<[SharedState, SharedState]> };
const stores: Store[] = [
  {
    name: 'memory',
    pair: async () => {
      const s = new MemorySharedState();
      return [s, s];
    },
  },
];
const redisUrl = process.env.REDIS_URL;
if (redisUrl) {
  stores.push({
    name: 'redis',
    // Two connections on one key space: two gateway processes.
    pair: async () => {
      const keyPrefix = `test:${randomBytes(6).toString('hex')}:`;
      const a = new RedisSharedState(redisUrl, { keyPrefix });
      const b = new RedisSharedState(redisUrl, { keyPrefix });
      await Promise.all([a.ready(), b.ready()]);
      return [a, b];
    },
  });
}

for (const store of stores) {
  describe(`rate-limit leases (${store.name})`, async () => {
    const [s1, s2] = await store.pair();
    after(async () => {
      await s1.close();
      if (s2 !== s1) await s2.close();
    });
    const now = Date.now();
    const rulesFor = (id: string, limit: number): LimitRule[] => [
      { kind: 'window', key: `w:${id}`, limit, resetAtMs: now + 3_600_000 },
      { kind: 'gcra', key: `g:${id}`, limit, periodMs: 3_600_000, burst: limit },
    ];

    test('a large budget is served from leases: far fewer store calls, headers still count down', async () => {
      const st = counting(s1);
      const leases = new LeasedLimits(st, { maxLease: 64, leaseMs: 1000 });
      const rules = rulesFor('big', 1_000_000);
      const results: ConsumeResult[] = [];
      for (let i = 0; i < 1000; i++) results.push(await leases.consume(rules, now));
      assert.ok(results.every((r) => r.allowed));
      assert.ok(st.consumes < 40, `store calls: ${st.consumes}`);
      assert.ok(leases.leasedCalls > 950);
      // What a caller sees: the window's remaining goes down by one per call, as without leases.
      const rem = results.map((r) => r.outcomes[0].remaining);
      for (let i = 1; i < rem.length; i++) assert.equal(rem[i], rem[i - 1] - 1, `call ${i}`);
      assert.equal(rem[999], 1_000_000 - 1000);
      await leases.close();
      // Leftovers given back: the store counts exactly the calls admitted.
      assert.equal(await s1.getCount('w:big'), 1000);
    });

    test('a small budget is never leased: every call is checked in the store', async () => {
      const st = counting(s1);
      const leases = new LeasedLimits(st);
      const rules = rulesFor('small', 100);
      let admitted = 0;
      for (let i = 0; i < 120; i++) if ((await leases.consume(rules, now)).allowed) admitted++;
      assert.equal(admitted, 100);
      assert.equal(st.consumes, 120);
      await leases.close();
    });

    test('calls naming an end user for a distinct cap are never leased', async () => {
      const st = counting(s1);
      const leases = new LeasedLimits(st, { reserveFactor: 1 });
      const rules: LimitRule[] = [
        ...rulesFor('eu', 1_000_000),
        { kind: 'distinct', key: 'd:eu', limit: 5, resetAtMs: now + 60_000, member: 'm1' },
      ];
      for (let i = 0; i < 10; i++) assert.equal((await leases.consume(rules, now)).allowed, true);
      assert.equal(st.consumes, 10);
      await leases.close();
    });

    test('two gateways, 200 concurrent callers: never more than L, and exactly L once leftovers are back', async () => {
      // Leasing made likely: leases of up to 32 whenever 4× that is left.
      const L = 3000;
      const opts = { maxLease: 32, leaseMs: 30, reserveFactor: 4 };
      const g1 = new LeasedLimits(counting(s1), opts);
      const g2 = new LeasedLimits(counting(s2), opts);
      const rules1 = rulesFor('shared', L);
      const rules2 = rulesFor('shared', L); // each gateway builds its own rules array
      let admitted = 0;
      const caller = async (i: number, calls: number) => {
        for (let k = 0; k < calls; k++) {
          const r = await (i % 2 === 0 ? g1.consume(rules1, now) : g2.consume(rules2, now));
          if (r.allowed) admitted++;
          // The store's count covers every admitted call (units are charged before they admit).
          assert.ok(admitted <= L);
        }
      };
      await Promise.all(Array.from({ length: 200 }, (_, i) => caller(i, 20)));
      assert.ok(g1.leasedCalls + g2.leasedCalls > 0, 'leases were used');
      assert.ok(admitted <= L);
      // Leftovers come back within a lease lifetime or two; then the rest of the budget is served.
      await sleep(100);
      await Promise.all(Array.from({ length: 200 }, (_, i) => caller(i, 5)));
      await sleep(100);
      await Promise.all(Array.from({ length: 20 }, (_, i) => caller(i, 5)));
      assert.equal(admitted, L);
      await g1.close();
      await g2.close();
      assert.equal(await s1.getCount('w:shared'), L);
    });

    test('units stranded in an idle gateway’s lease go back to the shared budget', async () => {
      const L = 3000;
      // The lease lives 1.5 s: the first drain must end inside it, also on a loaded CI machine
      // (with 400 ms, a drain slowed by a load average of ~28 outlived the lease).
      const g1 = new LeasedLimits(s1, { maxLease: 32, leaseMs: 1500, reserveFactor: 4 });
      const g2 = new LeasedLimits(s2, { maxLease: 1 });
      const rules = rulesFor('stranded', L);
      // g1 serves two calls (the second takes a lease of 8), then its traffic stops.
      assert.equal((await g1.consume(rules, now)).allowed, true);
      assert.equal((await g1.consume(rules, now)).allowed, true);
      let admitted = 2;
      // g2 checks every call in the store; 100 callers drain the budget well within g1's lease life.
      const drain = () =>
        Promise.all(
          Array.from({ length: 100 }, async () => {
            while ((await g2.consume(rules, now)).allowed) admitted++;
          }),
        );
      await drain();
      assert.equal(admitted, L - 7, 'seven units are still in g1’s lease');
      await sleep(3000);
      await drain();
      assert.equal(admitted, L);
      assert.equal(g1.released, 7);
      await g1.close();
      await g2.close();
    });

    test('the store failing: nothing is admitted beyond units already charged; calls then fail', async () => {
      const st = counting(s1);
      const leases = new LeasedLimits(st, { maxLease: 16, leaseMs: 1000 });
      const rules = rulesFor('fail', 1_000_000);
      for (let i = 0; i < 40; i++) await leases.consume(rules, now);
      st.failing = true;
      let admitted = 0;
      let failed = 0;
      for (let i = 0; i < 40; i++) {
        try {
          if ((await leases.consume(rules, now)).allowed) admitted++;
        } catch {
          failed++;
        }
      }
      // Only units in hand were admitted: each was charged in the store before the outage.
      assert.ok(admitted <= 16 + 4, `admitted ${admitted}`);
      assert.ok((await s1.getCount('w:fail')) >= 40 + admitted);
      assert.equal(admitted + failed, 40);
      assert.ok(failed > 0);
      st.failing = false;
      assert.equal((await leases.consume(rules, now)).allowed, true);
      await leases.close();
    });

    test('a change to limits announced by any gateway revokes the leases in hand at once (a client change does not)', async () => {
      const leases = new LeasedLimits(s1, { maxLease: 64, leaseMs: 60_000 });
      const rules = rulesFor('revoke', 1_000_000);
      for (let i = 0; i < 100; i++) assert.equal((await leases.consume(rules, now)).allowed, true);
      // Units are held beyond the 100 calls (the lease lives a minute here).
      assert.ok((await s1.getCount('w:revoke')) > 100);
      const waitFor = async (what: string, ok: () => Promise<boolean>) => {
        const deadline = Date.now() + 1000;
        while (!(await ok())) {
          assert.ok(Date.now() < deadline, `${what} within 1 s`);
          await sleep(5);
        }
      };
      // Another gateway (s2) announces a token change: limits are untouched, the lease stays.
      await s2.publish('cache-invalidate', JSON.stringify({ kind: 'client', id: 'c', appId: 'a' }));
      await sleep(50);
      assert.equal(leases.revocations, 0);
      // A throttle on an app: every unit held comes back, so the window counts only the calls.
      await s2.publish('cache-invalidate', JSON.stringify({ kind: 'app', id: 'a', appId: 'a' }));
      await waitFor('revocation', async () => (await s1.getCount('w:revoke')) === 100);
      assert.equal(leases.revocations, 1);
      // The next call goes back to the store and is counted once.
      assert.equal((await leases.consume(rules, now)).allowed, true);
      await leases.close();
      assert.equal(await s1.getCount('w:revoke'), 101);
    });
  });
}

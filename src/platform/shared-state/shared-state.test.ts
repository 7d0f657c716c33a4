import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { testSharedStates } from '../testing.ts';
import { RedisSharedState } from './redis-shared-state.ts';
import { type SharedState, SharedStateUnavailableError } from './shared-state.ts';

// One contract, every adapter: memory always, Redis when REDIS_URL is set.
for (const adapter of testSharedStates()) {
  describe(`SharedState contract (${adapter.name})`, async () => {
    const s: SharedState = await adapter.open();
    after(() => s.close());
    const T0 = 1_800_000_000_000;

    test('incr counts and returns the running total', async () => {
      assert.equal(await s.incr('c1', 1, 10_000), 1);
      assert.equal(await s.incr('c1', 2, 10_000), 3);
      assert.equal(await s.getCount('c1'), 3);
      assert.equal(await s.getCount('missing'), 0);
    });

    test('counters expire', async () => {
      await s.incr('c2', 5, 30);
      await new Promise((r) => setTimeout(r, 80));
      assert.equal(await s.getCount('c2'), 0);
    });

    test('window rule admits exactly the limit and charges nothing when refusing', async () => {
      const rule = { kind: 'window' as const, key: 'w1', limit: 3, resetAtMs: T0 + 60_000 };
      const results = [];
      for (let i = 0; i < 5; i++) results.push(await s.consume([rule], T0));
      assert.deepEqual(
        results.map((r) => r.allowed),
        [true, true, true, false, false],
      );
      assert.deepEqual(
        results.map((r) => r.outcomes[0].remaining),
        [2, 1, 0, 0, 0],
      );
      assert.equal(results[3].retryAfterMs, 60_000);
      assert.equal(await s.getCount('w1'), 3);
    });

    test('GCRA allows the burst, then refills at the rate', async () => {
      const key = 'g1';
      const outcomes = [];
      for (let i = 0; i < 4; i++) outcomes.push(await s.gcra(key, 10, 10_000, 3, T0));
      assert.deepEqual(
        outcomes.map((o) => o.allowed),
        [true, true, true, false],
      );
      assert.equal(outcomes[3].retryAfterMs, 1000);
      assert.equal((await s.gcra(key, 10, 10_000, 3, T0 + 999)).allowed, false);
      assert.equal((await s.gcra(key, 10, 10_000, 3, T0 + 1000)).allowed, true);
    });

    test('consume is all-or-nothing across rules', async () => {
      const a = { kind: 'window' as const, key: 'aon-a', limit: 10, resetAtMs: T0 + 1000 };
      const b = { kind: 'window' as const, key: 'aon-b', limit: 1, resetAtMs: T0 + 1000 };
      assert.equal((await s.consume([a, b], T0)).allowed, true);
      const refused = await s.consume([a, b], T0);
      assert.equal(refused.allowed, false);
      assert.equal(refused.outcomes[0].allowed, true);
      assert.equal(refused.outcomes[1].allowed, false);
      assert.equal(await s.getCount('aon-a'), 1, 'the passing rule was not charged');
    });

    test('release gives back unused units of a charge, never more than was charged', async () => {
      const w = { kind: 'window' as const, key: 'rel-w', limit: 10, resetAtMs: T0 + 60_000 };
      const g = { kind: 'gcra' as const, key: 'rel-g', limit: 10, periodMs: 10_000, burst: 10 };
      assert.equal((await s.consume([w, g], T0, 8)).allowed, true);
      assert.equal((await s.consume([w, g], T0, 3)).allowed, false);
      await s.release([w, g], T0, 5);
      assert.equal(await s.getCount('rel-w'), 3);
      const after = await s.consume([w, g], T0, 7);
      assert.equal(after.allowed, true);
      assert.equal(after.outcomes[0].remaining, 0);
      assert.equal(after.outcomes[1].remaining, 0);
      assert.equal((await s.consume([w, g], T0, 1)).allowed, false);
      // Giving back more than is counted floors at zero / a full bucket: still only `limit` at once.
      await s.release([w, g], T0, 50);
      assert.equal(await s.getCount('rel-w'), 0);
      assert.equal((await s.consume([w, g], T0, 10)).allowed, true);
      assert.equal((await s.consume([w, g], T0, 1)).allowed, false);
      // A window that does not exist (expired) is not re-created with a negative count.
      await s.release([{ ...w, key: 'rel-missing' }], T0, 3);
      assert.equal(await s.getCount('rel-missing'), 0);
    });

    test('distinct rule counts members exactly and lets known members through', async () => {
      const rule = (member: string) => ({
        kind: 'distinct' as const,
        key: 'd1',
        limit: 2,
        resetAtMs: T0 + 60_000,
        member,
      });
      assert.equal((await s.consume([rule('u1')], T0)).allowed, true);
      assert.equal((await s.consume([rule('u1')], T0)).allowed, true);
      assert.equal((await s.consume([rule('u2')], T0)).allowed, true);
      assert.equal((await s.consume([rule('u3')], T0)).allowed, false);
      assert.equal((await s.consume([rule('u2')], T0)).allowed, true);
      assert.equal(await s.countDistinct('d1'), 2);
    });

    test('concurrent consumers never exceed the limit', async () => {
      const rule = { kind: 'window' as const, key: 'conc', limit: 50, resetAtMs: T0 + 60_000 };
      const results = await Promise.all(Array.from({ length: 200 }, () => s.consume([rule], T0)));
      assert.equal(results.filter((r) => r.allowed).length, 50);
    });

    test('calls made together are each all or nothing, in order, with their own outcomes', async () => {
      // Made in the same turn (Redis sends them as one script run): a refusal in the middle charges
      // nothing and does not affect the calls after it.
      const w = (key: string, limit: number) => ({
        kind: 'window' as const,
        key,
        limit,
        resetAtMs: T0 + 60_000,
      });
      const [a, b, c, d] = await Promise.all([
        s.consume([w('tog-x', 1), w('tog-shared', 10)], T0),
        s.consume([w('tog-x', 1), w('tog-shared', 10)], T0),
        s.consume([w('tog-y', 1), w('tog-shared', 10)], T0),
        s.consume([w('tog-shared', 10)], T0, 3),
      ]);
      assert.deepEqual([a.allowed, b.allowed, c.allowed, d.allowed], [true, false, true, true]);
      assert.equal(a.outcomes[1].remaining, 9);
      assert.equal(b.outcomes[0].allowed, false);
      assert.equal(b.outcomes[0].remaining, 0);
      assert.ok(b.retryAfterMs > 0);
      assert.equal(c.outcomes[1].remaining, 8, 'the refused call charged nothing');
      assert.equal(d.outcomes[0].remaining, 5);
      assert.equal(await s.getCount('tog-shared'), 5);
      assert.equal(await s.getCount('tog-x'), 1);
    });

    test('event log: a sliding window that admits at most the limit, with refunds', async () => {
      const W = 60_000;
      const first = await s.logEvent('ev1', T0, W, 3);
      assert.deepEqual(
        { ...first, id: typeof first.id },
        { added: true, id: 'string', count: 1, oldestMs: T0 },
      );
      await s.logEvent('ev1', T0 + 10_000, W, 3);
      const third = await s.logEvent('ev1', T0 + 20_000, W, 3);
      assert.equal(third.count, 3);
      const refused = await s.logEvent('ev1', T0 + 30_000, W, 3);
      assert.deepEqual(refused, { added: false, id: null, count: 3, oldestMs: T0 });
      // The window slides: at T0 + W the first event leaves it (it spans (now - W, now]).
      assert.equal((await s.logEvent('ev1', T0 + W - 1, W, 3)).added, false);
      const slid = await s.logEvent('ev1', T0 + W, W, 3);
      assert.deepEqual([slid.added, slid.count, slid.oldestMs], [true, 3, T0 + 10_000]);
      // A refund frees one place; another key is independent.
      await s.unlogEvent('ev1', third.id!);
      const refilled = await s.logEvent('ev1', T0 + W, W, 3);
      assert.deepEqual([refilled.added, refilled.count], [true, 3]);
      assert.equal((await s.logEvent('ev2', T0, W, 1)).added, true);
      await s.unlogEvent('ev2', 'no-such-id');
      assert.equal((await s.logEvent('ev2', T0, W, 1)).added, false);
    });

    test('event log: concurrent callers never put more than the limit in a window', async () => {
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => s.logEvent('ev-conc', T0 + i, 60_000, 10)),
      );
      assert.equal(results.filter((r) => r.added).length, 10);
      assert.equal(new Set(results.map((r) => r.id).filter(Boolean)).size, 10, 'ids are unique');
    });

    test('setIfAbsent is a lock; values expire', async () => {
      assert.equal(await s.setIfAbsent('lock1', 'a', 10_000), true);
      assert.equal(await s.setIfAbsent('lock1', 'b', 10_000), false);
      assert.equal(await s.getValue('lock1'), 'a');
      await s.setValue('lock1', 'c', 10_000);
      assert.equal(await s.getValue('lock1'), 'c');
      await s.deleteKey('lock1');
      assert.equal(await s.getValue('lock1'), null);
    });

    test('pub/sub delivers to subscribers until they unsubscribe', async () => {
      const got: string[] = [];
      const unsub = await s.subscribe('chan1', (m) => got.push(m));
      await s.publish('chan1', 'hello');
      for (let i = 0; i < 50 && got.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.deepEqual(got, ['hello']);
      await unsub();
      await s.publish('chan1', 'again');
      await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(got, ['hello']);
    });
  });
}

describe('RedisSharedState when Redis cannot be reached', () => {
  test('every operation fails fast with SharedStateUnavailableError', async () => {
    // Nothing listens on port 1: the client never connects, and has no offline queue.
    const s = new RedisSharedState('redis://127.0.0.1:1', { commandTimeoutMs: 200 });
    try {
      const ops: Array<[string, () => Promise<unknown>]> = [
        ['incr', () => s.incr('k', 1, 1000)],
        ['getCount', () => s.getCount('k')],
        ['consume', () => s.consume([{ kind: 'window', key: 'k', limit: 1, resetAtMs: 2 }], 1)],
        ['logEvent', () => s.logEvent('k', 1, 1000, 1)],
        ['unlogEvent', () => s.unlogEvent('k', 'x')],
        ['getValue', () => s.getValue('k')],
        ['setValue', () => s.setValue('k', 'v', 1000)],
        ['setIfAbsent', () => s.setIfAbsent('k', 'v', 1000)],
        ['deleteKey', () => s.deleteKey('k')],
        ['publish', () => s.publish('c', 'm')],
        ['ping', () => s.ping()],
      ];
      for (const [name, op] of ops) {
        await assert.rejects(op(), SharedStateUnavailableError, name);
      }
    } finally {
      await s.close();
    }
  });
});

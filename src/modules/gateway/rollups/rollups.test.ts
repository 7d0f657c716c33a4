import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { migrateToLatest } from '../../../platform/db/migrator.ts';
import { type TestDatabase, testEngines } from '../../../platform/testing.ts';
import { migrations } from '../migrations.ts';
import { installedOutcomeRules } from '../outcome.ts';
import type { GatewayTables } from '../tables.ts';
import { usageIdOf, usageRecord } from '../testing.ts';
import { UsageService } from '../usage-service.ts';
import { type UsageRecord, UsageWriter } from '../usage-writer.ts';
import { bucketBounds, LATENCY_BUCKETS, latencyBucket, quantileMs } from './histogram.ts';
import { Hll, SPARSE_MAX } from './hll.ts';

describe('HyperLogLog sketch', () => {
  it('estimates within 3 standard errors (4.8 %) and exactly-ish when small', () => {
    for (const n of [0, 1, 10, 1000, 20_000, 200_000]) {
      const h = new Hll();
      for (let i = 0; i < n; i++) h.add(`user-${n}-${i}`);
      const e = h.estimate();
      assert.ok(Math.abs(e - n) <= Math.max(1, n * 0.048), `n=${n} estimate=${e}`);
    }
  });

  it('merging is commutative, associative, idempotent and equals the sketch of the union', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string(), { maxLength: 300 }),
        fc.array(fc.string(), { maxLength: 300 }),
        fc.array(fc.string(), { maxLength: 300 }),
        (a, b, c) => {
          const of = (xs: string[]) => {
            const h = new Hll();
            for (const x of xs) h.add(x);
            return h;
          };
          const ab = of(a).merge(of(b));
          assert.deepEqual(ab.registers, of(b).merge(of(a)).registers);
          assert.deepEqual(
            of(a).merge(of(b)).merge(of(c)).registers,
            of(a).merge(of(b).merge(of(c))).registers,
          );
          assert.deepEqual(of(a).merge(of(a)).registers, of(a).registers);
          assert.deepEqual(ab.registers, of([...a, ...b]).registers);
          assert.deepEqual(Hll.fromText(ab.toText()).registers, ab.registers);
        },
      ),
      { numRuns: 50 },
    );
  });

  it('sparse sketches turn dense past SPARSE_MAX and equal the dense sketch of the same items', () => {
    // Item counts on both sides of the transition; merges of sparse, dense and mixed sketches.
    const dense = (xs: string[]) => {
      const h = new Hll(new Uint8Array(4096));
      for (const x of xs) h.add(x);
      return h;
    };
    const sparse = (xs: string[]) => {
      const h = new Hll();
      for (const x of xs) h.add(x);
      return h;
    };
    const items = fc.array(fc.string(), { maxLength: 700 });
    fc.assert(
      fc.property(items, items, items, (a, b, c) => {
        for (const xs of [a, b, c]) {
          const s = sparse(xs);
          assert.deepEqual(s.registers, dense(xs).registers);
          assert.equal(s.estimate(), dense(xs).estimate());
          assert.equal(s.isSparse, s.registers.filter((r) => r > 0).length <= SPARSE_MAX);
          // Stored and read back, in either form: the same registers and form.
          const back = Hll.fromText(s.toText());
          assert.deepEqual(back.registers, s.registers);
          assert.equal(back.isSparse, s.isSparse);
        }
        const union = dense([...a, ...b, ...c]).registers;
        // Commutative and associative, whatever form each side is in, and equal to the union's.
        assert.deepEqual(sparse(a).merge(sparse(b)).registers, sparse(b).merge(sparse(a)).registers);
        assert.deepEqual(sparse(a).merge(dense(b)).registers, dense(b).merge(sparse(a)).registers);
        assert.deepEqual(sparse(a).merge(sparse(b)).merge(sparse(c)).registers, union);
        assert.deepEqual(sparse(a).merge(sparse(b).merge(sparse(c))).registers, union);
        assert.deepEqual(dense(a).merge(sparse(b)).merge(sparse(c)).registers, union);
        assert.deepEqual(sparse(a).merge(dense(b).merge(sparse(c))).registers, union);
      }),
      { numRuns: 40 },
    );
    // Past SPARSE_MAX non-zero registers a sketch is dense; below, its text is much shorter.
    const small = sparse(Array.from({ length: 50 }, (_, i) => `u${i}`));
    assert.ok(small.isSparse && small.toText().length < 300);
    const big = sparse(Array.from({ length: 2000 }, (_, i) => `u${i}`));
    assert.ok(!big.isSparse);
    assert.equal(big.toText(), dense(Array.from({ length: 2000 }, (_, i) => `u${i}`)).toText());
  });

  it('a damaged stored sketch reads as empty rather than throwing', () => {
    assert.equal(Hll.fromText('not a sketch').estimate(), 0);
    assert.equal(Hll.fromText('s:AA').estimate(), 0);
    assert.equal(Hll.fromText('s:////').estimate(), 0);
  });
});

describe('latency histogram', () => {
  it('every latency falls within its bucket; quantiles are within a factor 1.17 of the truth', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 250, max: 20_000_000 }), { minLength: 1, maxLength: 500 }),
        (lat) => {
          const counts = new Array(LATENCY_BUCKETS).fill(0);
          for (const us of lat) {
            const k = latencyBucket(us);
            const [lo, hi] = bucketBounds(k);
            assert.ok(us >= lo && us < hi, `${us} in [${lo}, ${hi})`);
            counts[k]++;
          }
          const sorted = [...lat].sort((x, y) => x - y);
          for (const q of [0.5, 0.99]) {
            const truth = sorted[Math.max(1, Math.ceil(q * sorted.length)) - 1] / 1000;
            const got = quantileMs(counts, q)!;
            assert.ok(got / truth <= 1.17 && truth / got <= 1.17, `q=${q} truth=${truth} got=${got}`);
          }
        },
      ),
    );
    assert.equal(quantileMs(new Array(LATENCY_BUCKETS).fill(0), 0.5), null);
  });
});

/** Calls of three apps in two organisations over three hours, with outcomes, codes and 429s. */
function traffic(tag: string, n: number): UsageRecord[] {
  return Array.from({ length: n }, (_, i) =>
    usageRecord(i, {
      id: usageIdOf(Date.UTC(2026, 11, 1, i % 3, i % 60) + i, tag, i),
      requestId: `${tag}-${i}`,
      atMs: Date.UTC(2026, 11, 1, i % 3, i % 60) + i,
      orgId: i % 4 === 0 ? 'org_b' : 'org_a',
      appId: i % 4 === 0 ? 'app_b' : i % 2 ? 'app_a' : 'app_c',
      operationId: i % 5 === 0 ? 'ibftTransfer' : 'ibftTitleFetch',
      status: i % 17 === 0 ? 429 : i % 13 === 0 ? 500 : 200,
      networkCode: i % 7 === 0 ? '55' : '00',
      latencyUs: 300 + ((i * 7919) % 200_000),
      endUserHash: `eu${i % 97}`,
    }),
  );
}

for (const engine of testEngines()) {
  describe(`rollups written with the usage rows (${engine.name})`, () => {
    let database: TestDatabase<GatewayTables>;
    let writer: UsageWriter;
    before(async () => {
      database = await engine.open<GatewayTables>();
      await migrateToLatest(database.db, [migrations]);
      writer = new UsageWriter(database.db, database.dialect);
    });
    after(() => database.cleanup());

    /** Raw counts per (hour, org, app, operation, status, code) vs the app-scope hour rollups. */
    async function assertRollupsMatchRaw() {
      const db = database.db;
      const raw = await db
        .selectFrom('gateway_usage')
        .select([
          sql<string>`substr(at, 1, 13)`.as('b'),
          'org_id',
          'app_id',
          'operation_id',
          'status',
          'network_code',
          sql<number>`count(*)`.as('calls'),
          sql<number>`sum(case when outcome = 'declined' then 1 else 0 end)`.as('declined'),
          sql<number>`sum(case when outcome = 'failed' then 1 else 0 end)`.as('failed'),
        ])
        .groupBy([sql`substr(at, 1, 13)`, 'org_id', 'app_id', 'operation_id', 'status', 'network_code'])
        .execute();
      const rolled = await db
        .selectFrom('gateway_usage_rollups')
        .where('grain', '=', 'h')
        .where('scope', '=', 'app')
        .select([
          'bucket',
          'org_id',
          'app_id',
          'operation_id',
          'status',
          'network_code',
          'calls',
          'declined',
          'failed',
        ])
        .execute();
      const key = (b: unknown, o: unknown, a: unknown, op: unknown, s: unknown, c: unknown) =>
        `${b}|${o}|${a}|${op ?? ''}|${Number(s)}|${c ?? ''}`;
      const want = new Map(
        raw.map((r) => [
          key(r.b, r.org_id, r.app_id, r.operation_id, r.status, r.network_code),
          [Number(r.calls), Number(r.declined), Number(r.failed)].join('/'),
        ]),
      );
      const got = new Map(
        rolled.map((r) => [
          key(r.bucket, r.org_id, r.app_id, r.operation_id, r.status, r.network_code),
          [Number(r.calls), Number(r.declined), Number(r.failed)].join('/'),
        ]),
      );
      assert.deepEqual(got, want);
      // Every grain and scope adds up to the raw total.
      const total = Number(
        (await db.selectFrom('gateway_usage').select(sql<number>`count(*)`.as('n')).executeTakeFirstOrThrow())
          .n,
      );
      const sums = await db
        .selectFrom('gateway_usage_rollups')
        .select(['grain', 'scope', sql<number>`sum(calls)`.as('n')])
        .groupBy(['grain', 'scope'])
        .execute();
      assert.equal(sums.length, 27);
      for (const s of sums) assert.equal(Number(s.n), total, `${s.grain}/${s.scope}`);
    }

    it('counts each row once: batches written again, bisected, and rolled back mid-transaction', async () => {
      const batch = traffic('a', 300);
      await writer.write(batch);
      await writer.write(batch); // the answer was lost: written again
      await writer.write(batch.slice(100, 200));
      // A row the database refuses: the batch is halved down to it, each part its own transaction.
      const bad = traffic('b', 200);
      bad[150] = { ...bad[150], catalog: null as unknown as string };
      await writer.write(bad);
      await assertRollupsMatchRaw();

      // The writer killed mid-transaction: the raw rows are in, the rollups fail — all rolls back.
      await sql`alter table gateway_usage_sketches rename to gateway_usage_sketches_away`.execute(
        database.db,
      );
      const killed = traffic('c', 120);
      await assert.rejects(writer.write(killed));
      await sql`alter table gateway_usage_sketches_away rename to gateway_usage_sketches`.execute(
        database.db,
      );
      const c = await database.db
        .selectFrom('gateway_usage')
        .where('request_id', 'like', 'c-%')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(c.n), 0, 'no raw row without its rollup');
      await writer.write(killed); // the caller keeps the batch and writes it again
      await assertRollupsMatchRaw();
    });

    it('back-fills rows older than the rollups once, resumably, even with two processes at it', async () => {
      // As if the rows were written before the rollups existed: the migration noted the newest id.
      const db = database.db;
      await db.deleteFrom('gateway_usage_rollups').execute();
      await db.deleteFrom('gateway_usage_sketches').execute();
      const newest = await db
        .selectFrom('gateway_usage')
        .select('id')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirstOrThrow();
      await db
        .insertInto('gateway_rollup_backfill')
        .values({ id: 1, upto_id: newest.id, after_id: '' })
        .execute();
      const service = new UsageService(db);
      let steps = 0;
      const first = await service.backfillRollups(installedOutcomeRules(), {
        batchSize: 50,
        dialect: database.dialect,
        shouldStop: () => steps++ >= 2,
      });
      assert.equal(first, 100);
      const [a, b] = await Promise.all([
        service.backfillRollups(installedOutcomeRules(), { batchSize: 50, dialect: database.dialect }),
        new UsageService(db).backfillRollups(installedOutcomeRules(), {
          batchSize: 50,
          dialect: database.dialect,
        }),
      ]);
      assert.equal(first + a + b, 620);
      // Rows written after the migration are the writer's: the back-fill never reaches them.
      await writer.write(traffic('d', 30));
      assert.equal(await service.backfillRollups(installedOutcomeRules(), { dialect: database.dialect }), 0);
      await assertRollupsMatchRaw();
    });

    it('keeps distinct end users as sketches per app, organisation and gateway', async () => {
      const sketches = await database.db
        .selectFrom('gateway_usage_sketches')
        .select(['grain', 'org_id', 'app_id', 'users'])
        .where('grain', '=', 'd')
        .execute();
      const all = sketches.find((s) => s.org_id === '*' && s.app_id === '*');
      assert.equal(Hll.fromText(all?.users).estimate(), 97);
    });

    it('retention prunes raw rows and minute rollups while hour and day rollups keep the history', async () => {
      const db = database.db;
      const total = async (grain: string) =>
        Number(
          (
            await db
              .selectFrom('gateway_usage_rollups')
              .where('grain', '=', grain)
              .where('scope', '=', 'all')
              .select(sql<number>`coalesce(sum(calls), 0)`.as('n'))
              .executeTakeFirstOrThrow()
          ).n,
        );
      const days = await total('d');
      assert.ok(days > 0);
      const service = new UsageService(db);
      // The rows are of 2026-12-01: a day later, with raw rows and minutes kept half a day.
      const out = await service.pruneUsage(
        { rawDays: 0.5, minuteDays: 0.5, hourDays: 400 },
        Date.UTC(2026, 11, 2),
      );
      assert.equal(out.raw, days);
      const left = await db
        .selectFrom('gateway_usage')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      assert.equal(Number(left.n), 0);
      assert.equal(await total('m'), 0);
      assert.equal(await total('h'), days);
      assert.equal(await total('d'), days);
    });
  });
}

for (const engine of testEngines()) {
  describe(`rollups written before the per-operation rows (${engine.name})`, () => {
    it('the migration derives the per-operation and gateway-totals rows of existing rollups', async () => {
      const database = await engine.open<GatewayTables>();
      try {
        const db = database.db;
        const before = Object.fromEntries(
          Object.entries(migrations).filter(([name]) => name < '202612070600'),
        );
        await migrateToLatest(db, [before]);
        // Two old-format detail rows of one app-hour (the histogram on every row), and the gateway's.
        const row = (
          scope: string,
          org: string,
          app: string,
          status: number,
          calls: number,
          l05: number,
        ) => ({
          grain: 'h',
          scope,
          app_id: app,
          org_id: org,
          bucket: '2026-12-01T10',
          operation_id: 'ibftTransfer',
          status,
          network_code: '00',
          calls,
          approved: calls,
          lat_sum: calls * 1000,
          lat_max: 2000,
          l05,
          l06: calls - l05,
        });
        await db
          .insertInto('gateway_usage_rollups')
          .values([
            row('app', 'org_a', 'app_a', 200, 3, 1),
            row('app', 'org_a', 'app_a', 201, 4, 4),
            row('all', '*', '*', 200, 3, 1),
            row('all', '*', '*', 201, 4, 4),
          ] as never)
          .execute();
        await migrateToLatest(db, [migrations]);
        const got = (
          await sql<Record<string, string | number>>`select scope, operation_id, status, calls, l05, l06
            from gateway_usage_rollups where scope in ('app_o', 'all_o', 'all_t') order by scope`.execute(db)
        ).rows;
        assert.deepEqual(
          got.map((r) => [
            r.scope,
            r.operation_id,
            Number(r.status),
            Number(r.calls),
            Number(r.l05),
            Number(r.l06),
          ]),
          [
            ['all_o', 'ibftTransfer', 0, 7, 5, 2],
            ['all_t', '*', 0, 7, 5, 2],
            ['app_o', 'ibftTransfer', 0, 7, 5, 2],
          ],
        );
      } finally {
        await database.cleanup();
      }
    });
  });
}

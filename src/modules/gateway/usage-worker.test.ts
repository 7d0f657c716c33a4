import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { Database } from '../../platform/db/database.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { testEngines } from '../../platform/testing.ts';
import { migrations } from './migrations.ts';
import type { GatewayTables } from './tables.ts';
import { usageRecord } from './testing.ts';
import { type EncodedBatch, encodeBatch } from './usage-codec.ts';
import { MAX_MERGED_ROWS, WorkerUsageSink } from './usage-sink.ts';

/**
 * The usage worker writes batches that wait for it together, in one transaction of at most
 * the engine's MAX_MERGED_ROWS rows (a smaller bound here), and still counts every row once in the rollups (usage-worker.ts).
 */
for (const engine of testEngines())
  describe(`usage worker: waiting batches written together (${engine.name})`, () => {
    let database: Database<GatewayTables> & { cleanup(): Promise<void> };
    let sink: WorkerUsageSink;
    // Smaller than the engines' defaults (MAX_MERGED_ROWS), so that the bound is reached quickly.
    const maxRows = 2_000;
    before(async () => {
      assert.ok(maxRows < MAX_MERGED_ROWS.sqlite && maxRows < MAX_MERGED_ROWS.postgres);
      database = await engine.open<GatewayTables>();
      await migrateToLatest(database.db, [migrations]);
      sink = new WorkerUsageSink(database.location!, { maxMergedRows: maxRows });
    });
    after(async () => {
      await sink.close();
      await database.cleanup();
    });

    /** `n` encoded batches of `size` calls of four apps (their row ids fixed at encoding). */
    function batches(from: number, n: number, size: number): EncodedBatch[] {
      return Array.from({ length: n }, (_, b) =>
        encodeBatch(
          Array.from({ length: size }, (_, i) => {
            const k = from + b * size + i;
            return usageRecord(k, { appId: `app_${k % 4}`, status: k % 10 === 0 ? 429 : 200 });
          }),
        ),
      );
    }

    /** The batches handed over at once, as one flush of the recorder hands them. */
    const handOver = (list: EncodedBatch[]) => Promise.all(list.map((b) => sink.write(b)));

    async function counts(): Promise<{ raw: number; rolled: number; http429: number }> {
      const raw = await sql<{ n: number | string }>`select count(*) as n from gateway_usage`.execute(
        database.db,
      );
      const rolled = await sql<{ calls: number | string; c429: number | string }>`
        select sum(calls) as calls, sum(c429) as c429 from gateway_usage_rollups
        where grain = 'd' and scope = 'all_t'`.execute(database.db);
      return {
        raw: Number(raw.rows[0].n),
        rolled: Number(rolled.rows[0].calls),
        http429: Number(rolled.rows[0].c429),
      };
    }

    it('batches handed over together share transactions; every row is counted once', async () => {
      const written = await handOver(batches(0, 12, 100));
      const transactions = new Set(written.map((w) => w.transaction));
      assert.ok(!transactions.has(undefined), 'the worker names the transaction of each batch');
      assert.ok(transactions.size < 12, `12 batches in ${transactions.size} transactions`);
      assert.deepEqual(await counts(), { raw: 1200, rolled: 1200, http429: 120 });
    });

    it('no transaction holds more than the engine’s maximum; the same batches again add nothing', async () => {
      const size = 500;
      const n = (2 * maxRows) / size + 2;
      const list = batches(10_000, n, size);
      const written = await handOver(list);
      const perTransaction = new Map<number | undefined, number>();
      for (const w of written)
        perTransaction.set(w.transaction, (perTransaction.get(w.transaction) ?? 0) + size);
      assert.ok(perTransaction.size >= 3, `${n} batches of ${size} in ${perTransaction.size} transactions`);
      for (const rows of perTransaction.values()) assert.ok(rows <= maxRows, `${rows} rows in one`);
      const total = 1200 + n * size;
      assert.deepEqual(await counts(), { raw: total, rolled: total, http429: total / 10 });
      // Written again (an answer lost): the inserts are idempotent, the rollups add nothing.
      await handOver(list);
      assert.deepEqual(await counts(), { raw: total, rolled: total, http429: total / 10 });
    });
  });

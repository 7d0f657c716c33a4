import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { testEngines } from '../../platform/testing.ts';
import { migrations } from './migrations.ts';
import { usageRecord } from './testing.ts';
import { type UsageRecord, UsageWriter } from './usage-writer.ts';

/** Record i of a batch: its request id names the batch; a third of them keep their bodies. */
function record(batch: string, i: number): UsageRecord {
  return usageRecord(i, {
    requestId: `${batch}-${i}`,
    latencyUs: 100 + i,
    endUserHash: null,
    requestBody: { n: i },
    responseBody: '{}',
    bodiesSkipped: i % 3 !== 0,
  });
}

for (const engine of testEngines()) {
  describe(`usage writer (${engine.name})`, () => {
    let database: Awaited<ReturnType<typeof engine.open>>;
    let writer: UsageWriter;
    before(async () => {
      database = await engine.open();
      await migrateToLatest(database.db, [migrations]);
      writer = new UsageWriter(database.db, database.dialect);
    });
    after(() => database.cleanup());

    const ids = async (table: 'gateway_usage', prefix: string) =>
      (await database.db.selectFrom(table).select(['request_id', 'latency_us']).execute())
        .filter((r) => String(r.request_id).startsWith(`${prefix}-`))
        .map((r) => [String(r.request_id), Number(r.latency_us)]);

    it('writes every row of a batch, whatever its size, and the kept bodies of a third of them', async () => {
      // Sizes around the 64-row INSERTs it splits batches into, and the recorder's 250.
      for (const size of [0, 1, 63, 64, 65, 127, 250, 1000]) {
        const batch = `b${size}`;
        await writer.write(Array.from({ length: size }, (_, i) => record(batch, i)));
        const rows = await ids('gateway_usage', batch);
        assert.equal(rows.length, size, `batch of ${size}`);
        assert.deepEqual(
          new Map(rows as [string, number][]),
          new Map(Array.from({ length: size }, (_, i) => [`${batch}-${i}`, 100 + i])),
        );
      }
      const logs = await database.db
        .selectFrom('gateway_request_logs')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst();
      const expected = [0, 1, 63, 64, 65, 127, 250, 1000].reduce((s, n) => s + Math.ceil(n / 3), 0);
      assert.equal(Number(logs?.n), expected);
    });

    it('all rows or none: a row the database refuses in a later INSERT leaves no row of the batch', async () => {
      const batch = Array.from({ length: 250 }, (_, i) => record('bad', i));
      // Row 200 is in the fourth INSERT (64 + 64 + 64 + 32): the first three have run by then.
      batch[200] = { ...batch[200], catalog: null as unknown as string };
      await assert.rejects(writer.write(batch));
      assert.deepEqual(await ids('gateway_usage', 'bad'), []);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { idAtOrAfter } from '../../platform/ids.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { migrations } from './migrations.ts';
import type { GatewayTables } from './tables.ts';
import { usageRecord } from './testing.ts';
import { decodeBatch, encodeBatch } from './usage-codec.ts';
import { isTransient, type UsageRecord, UsageWriter } from './usage-writer.ts';

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
    let database: TestDatabase<GatewayTables>;
    let writer: UsageWriter;
    before(async () => {
      database = await engine.open<GatewayTables>();
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

    it("a row's id starts with its call's millisecond, so time ranges are id ranges (ids.ts idAtOrAfter)", async () => {
      // The readers (request log dates, retention, the regulator's export, the rollups' raw edges)
      // read time ranges by id on the indexes that end in it: this holds them exact.
      const times = [1_800_000_000_000, 1_800_000_000_999, 1_800_000_001_000, 1_734_567_890_123];
      const plain = times.map((atMs, i) => ({ ...record('timed', i), atMs }));
      const coded = decodeBatch(encodeBatch(times.map((atMs, i) => ({ ...record('timed', 10 + i), atMs }))));
      await writer.write([...plain, ...coded]);
      const rows = (
        await database.db.selectFrom('gateway_usage').select(['id', 'at', 'request_id']).execute()
      ).filter((r) => String(r.request_id).startsWith('timed-'));
      assert.equal(rows.length, 8);
      for (const r of rows)
        assert.equal(r.id.slice(0, 14), idAtOrAfter('use', Date.parse(r.at)), r.request_id);
    });

    it('texts travel as they are: quotes, backslashes, braces, commas, "NULL", empty, unicode', async () => {
      // PostgreSQL gets a batch as one array per column (multi-row.ts): each text is an array
      // element, so anything an array literal gives meaning to must come back unchanged.
      const texts = ['"q"', 'back\\slash', '{a,b}', 'x, y', 'NULL', '', ' spaced ', 'اردو ✓ 😀', "it's"];
      await writer.write(
        texts.map((t, i) =>
          usageRecord(i, {
            requestId: `tx-${i}`,
            path: t,
            clientIp: t,
            networkCode: t,
            endUserHash: t,
            requestBody: { t },
            bodiesSkipped: false,
          }),
        ),
      );
      for (const [i, t] of texts.entries()) {
        const u = await database.db
          .selectFrom('gateway_usage')
          .select(['path', 'client_ip', 'network_code', 'end_user_hash'])
          .where('request_id', '=', `tx-${i}`)
          .executeTakeFirstOrThrow();
        assert.deepEqual(Object.values(u), [t, t, t, t], JSON.stringify(t));
        const l = await logRow(`tx-${i}`);
        assert.deepEqual(JSON.parse(String(l?.request_body)), { t }, JSON.stringify(t));
      }
    });

    const logRow = async (requestId: string) =>
      database.db
        .selectFrom('gateway_request_logs as l')
        .innerJoin('gateway_usage as u', 'u.id', 'l.id')
        .where('u.request_id', '=', requestId)
        .select(['l.request_body', 'l.response_body', 'l.dropped_reason'])
        .executeTakeFirst();

    it('a row the database refuses is isolated by halving the batch and stored reduced; the rest as they are', async () => {
      const batch = Array.from({ length: 250 }, (_, i) => record('bad', i));
      // Row 200 is in the fourth INSERT (64 + 64 + 64 + 32); its catalog breaks a NOT NULL column.
      batch[200] = { ...batch[200], catalog: null as unknown as string, bodiesSkipped: false };
      const { reduced } = await writer.write(batch);
      const rows = await ids('gateway_usage', 'bad');
      assert.equal(rows.length, 250, 'every row written, once');
      assert.equal(new Set(rows.map(([id]) => id)).size, 250);
      assert.deepEqual(
        reduced.map((r) => r.requestId),
        ['bad-200'],
      );
      assert.match(reduced[0].reason, /the database refused the row/);
      const log = await logRow('bad-200');
      assert.equal(log?.request_body, null, 'bodies dropped');
      assert.match(String(log?.dropped_reason), /refused/);
      assert.equal((await logRow('bad-3'))?.dropped_reason, null, 'the others keep their bodies');
    });

    it('values only one engine refuses (NUL in text, numbers beyond 32 bits) cost their own row its bodies at most', async () => {
      const batch = Array.from({ length: 40 }, (_, i) => record('odd', i));
      batch[5] = { ...batch[5], bodiesSkipped: false, requestBody: 'nul \u0000 inside' };
      batch[9] = { ...batch[9], latencyUs: 1e13 };
      batch[33] = { ...batch[33], bodiesSkipped: false, responseBody: { text: 'a\u0000b' } };
      const { reduced } = await writer.write(batch);
      assert.equal((await ids('gateway_usage', 'odd')).length, 40);
      // PostgreSQL refuses NUL in text and 1e13 in an integer column; SQLite takes both.
      const expected = database.dialect === 'postgres' ? ['odd-5', 'odd-9'] : [];
      assert.deepEqual(reduced.map((r) => r.requestId).sort(), expected);
    });

    it('a record whose bodies cannot be serialised is stored reduced with the reason', async () => {
      let deep: unknown = 1;
      for (let i = 0; i < 20_000; i++) deep = [deep];
      const batch = Array.from({ length: 10 }, (_, i) => record('deep', i));
      batch[4] = { ...batch[4], bodiesSkipped: false, requestBody: deep };
      const { reduced } = await writer.write(batch);
      assert.equal((await ids('gateway_usage', 'deep')).length, 10);
      assert.deepEqual(
        reduced.map((r) => r.requestId),
        ['deep-4'],
      );
      const log = await logRow('deep-4');
      assert.equal(log?.request_body, null);
      assert.match(String(log?.dropped_reason), /could not be stored: Maximum call stack size exceeded/);
    });

    it('idempotent on the row id: the same batch written again adds no row', async () => {
      const batch = Array.from({ length: 100 }, (_, i) => ({
        ...record('again', i),
        id: `use_${String(i).padStart(26, '0')}`,
      }));
      await writer.write(batch);
      await writer.write(batch);
      await writer.write(batch.slice(30, 70));
      assert.equal((await ids('gateway_usage', 'again')).length, 100);
    });

    it('a database that fails (not a row) is thrown, nothing reduced: the caller writes the batch again', async () => {
      const broken = await engine.open<GatewayTables>(); // no tables: every INSERT fails, also the reduced one
      try {
        const w = new UsageWriter(broken.db, broken.dialect);
        await assert.rejects(w.write(Array.from({ length: 20 }, (_, i) => record('down', i))));
      } finally {
        await broken.cleanup();
      }
      assert.ok(isTransient(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })));
      assert.ok(isTransient(Object.assign(new Error('x'), { code: '08006' })));
      assert.ok(isTransient(Object.assign(new Error('x'), { code: '57014' })));
      assert.ok(isTransient(Object.assign(new Error('x'), { code: 'ERR_SQLITE_ERROR', errcode: 5 })));
      assert.ok(isTransient(new Error('Connection terminated unexpectedly')));
      assert.ok(!isTransient(Object.assign(new Error('x'), { code: '23502' })));
      assert.ok(!isTransient(Object.assign(new Error('x'), { code: 'ERR_SQLITE_ERROR', errcode: 19 })));
    });
  });
}

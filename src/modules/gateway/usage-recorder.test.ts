import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { FakeClock } from '../../platform/clock.ts';
import { type Database, openSqlite } from '../../platform/db/database.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { createLogger } from '../../platform/logger.ts';
import { testEngines } from '../../platform/testing.ts';
import { migrations } from './migrations.ts';
import type { GatewayTables } from './tables.ts';
import { decodeBatch } from './usage-codec.ts';
import { UsageRecorder } from './usage-recorder.ts';
import { UsageService } from './usage-service.ts';
import { inlineUsageSink, type UsageSink, WorkerUsageSink } from './usage-sink.ts';
import type { UsageRecord } from './usage-writer.ts';

const T0 = Date.UTC(2026, 10, 23, 9);

function record(i: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    atMs: T0 + i * 60_000,
    orgId: 'org_a',
    appId: 'app_a',
    productSlug: 'ibft',
    operationId: i % 2 ? 'ibftTitleFetch' : 'ibftFundsTransfer',
    catalog: 'sandbox',
    method: 'POST',
    path: '/darwaza/sandbox/path-1',
    status: i % 5 === 0 ? 429 : 200,
    errorCode: i % 5 === 0 ? 'rate_limited' : null,
    networkCode: i % 5 === 0 ? null : '00',
    latencyUs: 1000 + i,
    clientIp: '127.0.0.1',
    endUserHash: `h${i % 3}`,
    requestId: `req-${String(i).padStart(4, '0')}`,
    bytesIn: 100,
    bytesOut: 200,
    replayed: false,
    liveDataSuspected: false,
    requestHeaders: { 'content-type': 'application/json', authorization: 'Bearer secret-token' },
    requestBody: { AccountNumberFrom: '00020000012345678', Amount: '000000010000' },
    responseBody: JSON.stringify({
      ResponseCode: '00',
      IBAN_MobileAccountNumber: 'PK49DRWZ9990000000001001',
    }),
    ...over,
  };
}

/** A logger whose lines (parsed) are collected in `lines`. */
function capturingLogger(): { log: ReturnType<typeof createLogger>; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: createLogger('info', stream), lines };
}

async function usageRows(database: Database<GatewayTables>): Promise<number> {
  const n = await database.db
    .selectFrom('gateway_usage')
    .select((eb) => eb.fn.countAll().as('n'))
    .executeTakeFirst();
  return Number(n?.n);
}

const sinks = (database: Database<GatewayTables>): Record<UsageSink['kind'], () => UsageSink> => ({
  inline: () => inlineUsageSink(database.db, database.dialect),
  // Test databases live in files or PostgreSQL schemas, so they always have a location.
  worker: () => new WorkerUsageSink(database.location!),
});

for (const engine of testEngines())
  for (const sinkKind of ['inline', 'worker'] as const) {
    describe(`usage recorder and service (${engine.name}, ${sinkKind} writer)`, () => {
      let database: Database<GatewayTables> & { cleanup(): Promise<void> };
      let recorder: UsageRecorder;
      let usage: UsageService;
      const clock = new FakeClock(T0 + 3_600_000);
      before(async () => {
        database = await engine.open<GatewayTables>();
        await migrateToLatest(database.db, [migrations]);
        recorder = new UsageRecorder({
          sink: sinks(database)[sinkKind](),
          db: database.db,
          clock,
          log: createLogger('silent'),
          flushMs: 50,
          batchSize: 7,
        });
        recorder.start();
        usage = new UsageService(database.db, () => recorder.flush());
      });
      after(() => database.cleanup());

      it('close() writes every buffered record, in batches, with masked bodies', async () => {
        for (let i = 0; i < 30; i++) recorder.record(record(i));
        await recorder.close();
        assert.equal(recorder.pending, 0);
        assert.equal(await usageRows(database), 30);
        const logs = await usage.listRequestLogs('org_a', { requestId: 'req-0001' });
        const text = JSON.stringify(logs.items[0]);
        assert.ok(!text.includes('00020000012345678'));
        assert.ok(!text.includes('PK49DRWZ9990000000001001'));
        assert.ok(!text.includes('secret-token'));
        assert.ok(text.includes('000000010000'), 'amounts are kept');
      });

      it('queries: per-app usage, request log filters and paging, time series', async () => {
        const u = await usage.getAppUsage('app_a', T0, T0 + 3_600_000);
        assert.equal(u.calls, 30);
        assert.equal(u.errors, 6);
        assert.equal(u.distinctEndUsers, 3);
        assert.equal(u.operations.length, 2);
        const errors = await usage.listRequestLogs('org_a', { status: 'error' });
        assert.equal(errors.items.length, 6);
        const page1 = await usage.listRequestLogs('org_a', { limit: 20 });
        assert.equal(page1.items.length, 20);
        const page2 = await usage.listRequestLogs('org_a', { limit: 20, before: page1.next! });
        assert.equal(page2.items.length, 10);
        assert.equal((await usage.listRequestLogs('org_a', { q: 'REQ-002' })).items.length, 10);
        assert.equal((await usage.listRequestLogs('org_a', { q: '50%_' })).items.length, 0);
        assert.equal((await usage.listRequestLogs('org_b', {})).items.length, 0);
        const ts = await usage.getUsageTimeseries('org_a', {
          fromMs: T0,
          toMs: T0 + 3_600_000,
          bucket: 'hour',
        });
        assert.deepEqual(
          ts.map((p) => p.calls),
          [30],
        );
      });

      it('prune drops request-log bodies after the retention, keeps usage rows', async () => {
        clock.advance(40 * 86_400_000);
        const pruned = await recorder.prune();
        assert.equal(pruned, 30);
        assert.equal((await usage.getAppUsage('app_a', T0, T0 + 3_600_000)).calls, 30);
      });

      it('request-log bodies: every error kept, successful ones bounded per app per second', async () => {
        const r2 = new UsageRecorder({
          sink: sinks(database)[sinkKind](),
          db: database.db,
          clock,
          log: createLogger('silent'),
          flushMs: 50,
          logBodiesPerAppPerSecond: 4,
        });
        const at = T0 + 7_200_000;
        const rec = (i: number, over: Partial<UsageRecord>) =>
          record(i, { orgId: 'org_s', appId: 'app_s', requestId: `sam-${i}`, atMs: at + i, ...over });
        // One second: 12 successes, 3 HTTP errors, 2 network declines; next second: 2 successes.
        for (let i = 0; i < 12; i++) r2.record(rec(i, { status: 200, errorCode: null, networkCode: '00' }));
        for (let i = 12; i < 15; i++)
          r2.record(rec(i, { status: 429, errorCode: 'rate_limited', networkCode: null }));
        for (let i = 15; i < 17; i++) r2.record(rec(i, { status: 200, errorCode: null, networkCode: '14' }));
        for (let i = 17; i < 19; i++)
          r2.record(rec(i, { atMs: at + 1000 + i, status: 200, errorCode: null, networkCode: '00' }));
        await r2.close();
        assert.equal(r2.bodiesSkipped, 8);
        const all = await usage.listRequestLogs('org_s', { limit: 100 });
        assert.equal(all.items.length, 19, 'every call has its usage row in the request log');
        const withBody = all.items.filter((x) => x.requestBody !== null);
        assert.equal(withBody.length, 4 + 3 + 2 + 2);
        const errors = await usage.listRequestLogs('org_s', { status: 'error', limit: 100 });
        assert.ok(errors.items.length >= 3);
        for (const e of errors.items) assert.notEqual(e.requestBody, null, 'errors keep their bodies');
      });

      it('a batch the database refuses stays buffered and is written once the database takes it', async () => {
        const fresh = await engine.open<GatewayTables>();
        try {
          const r3 = new UsageRecorder({
            sink: sinks(fresh)[sinkKind](),
            db: fresh.db,
            clock,
            log: createLogger('silent'),
            flushMs: 250,
            batchSize: 4,
          });
          for (let i = 0; i < 10; i++) r3.record(record(i, { requestId: `retry-${i}` }));
          await r3.flush(); // no tables yet: every chunk fails
          assert.equal(r3.pending, 10);
          assert.equal(r3.written, 0);
          await migrateToLatest(fresh.db, [migrations]);
          await r3.close();
          assert.equal(r3.pending, 0);
          assert.equal(r3.written, 10);
          assert.equal(await usageRows(fresh), 10);
        } finally {
          await fresh.cleanup();
        }
      });

      it('a body too deep to hand over or serialise costs its own record the bodies, logged once; the rest is written', async () => {
        const { log, lines } = capturingLogger();
        const r4 = new UsageRecorder({
          sink: sinks(database)[sinkKind](),
          db: database.db,
          clock,
          log,
          flushMs: 50,
          batchSize: 50,
        });
        let deep: unknown = { AccountNumberFrom: '1' };
        for (let i = 0; i < 5000; i++) deep = { a: deep };
        for (let i = 0; i < 120; i++) {
          r4.record(
            record(i, {
              orgId: 'org_p',
              requestId: `poison-${i}`,
              status: 400,
              ...(i === 60 ? { requestBody: deep } : {}),
            }),
          );
        }
        await r4.close();
        assert.equal(r4.written, 120);
        assert.equal(r4.reduced, 1);
        const all = await usage.listRequestLogs('org_p', { limit: 200 });
        assert.equal(all.items.length, 120);
        const poison = all.items.find((x) => x.requestId === 'poison-60');
        assert.equal(poison?.requestBody, null);
        assert.match(String(poison?.droppedReason), /Maximum call stack size exceeded/);
        assert.equal(all.items.filter((x) => x.droppedReason !== null).length, 1);
        const logged = lines.filter((l) => (l.level as number) >= 40);
        assert.equal(logged.length, 1, JSON.stringify(logged));
        assert.equal(logged[0].requestId, 'poison-60');
      });

      it('a batch written but not acknowledged (answer lost) is written again without duplicating a row', async () => {
        const inner = sinks(database)[sinkKind]();
        let lose = 2;
        const sink: UsageSink = {
          kind: inner.kind,
          write: async (batch) => {
            const r = await inner.write(batch);
            if (lose-- > 0) throw new Error('connection reset before the answer');
            return r;
          },
          close: () => inner.close(),
        };
        const r5 = new UsageRecorder({
          sink,
          db: database.db,
          clock,
          log: createLogger('silent'),
          flushMs: 50,
        });
        for (let i = 0; i < 30; i++) r5.record(record(i, { orgId: 'org_lost', requestId: `lost-${i}` }));
        await r5.flush();
        assert.equal(r5.pending, 30, 'kept after the lost answer');
        await r5.close();
        const rows = await database.db
          .selectFrom('gateway_usage')
          .where('org_id', '=', 'org_lost')
          .select(['id', 'request_id'])
          .execute();
        assert.equal(rows.length, 30);
        assert.equal(new Set(rows.map((r) => r.request_id)).size, 30);
        assert.equal(r5.dropped, 0);
        assert.equal(r5.reduced, 0, 'a row already there is no refusal: nothing reduced');
      });
    });
  }

describe('usage recorder flush ordering', () => {
  it('flush() resolves only after every record buffered before it is written, even behind a slow flush', async () => {
    const written: string[] = [];
    const gates: Array<() => void> = [];
    const slowSink: UsageSink = {
      kind: 'worker',
      write: (batch) =>
        new Promise((resolve) => {
          gates.push(() => {
            for (const r of decodeBatch(batch)) written.push(r.requestId);
            resolve({ reduced: [] });
          });
        }),
      close: async () => {},
    };
    const r = new UsageRecorder({
      sink: slowSink,
      db: undefined as never,
      clock: new FakeClock(T0),
      log: createLogger('silent'),
      flushMs: 250,
    });
    r.record(record(1, { requestId: 'first' }));
    const a = r.flush(); // holds 'first' until its gate opens
    await new Promise((res) => setImmediate(res));
    r.record(record(2, { requestId: 'second' }));
    let bDone = false;
    const b = r.flush().then(() => {
      bDone = true;
    });
    await new Promise((res) => setImmediate(res));
    assert.equal(gates.length, 1);
    gates[0]();
    await a;
    await new Promise((res) => setImmediate(res));
    assert.equal(bDone, false, 'the second flush waits for its own batch');
    assert.equal(gates.length, 2);
    gates[1]();
    await b;
    assert.deepEqual(written, ['first', 'second']);
  });
});

describe('usage recorder chunks, retries and bound', () => {
  const make = (sink: UsageSink, over: { batchSize?: number; maxBuffered?: number } = {}) =>
    new UsageRecorder({
      sink,
      db: undefined as never,
      clock: new FakeClock(T0),
      log: createLogger('silent'),
      flushMs: 250,
      ...over,
    });

  it('a failed chunk is kept encoded and written first, in order, at the next flush', async () => {
    const written: string[][] = [];
    let fail = true;
    const sink: UsageSink = {
      kind: 'worker',
      write: async (batch) => {
        if (fail) throw new Error('database down');
        written.push(decodeBatch(batch).map((r) => r.requestId));
        return { reduced: [] };
      },
      close: async () => {},
    };
    const r = make(sink, { batchSize: 2 });
    for (const id of ['a', 'b', 'c']) r.record(record(1, { requestId: id }));
    await r.flush();
    assert.equal(r.pending, 3, 'all three rows kept after the failure');
    assert.equal(r.written, 0);
    fail = false;
    r.record(record(1, { requestId: 'd' }));
    await r.flush();
    assert.deepEqual(written, [['a', 'b'], ['c'], ['d']]);
    assert.equal(r.pending, 0);
    assert.equal(r.written, 4);
  });

  it('an outage logs one line when writes start failing and one when they succeed again', async () => {
    const { log, lines } = capturingLogger();
    let failures = 6;
    const sink: UsageSink = {
      kind: 'worker',
      write: async () => {
        if (failures-- > 0) throw new Error('connect ECONNREFUSED');
        return { reduced: [] };
      },
      close: async () => {},
    };
    const r = new UsageRecorder({
      sink,
      db: undefined as never,
      clock: new FakeClock(T0),
      log,
      flushMs: 250,
    });
    r.record(record(1, { requestId: 'x' }));
    for (let i = 0; i < 6; i++) await r.flush();
    assert.equal(r.pending, 1);
    await r.flush();
    assert.equal(r.written, 1);
    assert.deepEqual(
      lines.map((l) => l.msg),
      [
        'usage writes failing; the rows are kept and written again at each flush',
        'usage writes succeed again',
      ],
    );
  });

  it('close() keeps writing while the database refuses, within its time-out, and loses no row', async () => {
    let failures = 5;
    const written: string[] = [];
    const sink: UsageSink = {
      kind: 'worker',
      write: async (batch) => {
        if (failures-- > 0) throw new Error('database restarting');
        for (const rec of decodeBatch(batch)) written.push(rec.requestId);
        return { reduced: [] };
      },
      close: async () => {},
    };
    const r = make(sink, { batchSize: 2 });
    for (const id of ['a', 'b', 'c']) r.record(record(1, { requestId: id }));
    await r.close();
    assert.deepEqual(written.sort(), ['a', 'b', 'c']);
    assert.equal(r.dropped, 0);
  });

  it('beyond maxBuffered the oldest chunk is dropped and counted', async () => {
    const written: string[] = [];
    const sink: UsageSink = {
      kind: 'worker',
      write: async (batch) => {
        for (const rec of decodeBatch(batch)) written.push(rec.requestId);
        return { reduced: [] };
      },
      close: async () => {},
    };
    const r = make(sink, { batchSize: 2, maxBuffered: 4 });
    for (const id of ['a', 'b', 'c', 'd', 'e']) r.record(record(1, { requestId: id }));
    assert.equal(r.dropped, 2, 'the chunk [a, b] went when the fifth row arrived');
    assert.equal(r.pending, 3);
    await r.flush();
    assert.deepEqual(written, ['c', 'd', 'e']);
  });

  it('rows a failed write hands back count against maxBuffered too', async () => {
    let fail: (err: Error) => void = () => {};
    const sink: UsageSink = {
      kind: 'worker',
      write: () =>
        new Promise((_, reject) => {
          fail = reject;
        }),
      close: async () => {},
    };
    const r = make(sink, { batchSize: 2, maxBuffered: 4 });
    r.record(record(1, { requestId: 'a' }));
    r.record(record(1, { requestId: 'b' }));
    const flushing = r.flush(); // [a, b] in flight, not counted
    await new Promise((res) => setImmediate(res));
    for (const id of ['c', 'd', 'e']) r.record(record(1, { requestId: id }));
    assert.equal(r.dropped, 0);
    fail(new Error('database down'));
    await flushing; // [a, b] come back: 5 rows > 4, so the oldest chunk ([a, b]) goes
    assert.equal(r.pending, 3);
    assert.equal(r.dropped, 2);
  });
});

describe('usage worker thread lifetime', () => {
  it('an idle writer never keeps the process alive; a pending batch is answered first', async () => {
    // A child process writes one batch through a worker sink and never closes it: it must still
    // exit on its own once the batch is committed (and the row must be there).
    const { spawnSync } = await import('node:child_process');
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const dir = mkdtempSync(join(tmpdir(), 'darwaza-worker-life-'));
    const file = join(dir, 'u.db');
    const script = `
      import { openSqlite } from ${JSON.stringify(new URL('../../platform/db/database.ts', import.meta.url).href)};
      import { migrateToLatest } from ${JSON.stringify(new URL('../../platform/db/migrator.ts', import.meta.url).href)};
      import { migrations } from ${JSON.stringify(new URL('./migrations.ts', import.meta.url).href)};
      import { WorkerUsageSink } from ${JSON.stringify(new URL('./usage-sink.ts', import.meta.url).href)};
      import { encodeBatch } from ${JSON.stringify(new URL('./usage-codec.ts', import.meta.url).href)};
      const d = openSqlite(${JSON.stringify(file)});
      await migrateToLatest(d.db, [migrations]);
      await d.close();
      const sink = new WorkerUsageSink({ engine: 'sqlite', file: ${JSON.stringify(file)} });
      void sink.write(encodeBatch([${JSON.stringify(record(1, { requestId: 'life-1' }))}])).then(() => console.log('written'));
    `;
    try {
      const main = join(dir, 'main.mjs');
      writeFileSync(main, script);
      const r = spawnSync(process.execPath, [main], {
        timeout: 20_000,
        encoding: 'utf8',
      });
      assert.equal(r.signal, null, 'the process exited by itself (not killed by the time-out)');
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stdout, /written/);
      const d = openSqlite<GatewayTables>(file);
      assert.equal(await usageRows(d), 1);
      await d.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

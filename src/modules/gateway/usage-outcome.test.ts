import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { migrations } from './migrations.ts';
import { classifyOutcome, DEFAULT_OUTCOME_RULES, type OutcomeRules } from './outcome.ts';
import type { GatewayTables } from './tables.ts';
import { usageRecord } from './testing.ts';
import { UsageService } from './usage-service.ts';
import { UsageWriter } from './usage-writer.ts';

/** Rules shaped like a provider's (the sandbox's are tested in sandbox/outcomes.test.ts). */
const RULES: OutcomeRules = {
  byOperation: {
    ibftTitleFetch: { approved: ['00'], timedOut: ['58'] },
    billPayment: { approved: ['00', '66'], timedOut: ['25'] },
  },
  otherwise: { approved: ['00', '0000'], timedOut: ['58'] },
};

describe('classifyOutcome', () => {
  it('HTTP ≥ 400 is failed whatever the code; a time-out code is failed; a non-approval code is declined', () => {
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', 200, '00'), 'approved');
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', 200, '55'), 'declined');
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', 200, '10'), 'declined');
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', 200, '58'), 'failed');
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', 504, null), 'failed');
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', 401, '00'), 'failed');
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', 200, null), 'approved');
    // Per operation: 66 is "bill in process" for 1Bill, a decline elsewhere; 25 a 1Bill time-out.
    assert.equal(classifyOutcome(RULES, 'billPayment', 200, '66'), 'approved');
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', 200, '66'), 'declined');
    assert.equal(classifyOutcome(RULES, 'billPayment', 200, '25'), 'failed');
    // Operations not listed: the fallback rule (1QR's 0000 approves).
    assert.equal(classifyOutcome(RULES, 'getQRCode', 200, '0000'), 'approved');
    assert.equal(classifyOutcome(RULES, null, 200, '95'), 'declined');
    // A status that is not a number cannot be called approved.
    assert.equal(classifyOutcome(RULES, 'ibftTitleFetch', Number.NaN, '00'), 'failed');
    // An inherited property name is no operation.
    assert.equal(classifyOutcome(RULES, 'constructor', 200, '00'), 'approved');
    assert.equal(classifyOutcome(DEFAULT_OUTCOME_RULES, 'x', 200, '0000'), 'approved');
  });
});

for (const engine of testEngines()) {
  describe(`usage outcomes (${engine.name})`, () => {
    let database: TestDatabase<GatewayTables>;
    let writer: UsageWriter;
    let service: UsageService;
    before(async () => {
      database = await engine.open<GatewayTables>();
      await migrateToLatest(database.db, [migrations]);
      writer = new UsageWriter(database.db, database.dialect, RULES);
      service = new UsageService(database.db);
    });
    after(() => database.cleanup());

    const outcomeOf = async (requestId: string) =>
      (
        await database.db
          .selectFrom('gateway_usage')
          .select('outcome')
          .where('request_id', '=', requestId)
          .executeTakeFirstOrThrow()
      ).outcome;

    it('the writer records each row’s outcome; usage, time series and the request log count the three', async () => {
      const calls: Array<[number, string | null]> = [
        [200, '00'],
        [200, '00'],
        [200, '55'],
        [200, '10'],
        [200, '58'],
        [401, null],
      ];
      await writer.write(
        calls.map(([status, networkCode], i) =>
          usageRecord(i, {
            appId: 'app_w',
            orgId: 'org_w',
            requestId: `w-${i}`,
            status,
            networkCode,
            errorCode: status >= 400 ? 'gateway_unauthorized' : null,
            bodiesSkipped: false,
            requestBody: { i },
            responseBody: { ResponseCode: networkCode },
          }),
        ),
      );
      assert.deepEqual(await Promise.all(calls.map((_, i) => outcomeOf(`w-${i}`))), [
        'approved',
        'approved',
        'declined',
        'declined',
        'failed',
        'failed',
      ]);
      const from = 1_800_000_000_000 - 1;
      const to = 1_800_000_000_000 + 100;
      const u = await service.getAppUsage('app_w', from, to);
      assert.deepEqual(
        { calls: u.calls, approved: u.approved, declined: u.declined, failed: u.failed, errors: u.errors },
        { calls: 6, approved: 2, declined: 2, failed: 2, errors: 2 },
      );
      assert.deepEqual(u.declines.map((d) => [d.operationId, d.networkCode, d.calls]).sort(), [
        ['ibftTitleFetch', '10', 1],
        ['ibftTitleFetch', '55', 1],
      ]);
      const points = await service.getUsageTimeseries('org_w', {
        appId: 'app_w',
        fromMs: from,
        toMs: to,
        bucket: 'hour',
      });
      assert.deepEqual(
        points.map((p) => [p.calls, p.approved, p.declined, p.failed, p.errors]),
        [[6, 2, 2, 2, 2]],
      );
      const declined = await service.listRequestLogs('org_w', { outcome: 'declined' });
      assert.deepEqual(declined.items.map((i) => i.networkCode).sort(), ['10', '55']);
      assert.ok(declined.items.every((i) => i.outcome === 'declined' && i.status === 200));
      const by55 = await service.listRequestLogs('org_w', { networkCode: '55' });
      assert.deepEqual(
        by55.items.map((i) => i.networkCode),
        ['55'],
      );
      const failed = await service.listRequestLogs('org_w', { outcome: 'failed' });
      assert.equal(failed.items.length, 2);
      const approved = await service.listRequestLogs('org_w', { outcome: 'approved' });
      assert.equal(approved.items.length, 2);
      // Today's status filter keeps its meaning (HTTP status only).
      const errors = await service.listRequestLogs('org_w', { status: 'error' });
      assert.equal(errors.items.length, 1);
      const success = await service.listRequestLogs('org_w', { status: 'success' });
      assert.equal(success.items.length, 5);
    });

    it('a reduced row (its bodies refused) still gets its outcome', async () => {
      await writer.write([
        usageRecord(0, {
          requestId: 'reduced-1',
          networkCode: '55',
          bodiesSkipped: false,
          droppedReason: 'the bodies could not be handed over',
        }),
      ]);
      assert.equal(await outcomeOf('reduced-1'), 'declined');
    });

    it('back-fills rows written before the column, in batches, resumably; reads count them before that', async () => {
      const codes = ['00', '55', '58', '10', null];
      await writer.write(
        Array.from({ length: 53 }, (_, i) =>
          usageRecord(i, {
            orgId: 'org_b',
            appId: 'app_b',
            requestId: `b-${i}`,
            status: i % 7 === 0 ? 500 : 200,
            networkCode: codes[i % codes.length],
          }),
        ),
      );
      // As a row written before the migration: no outcome.
      await database.db
        .updateTable('gateway_usage')
        .set({ outcome: null })
        .where('org_id', '=', 'org_b')
        .execute();
      const from = 1_800_000_000_000 - 1;
      const to = 1_800_000_000_000 + 100;
      // Not back-filled yet: the request log reads them as before outcomes existed (status ≥ 400
      // failed, else approved). (Usage figures come from the rollups, which the writer filled with
      // each row's outcome; rows older than the rollups reach them through their own back-fill.)
      assert.equal(
        (await service.listRequestLogs('org_b', { outcome: 'failed', limit: 200 })).items.length,
        8,
      );

      // Stopped after the first batch, then resumed: each batch is its own short statements.
      let batches = 0;
      const first = await service.backfillOutcomes(RULES, {
        batchSize: 10,
        shouldStop: () => batches++ >= 1,
      });
      assert.equal(first, 10);
      const rest = await service.backfillOutcomes(RULES, { batchSize: 10 });
      assert.ok(rest >= 43, `${rest}`); // and any other row without an outcome
      const left = await database.db
        .selectFrom('gateway_usage')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('outcome', 'is', null)
        .executeTakeFirstOrThrow();
      assert.equal(Number(left.n), 0);
      const rows = await database.db
        .selectFrom('gateway_usage')
        .select(['request_id', 'status', 'network_code', 'outcome', 'operation_id'])
        .where('org_id', '=', 'org_b')
        .execute();
      for (const r of rows) {
        assert.equal(r.outcome, classifyOutcome(RULES, r.operation_id, Number(r.status), r.network_code));
      }
      const after = await service.getAppUsage('app_b', from, to);
      assert.equal(after.calls, 53);
      assert.equal(after.approved + after.declined + after.failed, 53);
      assert.ok(after.declined > 0);
      // Running it again finds nothing to do.
      assert.equal(await service.backfillOutcomes(RULES, { batchSize: 10 }), 0);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest } from '../../../platform/db/migrator.ts';
import { type TestDatabase, testEngines } from '../../../platform/testing.ts';
import { migrations } from '../migrations.ts';
import type { GatewayTables } from '../tables.ts';
import { usageIdOf, usageRecord } from '../testing.ts';
import { UsageService } from '../usage-service.ts';
import { UsageWriter } from '../usage-writer.ts';
import type { Analytics } from './analytics.ts';

/**
 * The analytics over the rollups against the raw rows, on both engines: every count equals a
 * direct SQL count over the raw rows of the window (totals, outcomes, 429s, shed, by status, by
 * network code, by operation, top apps, the series); p50 / p99 within the histogram's factor 1.16
 * of the exact percentile; distinct end users within 3 standard errors of the exact count over the
 * hours the window touches. Read with the minute rollups kept, and again after they are pruned
 * (those minutes are then summed from the raw rows in the same statement).
 */
const N = 2400;

for (const engine of testEngines()) {
  describe(`analytics against the raw rows (${engine.name})`, () => {
    let database: TestDatabase<GatewayTables>;
    const nowMs = Date.now();
    before(async () => {
      database = await engine.open<GatewayTables>();
      await migrateToLatest(database.db, [migrations]);
      const writer = new UsageWriter(database.db, database.dialect);
      const records = Array.from({ length: N }, (_, i) => {
        const status = i % 31 === 0 ? 429 : i % 37 === 0 ? 503 : i % 41 === 0 ? 500 : 200;
        return usageRecord(i, {
          id: usageIdOf(nowMs - ((i * 39_119) % (26 * 3_600_000)) - 1, 'ar', i),
          requestId: `ar-${i}`,
          // Spread over the last ~26 hours, unaligned to any minute.
          atMs: nowMs - ((i * 39_119) % (26 * 3_600_000)) - 1,
          orgId: i % 3 === 0 ? 'org_b' : 'org_a',
          appId: i % 3 === 0 ? 'app_b' : i % 2 ? 'app_a1' : 'app_a2',
          operationId: i % 5 === 0 ? 'ibftTransfer' : i % 5 === 1 ? 'billPayment' : 'ibftTitleFetch',
          status,
          errorCode: status === 503 ? 'gateway_overloaded' : status === 429 ? 'rate_limited' : null,
          networkCode: status !== 200 ? null : i % 7 === 0 ? '55' : i % 11 === 0 ? '51' : '00',
          latencyUs: 400 + ((i * 7919) % 3000) * ((i % 13) + 1) * 7,
          endUserHash: `eu-${(i * 17) % 900}`,
        });
      });
      for (let i = 0; i < N; i += 500) await writer.write(records.slice(i, i + 500));
    });
    after(() => database.cleanup());

    const raw = async (where: string, a: Analytics, extra = '') =>
      (
        await sql
          .raw<Record<string, string | number>>(
            `select ${extra} count(*) as n, sum(case when outcome = 'declined' then 1 else 0 end) as declined,
              sum(case when outcome = 'failed' then 1 else 0 end) as failed, sum(case when status = 429 then 1 else 0 end) as c429,
              sum(case when error_code = 'gateway_overloaded' then 1 else 0 end) as shed
             from gateway_usage where at >= '${a.from}' and at < '${a.to}' and ${where}${extra ? ` group by ${extra.replace(/,\s*$/, '')}` : ''}`,
          )
          .execute(database.db)
      ).rows;

    async function check(service: UsageService, scope: { orgId?: string; appId?: string }) {
      const where = [
        ...(scope.orgId ? [`org_id = '${scope.orgId}'`] : []),
        ...(scope.appId ? [`app_id = '${scope.appId}'`] : []),
        '1 = 1',
      ].join(' and ');
      for (const window of ['1h', '24h', '7d', '30d'] as const) {
        const a = await service.getAnalytics({ window, nowMs, ...scope });
        const [t] = await raw(where, a);
        const what = `${window} ${JSON.stringify(scope)}`;
        assert.ok(Number(t.n) > 0, what);
        assert.equal(a.totals.calls, Number(t.n), what);
        assert.equal(a.totals.declined, Number(t.declined), what);
        assert.equal(a.totals.failed, Number(t.failed), what);
        assert.equal(a.totals.http429, Number(t.c429), what);
        assert.equal(a.totals.shed, Number(t.shed), what);
        assert.equal(a.totals.approved, Number(t.n) - Number(t.declined) - Number(t.failed), what);
        assert.equal(
          a.series.reduce((s, p) => s + p.calls, 0),
          a.totals.calls,
          `${what}: the series adds up`,
        );
        const byStatus = new Map(
          (await raw(`${where} and status >= 400`, a, 'status,')).map((r) => [Number(r.status), Number(r.n)]),
        );
        assert.deepEqual(new Map(a.byStatus.map((s) => [s.status, s.calls])), byStatus, what);
        const byCode = new Map(
          (await raw(`${where} and network_code is not null`, a, 'network_code,')).map((r) => [
            String(r.network_code),
            Number(r.n),
          ]),
        );
        assert.deepEqual(new Map(a.byNetworkCode.map((s) => [s.networkCode, s.calls])), byCode, what);
        const byOp = new Map(
          (await raw(where, a, 'operation_id,')).map((r) => [String(r.operation_id), Number(r.n)]),
        );
        assert.deepEqual(new Map(a.byOperation.map((s) => [s.operationId, s.calls])), byOp, what);
        if (!scope.appId) {
          // The ten apps with the most calls, exactly (ties in any order).
          const apps = (await raw(where, a, 'app_id,'))
            .map((r) => [String(r.app_id), Number(r.n)] as const)
            .sort((x, y) => y[1] - x[1]);
          assert.deepEqual(
            a.topApps.map((t) => t.calls),
            apps.slice(0, 10).map((x) => x[1]),
            what,
          );
          const counts = new Map(apps);
          for (const t of a.topApps) assert.equal(t.calls, counts.get(t.appId), what);
        }
        // Percentiles: within the histogram's factor of the exact ones.
        const lat = (
          await sql
            .raw<{ l: number }>(
              `select latency_us as l from gateway_usage where at >= '${a.from}' and at < '${a.to}' and ${where} order by latency_us`,
            )
            .execute(database.db)
        ).rows.map((r) => Number(r.l) / 1000);
        for (const [q, got] of [
          [0.5, a.totals.p50Ms],
          [0.99, a.totals.p99Ms],
        ] as const) {
          const truth = lat[Math.max(1, Math.ceil(q * lat.length)) - 1];
          assert.ok(
            got !== null && got / truth <= 1.17 && truth / got <= 1.17,
            `${what} q=${q} ${got} vs ${truth}`,
          );
        }
        // Distinct end users over the hours (7 d: days) the window touches, within 3 sigma.
        const step = window === '7d' || window === '30d' ? 86_400_000 : 3_600_000;
        const from = new Date(Math.floor(Date.parse(a.from) / step) * step).toISOString();
        const to = new Date(Math.ceil(Date.parse(a.to) / step) * step).toISOString();
        const users = Number(
          (
            await sql
              .raw<{ n: number }>(
                `select count(distinct end_user_hash) as n from gateway_usage where at >= '${from}' and at < '${to}' and ${where}`,
              )
              .execute(database.db)
          ).rows[0].n,
        );
        assert.ok(Math.abs(a.totals.distinctEndUsers - users) <= Math.max(1, users * 0.048), `${what} users`);
      }
    }

    it('every count equals the raw rows; percentiles and distinct users within their errors', async () => {
      const service = new UsageService(database.db);
      await check(service, {});
      await check(service, { orgId: 'org_a' });
      await check(service, { orgId: 'org_a', appId: 'app_a1' });
    });

    it('a window starts on the minute (1 h, 24 h) or the hour (7 d, 30 d) before now minus its length', async () => {
      const service = new UsageService(database.db);
      for (const [window, length, step] of [
        ['1h', 3_600_000, 60_000],
        ['24h', 86_400_000, 60_000],
        ['7d', 7 * 86_400_000, 3_600_000],
        ['30d', 30 * 86_400_000, 3_600_000],
      ] as const) {
        const a = await service.getAnalytics({ window, nowMs });
        const from = Date.parse(a.from);
        const span = Date.parse(a.to) - from;
        assert.equal(from % step, 0, window);
        assert.ok(span > length && span <= length + step, `${window}: ${span}`);
      }
    });

    it('top-N lists are exact when most groups are outside the candidates (threshold read)', async () => {
      // 45 more apps of org_c, app k with k + 1 calls in the last hour (and some two days ago).
      const writer = new UsageWriter(database.db, database.dialect);
      const extra = [];
      for (let k = 0; k < 45; k++) {
        for (let j = 0; j <= k; j++) {
          extra.push(
            usageRecord(10_000 + k * 100 + j, {
              id: usageIdOf(nowMs - 60_000 * (1 + (j % 50)) - j, 'at', k * 100 + j),
              atMs: nowMs - 60_000 * (1 + (j % 50)) - j,
              orgId: 'org_c',
              appId: `app_c${k}`,
            }),
            // Outside the 24 h window but inside its whole days: only the superset counts these.
            usageRecord(20_000 + k * 100 + j, {
              id: usageIdOf(nowMs - 86_400_000 - 3_600_000 * ((j % 20) + 1) - 1, 'au', k * 100 + j),
              atMs: nowMs - 86_400_000 - 3_600_000 * ((j % 20) + 1) - 1,
              orgId: 'org_c',
              appId: `app_c${44 - k}`,
            }),
          );
        }
      }
      for (let i = 0; i < extra.length; i += 500) await writer.write(extra.slice(i, i + 500));
      const service = new UsageService(database.db);
      for (const [window, orgId] of [
        ['24h', 'org_c'],
        ['24h', undefined],
        ['1h', undefined],
      ] as const) {
        const a = await service.getAnalytics({ window, nowMs, orgId });
        const where = orgId ? `org_id = '${orgId}'` : '1 = 1';
        const want = (await raw(where, a, 'app_id,'))
          .map((r) => [String(r.app_id), Number(r.n)] as const)
          .sort((x, y) => y[1] - x[1])
          .slice(0, 10);
        assert.deepEqual(
          a.topApps.map((t) => t.calls),
          want.map((w) => w[1]),
          `${window} ${orgId}`,
        );
        const byApp = new Map(want);
        for (const t of a.topApps) if (byApp.has(t.appId)) assert.equal(t.calls, byApp.get(t.appId));
        const orgs = (await raw(where, a, 'org_id,'))
          .map((r) => Number(r.n))
          .sort((x, y) => y - x)
          .slice(0, 10);
        if (!orgId)
          assert.deepEqual(
            a.topOrganizations.map((t) => t.calls),
            orgs,
          );
      }
    });

    it('the same once the minute rollups are pruned (those minutes summed from the raw rows)', async () => {
      const service = new UsageService(database.db);
      // Minutes older than ~14 minutes go: the 1 h window's older minutes are read raw.
      await service.pruneUsage({ rawDays: 0, minuteDays: 0.01, hourDays: 400 }, nowMs);
      const left = await database.db
        .selectFrom('gateway_usage_rollups')
        .where('grain', '=', 'm')
        .select(sql<number>`count(*)`.as('n'))
        .executeTakeFirstOrThrow();
      assert.ok(Number(left.n) > 0, 'the newest minutes are kept');
      await check(service, {});
      await check(service, { orgId: 'org_a', appId: 'app_a1' });
    });
  });
}

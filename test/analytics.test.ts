import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { usageIdOf, usageRecord } from '../src/modules/gateway/testing.ts';
import { UsageWriter } from '../src/modules/gateway/usage-writer.ts';
import { type AppsWorld, appsWorld, call } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * Issue 31: getOperatorAnalytics, exportOperatorAnalytics (operators only) and
 * getOrganizationAnalytics (the organisation's members and operators) over the rollups; counts
 * agree exactly with a count over the raw rows; another organisation sees nothing of it.
 */
for (const engine of engines()) {
  describe(`analytics (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      const now = sys.clock.nowMs();
      const writer = new UsageWriter(sys.database.db as never, sys.database.dialect);
      // 200 calls of org A's two apps and 50 of org B's over the last 30 hours.
      await writer.write(
        Array.from({ length: 250 }, (_, i) =>
          usageRecord(i, {
            id: usageIdOf(now - ((i * 431_000) % (30 * 3_600_000)) - 1, 'an', i),
            requestId: `an-${i}`,
            atMs: now - ((i * 431_000) % (30 * 3_600_000)) - 1,
            orgId: i < 200 ? w.orgA : w.orgB,
            appId: i < 200 ? (i % 3 ? 'app_a1' : 'app_a2') : 'app_b1',
            status: i % 23 === 0 ? 429 : i % 19 === 0 ? 503 : 200,
            errorCode: i % 23 === 0 ? 'rate_limited' : i % 19 === 0 ? 'gateway_overloaded' : null,
            networkCode: i % 23 === 0 || i % 19 === 0 ? null : i % 7 === 0 ? '55' : '00',
            latencyUs: 1000 + ((i * 997) % 50_000),
            endUserHash: `eu-${i % 40}`,
          }),
        ),
      );
    });
    after(() => sys.cleanup());

    const rawCount = async (where: string, fromIso: string, toIso: string) =>
      Number(
        (
          await sql<{
            n: number;
          }>`select count(*) as n from gateway_usage where at >= ${fromIso} and at < ${toIso} and ${sql.raw(where)}`.execute(
            sys.database.db,
          )
        ).rows[0].n,
      );

    it('the operator sees the whole gateway, exactly as the raw rows count it', async () => {
      const r = await call(sys, w.operator, 'GET', '/api/v1/admin/analytics?window=24h');
      assert.equal(r.status, 200, r.raw);
      const a = r.body;
      assert.equal(a.totals.calls, await rawCount('1=1', a.from, a.to));
      assert.equal(a.totals.http429, await rawCount('status = 429', a.from, a.to));
      assert.equal(a.totals.shed, await rawCount(`error_code = 'gateway_overloaded'`, a.from, a.to));
      assert.equal(a.totals.declined, await rawCount(`outcome = 'declined'`, a.from, a.to));
      assert.equal(a.totals.approved + a.totals.declined + a.totals.failed, a.totals.calls);
      assert.equal(
        a.series.reduce((n: number, p: { calls: number }) => n + p.calls, 0),
        a.totals.calls,
      );
      assert.deepEqual(
        a.topOrganizations.map((o: { orgId: string }) => o.orgId),
        [w.orgA, w.orgB],
      );
      assert.ok(a.byStatus.some((s: { status: number }) => s.status === 429));
      assert.ok(a.byNetworkCode.some((s: { networkCode: string }) => s.networkCode === '55'));
      assert.ok(a.totals.p50Ms > 0 && a.totals.p99Ms >= a.totals.p50Ms);
      assert.equal(a.totals.distinctEndUsers, 40);
      const month = (await call(sys, w.operator, 'GET', '/api/v1/admin/analytics?window=30d')).body;
      assert.equal(month.totals.calls, 250);

      const drill = (
        await call(sys, w.operator, 'GET', `/api/v1/admin/analytics?window=30d&orgId=${w.orgA}&appId=app_a2`)
      ).body;
      assert.equal(drill.totals.calls, await rawCount(`app_id = 'app_a2'`, drill.from, drill.to));
      const csv = await call(sys, w.operator, 'GET', '/api/v1/admin/analytics.csv?window=30d');
      assert.equal(csv.status, 200);
      assert.match(String(csv.headers['content-type']), /text\/csv/);
      assert.match(csv.raw, /total,.*,250,/);
    });

    it('an organisation sees only its own traffic; members only; the operator routes are operators only', async () => {
      const a = await call(sys, w.ownerA, 'GET', `/api/v1/orgs/${w.orgA}/analytics?window=30d`);
      assert.equal(a.status, 200, a.raw);
      assert.equal(a.body.totals.calls, 200);
      assert.deepEqual(a.body.topOrganizations, []);
      assert.deepEqual(a.body.topApps.map((x: { appId: string }) => x.appId).sort(), ['app_a1', 'app_a2']);
      // Another organisation's app named in the query: nothing of it.
      const other = await call(
        sys,
        w.ownerA,
        'GET',
        `/api/v1/orgs/${w.orgA}/analytics?window=30d&appId=app_b1`,
      );
      assert.equal(other.body.totals.calls, 0);
      assert.equal((await call(sys, w.ownerB, 'GET', `/api/v1/orgs/${w.orgA}/analytics`)).status, 404);
      assert.equal((await call(sys, w.operator, 'GET', `/api/v1/orgs/${w.orgA}/analytics`)).status, 200);
      assert.equal((await call(sys, w.ownerA, 'GET', '/api/v1/admin/analytics')).status, 403);
      assert.equal((await call(sys, w.ownerA, 'GET', '/api/v1/admin/analytics.csv')).status, 403);
      assert.equal((await call(sys, null, 'GET', '/api/v1/admin/analytics')).status, 401);
      assert.equal((await call(sys, w.operator, 'GET', '/api/v1/admin/analytics?window=2y')).status, 400);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { migrateToLatest } from '../../../platform/db/migrator.ts';
import { type TestDatabase, testEngines } from '../../../platform/testing.ts';
import { migrations } from '../migrations.ts';
import type { GatewayTables } from '../tables.ts';
import { usageIdOf, usageRecord } from '../testing.ts';
import { type UsageRecord, UsageWriter } from '../usage-writer.ts';
import { type ReadQuery, RollupReader } from './rollup-reader.ts';

/**
 * The operator's top apps read organisation by organisation (RollupReader.topWithin), on both
 * engines, against a count over the raw rows: on skewed traffic it stops after the first
 * organisations (one read); on flat traffic — every organisation's bound above the apps found —
 * it gives up after MAX_ORGS organisations and ranks every app, still exactly.
 */
const HOUR = 3_600_000;
const T = Date.UTC(2026, 10, 2, 10);
const SKEWED = { fromMs: T, toMs: T + HOUR };
const FLAT = { fromMs: T + 2 * HOUR, toMs: T + 3 * HOUR };

function records(): UsageRecord[] {
  const out: UsageRecord[] = [];
  const add = (atMs: number, orgId: string, appId: string, n: number) => {
    for (let j = 0; j < n; j++) {
      const i = out.length;
      out.push(
        usageRecord(i, { id: usageIdOf(atMs + j * 997, 'tw', i), atMs: atMs + j * 997, orgId, appId }),
      );
    }
  };
  // Skewed: three large organisations, then 30 small ones of one or two calls per app.
  for (const [app, n] of [
    ['a0', 50],
    ['a1', 40],
  ] as const)
    add(SKEWED.fromMs + 1, 'org_big', app, n);
  for (const [app, n] of [
    ['b0', 30],
    ['b1', 25],
  ] as const)
    add(SKEWED.fromMs + 2, 'org_mid', app, n);
  // Third by its bound (45 < 55) but with the second-largest app: found only by a second read.
  add(SKEWED.fromMs + 3, 'org_one', 'c0', 45);
  for (let k = 0; k < 30; k++) add(SKEWED.fromMs + 3 + k, `org_s${k}`, `s${k}`, 1 + (k % 2));
  // Flat: 70 organisations of 10 apps, 1-4 calls each; one app of org_f37 has 9.
  for (let k = 0; k < 70; k++)
    for (let j = 0; j < 10; j++)
      add(
        FLAT.fromMs + 5 + k,
        `org_f${k}`,
        `f${k}_${j}`,
        k === 37 && j === 0 ? 9 : 1 + ((k * 7 + j * 3) % 4),
      );
  return out;
}

for (const engine of testEngines()) {
  describe(`top apps across organisations (${engine.name})`, () => {
    let database: TestDatabase<GatewayTables>;
    before(async () => {
      database = await engine.open<GatewayTables>();
      await migrateToLatest(database.db, [migrations]);
      const writer = new UsageWriter(database.db, database.dialect);
      const all = records();
      for (let i = 0; i < all.length; i += 500) await writer.write(all.slice(i, i + 500));
    });
    after(() => database.cleanup());

    /** The reader's top `n` apps, and how many reads named organisations. */
    async function topApps(range: { fromMs: number; toMs: number }, n: number) {
      const reader = new RollupReader(database.db);
      const orgs = await reader.rank(
        { scope: 'org_t', appId: '*', ...range, by: ['org_id'], light: true, key: 'org_id' },
        n,
      );
      const read = reader.read.bind(reader);
      let byOrg = 0;
      let everyApp = 0;
      reader.read = (q: ReadQuery) => {
        if (q.only?.field === 'org_id') byOrg++;
        if (q.scope === 'app_t' && q.only === undefined) everyApp++;
        return read(q);
      };
      const top = await reader.topWithin({ ...range, light: true }, n, orgs.wide);
      return { top, byOrg, everyApp };
    }

    async function rawTop(range: { fromMs: number; toMs: number }) {
      const rows = await sql<{ app_id: string; n: number }>`select app_id, count(*) as n from gateway_usage
        where at >= ${new Date(range.fromMs).toISOString()} and at < ${new Date(range.toMs).toISOString()}
        group by app_id`.execute(database.db);
      return new Map(rows.rows.map((r) => [r.app_id, Number(r.n)]));
    }

    it('on skewed traffic: exact after reading the largest organisations', async () => {
      const got = await topApps(SKEWED, 3);
      assert.deepEqual(
        got.top.map((g) => [g.app_id, g.calls]),
        [
          ['a0', 50],
          ['c0', 45],
          ['a1', 40],
        ],
      );
      // org_big and org_mid first (third-best found 30 < org_one's 45), then the next four.
      assert.equal(got.byOrg, 2, 'the largest organisations bound all the others');
      assert.equal(got.everyApp, 0);
      const ten = await topApps(SKEWED, 10);
      const raw = await rawTop(SKEWED);
      const want = [...raw.values()].sort((a, b) => b - a).slice(0, 10);
      assert.deepEqual(
        ten.top.map((g) => g.calls),
        want,
      );
      for (const g of ten.top) assert.equal(g.calls, raw.get(String(g.app_id)));
    });

    it('on flat traffic: ranks every app after MAX_ORGS organisations, still exact', async () => {
      const got = await topApps(FLAT, 10);
      const raw = await rawTop(FLAT);
      const want = [...raw.values()].sort((a, b) => b - a).slice(0, 10);
      assert.equal(want[0], 9);
      assert.deepEqual(
        got.top.map((g) => g.calls),
        want,
      );
      for (const g of got.top) assert.equal(g.calls, raw.get(String(g.app_id)));
      assert.equal(got.byOrg > 1, true, 'organisations were read in growing groups first');
      assert.equal(got.everyApp > 0, true, 'then every app');
    });
  });
}

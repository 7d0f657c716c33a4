/**
 * npm run bench:analytics [-- --rows N] (default 10 000 000; not in CI): issue 31's measurement.
 * On SQLite (and PostgreSQL when DATABASE_URL is set) it generates a month of skewed traffic —
 * the largest organisation > 50 % of the rows, one of its apps > 20 %, the rest over 200
 * organisations and 2 000 apps; ~2 % 429s, ~0.5 % shed, ~2 % other errors, ~8 % declines — as raw
 * rows (multi-row INSERTs) and rollups (aggregate SQL after the raw insert; sketches only for the
 * scopes the queries read: the gateway, the organisations, the heaviest app), then prints the p95
 * of 20 warm runs of every analytics, usage and request-log query (drill-downs on the heaviest
 * organisation and app), and the usage writer's throughput with rollups (one writer; two on
 * PostgreSQL) against the gateway's measured peak (docs/performance.md).
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { migrations } from '../src/modules/gateway/migrations.ts';
import { bucketBounds, LATENCY_COLUMNS } from '../src/modules/gateway/rollups/histogram.ts';
import { Hll } from '../src/modules/gateway/rollups/hll.ts';
import type { GatewayTables } from '../src/modules/gateway/tables.ts';
import { usageRecord } from '../src/modules/gateway/testing.ts';
import { UsageService } from '../src/modules/gateway/usage-service.ts';
import { USAGE_COLUMNS } from '../src/modules/gateway/usage-store.ts';
import { UsageWriter } from '../src/modules/gateway/usage-writer.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { testEngines } from '../src/platform/testing.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const ROWS = arg('rows', 10_000_000);
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const MONTH = 30 * 86_400_000;
const OPS = ['ibftTitleFetch', 'ibftTransfer', 'billInquiry', 'billPayment', 'qrParse', 'rtpRequest'];

let seed = 42;
const rnd = () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

/** Row i's values in USAGE_COLUMNS order. */
function rowValues(i: number): unknown[] {
  const r = rnd();
  let org: string;
  let app: string;
  if (r < 0.52) {
    org = 'org_big';
    app = r < 0.22 ? 'app_big' : `app_big${Math.floor(rnd() * 9)}`;
  } else {
    const o = Math.floor(rnd() ** 2 * 200);
    org = `org_${o}`;
    app = `app_${o}_${Math.floor(rnd() * 10)}`;
  }
  const x = rnd();
  const status = x < 0.02 ? 429 : x < 0.025 ? 503 : x < 0.035 ? 500 : x < 0.045 ? 400 : 200;
  const code = status !== 200 ? null : x < 0.125 ? (x < 0.09 ? '55' : '51') : '00';
  const outcome = status >= 400 ? 'failed' : code === '00' ? 'approved' : 'declined';
  const at = new Date(NOW - Math.floor(rnd() * MONTH)).toISOString();
  const op = OPS[Math.floor(rnd() * rnd() * OPS.length)];
  return [
    `use_${String(i).padStart(26, '0')}`,
    at,
    org,
    app,
    'ibft',
    op,
    'sandbox',
    'POST',
    '/darwaza/sandbox/path-1',
    status,
    status === 503 ? 'gateway_overloaded' : status === 429 ? 'rate_limited' : null,
    code,
    Math.floor(800 + rnd() ** 3 * 400_000),
    '10.0.0.1',
    `eu${Math.floor(rnd() * 50_000)}`,
    `req-${i}`,
    900,
    500,
    0,
    0,
    outcome,
  ];
}

function p95(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(0.95 * s.length) - 1];
}

async function timeIt(fn: () => Promise<unknown>): Promise<number> {
  await fn(); // warm
  const xs: number[] = [];
  for (let i = 0; i < 20; i++) {
    const t = performance.now();
    await fn();
    xs.push(performance.now() - t);
  }
  return p95(xs);
}

/** Rollups of every grain and scope by aggregate SQL over the raw rows. */
async function rollupBySql(db: import('kysely').Kysely<GatewayTables>, pg: boolean) {
  const hist = LATENCY_COLUMNS.map((c, k) => {
    const [lo, hi] = bucketBounds(k);
    const cond = Number.isFinite(hi) ? `latency_us >= ${lo} and latency_us < ${hi}` : `latency_us >= ${lo}`;
    return `sum(case when ${k === 0 ? 'latency_us < 250' : cond} then 1 else 0 end) as ${c}`;
  }).join(', ');
  const sums = `count(*) as calls, sum(case when outcome='approved' then 1 else 0 end) as approved,
    sum(case when outcome='declined' then 1 else 0 end) as declined, sum(case when outcome='failed' then 1 else 0 end) as failed,
    sum(case when status=429 then 1 else 0 end) as c429, sum(case when error_code='gateway_overloaded' then 1 else 0 end) as shed,
    sum(latency_us) as lat_sum, max(latency_us) as lat_max, ${hist}`;
  const cols = `calls, approved, declined, failed, c429, shed, lat_sum, lat_max, ${LATENCY_COLUMNS.join(', ')}`;
  for (const [grain, len] of [
    ['m', 16],
    ['h', 13],
    ['d', 10],
  ] as const) {
    const b = `substr(at, 1, ${len})`;
    const scopes: Array<[string, string, string, boolean]> = [
      ['app', 'org_id', 'app_id', true],
      ['org', 'org_id', `'*'`, true],
      ['all', `'*'`, `'*'`, true],
      ['app_t', 'org_id', 'app_id', false],
      ['org_t', 'org_id', `'*'`, false],
    ];
    for (const [scope, o, a, detail] of scopes) {
      const dims = detail ? `coalesce(operation_id, ''), status, coalesce(network_code, '')` : `'*', 0, '*'`;
      const group = [b, o, a, ...(detail ? ['operation_id', 'status', 'network_code'] : [])]
        .filter((x) => !x.startsWith("'"))
        .join(', ');
      await sql
        .raw(
          `insert into gateway_usage_rollups (grain, scope, bucket, org_id, app_id, operation_id, status, network_code, ${cols})
           select '${grain}', '${scope}', ${b}, ${o}, ${a}, ${dims}, ${sums} from gateway_usage group by ${group}`,
        )
        .execute(db);
    }
  }
  void pg;
  // Sketches for the scopes the queries read (a random register fill stands in for real users).
  const keys = await sql<{
    b: string;
    org_id: string;
  }>`select distinct substr(at, 1, 13) as b, org_id from gateway_usage`.execute(db);
  const sk = (grain: string, bucket: string, org: string, app: string) => {
    const h = new Hll();
    for (let i = 0; i < 300; i++) h.add(`${bucket}${org}${app}${i}`);
    return { grain, bucket, org_id: org, app_id: app, users: h.toText() };
  };
  const rows = new Map<string, ReturnType<typeof sk>>();
  for (const k of keys.rows) {
    for (const [g, b] of [
      ['h', k.b],
      ['d', k.b.slice(0, 10)],
    ]) {
      for (const [o, a] of [
        [k.org_id, '*'],
        ['*', '*'],
        ...(k.org_id === 'org_big' ? [['org_big', 'app_big']] : []),
      ]) {
        const key = `${g}|${b}|${o}|${a}`;
        if (!rows.has(key)) rows.set(key, sk(g, b, o, a));
      }
    }
  }
  const all = [...rows.values()];
  for (let i = 0; i < all.length; i += 500) {
    await db
      .insertInto('gateway_usage_sketches')
      .values(all.slice(i, i + 500))
      .execute();
  }
}

async function writerThroughput(
  engine: ReturnType<typeof testEngines>[number],
  writers: number,
): Promise<number> {
  const database = await engine.open<GatewayTables>();
  try {
    await migrateToLatest(database.db, [migrations]);
    const N = 20_000;
    const t = performance.now();
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        const writer = new UsageWriter(database.db, database.dialect);
        for (let b = 0; b < N / writers / 500; b++) {
          await writer.write(
            Array.from({ length: 500 }, (_, i) => {
              const n = w * 1_000_000 + b * 500 + i;
              return usageRecord(n, {
                id: `use_w${w}${String(n).padStart(24, '0')}`,
                atMs: NOW - (n % 600) * 1000,
                orgId: `org_${n % 20}`,
                appId: `app_${n % 100}`,
                status: n % 50 === 0 ? 429 : 200,
                networkCode: n % 12 === 0 ? '55' : '00',
                endUserHash: `eu${n % 5000}`,
              });
            }),
          );
        }
      }),
    );
    return N / ((performance.now() - t) / 1000);
  } finally {
    await database.cleanup();
  }
}

for (const engine of testEngines()) {
  const database = await engine.open<GatewayTables>();
  const db = database.db;
  try {
    await migrateToLatest(db, [migrations]);
    // The request-log indexes are built after the bulk load (as a restore would).
    let t = performance.now();
    const width = USAGE_COLUMNS.length;
    const perInsert = 1000;
    const insertText = (n: number) => {
      let k = 0;
      const p = () => (database.dialect === 'postgres' ? `$${++k}` : '?');
      return `insert into gateway_usage (${USAGE_COLUMNS.join(', ')}) values ${Array.from({ length: n }, () => `(${USAGE_COLUMNS.map(p).join(', ')})`).join(', ')}`;
    };
    const full = insertText(perInsert);
    for (let i = 0; i < ROWS; ) {
      await db.transaction().execute(async (trx) => {
        for (let j = 0; j < 50 && i < ROWS; j++) {
          const n = Math.min(perInsert, ROWS - i);
          const values: unknown[] = [];
          for (let r = 0; r < n; r++) values.push(...rowValues(i + r));
          await trx.executeQuery({
            sql: n === perInsert ? full : insertText(n),
            parameters: values,
          } as never);
          i += n;
        }
      });
      if (i % 1_000_000 === 0) process.stderr.write(`${engine.name}: ${i} rows\n`);
    }
    void width;
    const rawS = (performance.now() - t) / 1000;
    t = performance.now();
    await rollupBySql(db, database.dialect === 'postgres');
    if (database.dialect === 'postgres') await sql`analyze`.execute(db);
    else await sql`analyze`.execute(db);
    const rollS = (performance.now() - t) / 1000;
    const count = async (where: string) =>
      Number(
        (
          await sql<{ n: number }>`select count(*) as n from gateway_usage where ${sql.raw(where)}`.execute(
            db,
          )
        ).rows[0].n,
      );
    console.log(
      `\n${engine.name}: ${ROWS} rows (org_big ${await count("org_id = 'org_big'")}, app_big ${await count("app_id = 'app_big'")}), raw insert ${rawS.toFixed(0)} s, rollups ${rollS.toFixed(0)} s`,
    );
    const usage = new UsageService(db);
    const nowMs = NOW;
    const q: Array<[string, () => Promise<unknown>]> = [];
    for (const window of ['1h', '24h', '7d', '30d'] as const) {
      q.push([`getOperatorAnalytics ${window}`, () => usage.getAnalytics({ window, nowMs })]);
    }
    q.push([
      'getOrganizationAnalytics 24h (org_big)',
      () => usage.getAnalytics({ window: '24h', orgId: 'org_big', nowMs }),
    ]);
    q.push([
      'getOrganizationAnalytics 30d (org_big)',
      () => usage.getAnalytics({ window: '30d', orgId: 'org_big', nowMs }),
    ]);
    q.push([
      'getOperatorAnalytics 30d app drill (app_big)',
      () => usage.getAnalytics({ window: '30d', orgId: 'org_big', appId: 'app_big', nowMs }),
    ]);
    q.push([
      'getAppUsage 30 days (app_big)',
      () => usage.getAppUsage('app_big', nowMs - MONTH + 12_345, nowMs, 'org_big'),
    ]);
    q.push([
      'getUsageTimeseries day 30 d (org_big)',
      () => usage.getUsageTimeseries('org_big', { fromMs: nowMs - MONTH + 777, toMs: nowMs, bucket: 'day' }),
    ]);
    q.push([
      'getUsageTimeseries hour 24 h (org_big)',
      () =>
        usage.getUsageTimeseries('org_big', {
          fromMs: nowMs - 86_400_000 + 777,
          toMs: nowMs,
          bucket: 'hour',
        }),
    ]);
    const first = await usage.listRequestLogs('org_big', {});
    q.push(['listRequestLogs first page (org_big)', () => usage.listRequestLogs('org_big', {})]);
    q.push([
      'listRequestLogs page 2 (org_big)',
      () => usage.listRequestLogs('org_big', { before: first.next! }),
    ]);
    q.push(['listRequestLogs status=error', () => usage.listRequestLogs('org_big', { status: 'error' })]);
    q.push(['listRequestLogs status=503', () => usage.listRequestLogs('org_big', { status: 503 })]);
    q.push([
      'listRequestLogs outcome=declined',
      () => usage.listRequestLogs('org_big', { outcome: 'declined' }),
    ]);
    q.push(['listRequestLogs appId=app_big', () => usage.listRequestLogs('org_big', { appId: 'app_big' })]);
    q.push([
      'listRequestLogs operationId=rtpRequest',
      () => usage.listRequestLogs('org_big', { operationId: 'rtpRequest' }),
    ]);
    q.push([
      'listRequestLogs q=55 (free text, excluded)',
      () => usage.listRequestLogs('org_big', { q: '55' }),
    ]);
    q.push(['exportOperatorAnalytics 30d (excluded)', () => usage.analyticsCsv({ window: '30d', nowMs })]);
    for (const [name, fn] of q) {
      const ms = await timeIt(fn);
      console.log(
        `  ${name.padEnd(48)} p95 ${ms.toFixed(1).padStart(8)} ms${ms < 100 || name.includes('excluded') ? '' : '  OVER 100 ms'}`,
      );
    }
  } finally {
    await database.cleanup();
  }
  const one = await writerThroughput(engine, 1);
  console.log(`  usage writer with rollups, 1 writer: ${one.toFixed(0)} rows/s`);
  if (engine.name === 'postgres') {
    const two = await writerThroughput(engine, 2);
    console.log(`  usage writer with rollups, 2 writers: ${two.toFixed(0)} rows/s`);
  }
  console.log('  gateway peak for comparison: ~21 000-25 000 req/s (docs/performance.md, item 28)');
}

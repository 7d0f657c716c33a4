/**
 * npm run bench:analytics [-- --rows N] [--engine sqlite|postgres] [--skip-writer] [--writer-only]
 * [--writer-rows N (default 40 000)] [--writer-batch N (default 500)] [--statements] [--keep]
 * [--reuse <location>]
 * (default 10 000 000 rows, both engines when DATABASE_URL is set; not in CI): issue 31's
 * measurement.
 *
 * 1. Generates a month of skewed traffic in SQL, set-based (PostgreSQL `generate_series`, SQLite a
 *    recursive CTE), 1 M rows a statement with progress on stderr, the request-log indexes dropped
 *    during the load and built after it (as a restore would): the largest organisation > 50 % of
 *    the rows, one of its apps > 20 %, the rest over 200 organisations and 2 000 apps; ~2 % 429s,
 *    ~0.5 % shed, ~2 % other errors, ~8 % declines. The pseudo-random fields are a hash of the row
 *    number, so both engines hold the same rows.
 * 2. Builds the rollups by aggregate SQL, as the writer would have left them under the default
 *    retention (minute rollups of the last 9 days — ROLLUP_MINUTE_RETENTION_DAYS is 8 —, hours and
 *    days of the month): the app-level rows from the raw rows, every other scope and grain from
 *    those. Sketches only for the scopes the queries read (synthetic fills: dense for the gateway
 *    and the largest organisation, sparse for the rest).
 * 3. Prints the p95 of 20 warm runs of every analytics, usage and request-log query (drill-downs
 *    on the heaviest organisation and app), and checks the operator's 30 d and 24 h totals against a
 *    direct count over the raw rows.
 * 4. Prints the usage writer's throughput with rollups (one writer; two on PostgreSQL) on traffic
 *    as it comes at the gateway's peak (time moving at 20 000 calls/s, the month's mix of apps)
 *    and on a worst case (every row of a batch in another app-minute), against the measured peak.
 *    Rows per transaction: `--writer-batch` (500, the recorder's chunk; the usage worker writes up
 *    to MAX_MERGED_ROWS (5 000 on SQLite, 20 000 on PostgreSQL) in one when chunks wait for it).
 *    `--statements`: for the one writer at the peak, its time by statement (Kysely's log,
 *    statement-log.ts) — the usage rows' INSERT, the rollup upserts, the sketches.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { migrations } from '../src/modules/gateway/migrations.ts';
import {
  BASE_US,
  FACTOR,
  LATENCY_BUCKETS,
  LATENCY_COLUMNS,
} from '../src/modules/gateway/rollups/histogram.ts';
import { Hll } from '../src/modules/gateway/rollups/hll.ts';
import type { GatewayTables } from '../src/modules/gateway/tables.ts';
import { usageRecord } from '../src/modules/gateway/testing.ts';
import { encodeBatch } from '../src/modules/gateway/usage-codec.ts';
import { UsageService } from '../src/modules/gateway/usage-service.ts';
import { MAX_MERGED_ROWS, WorkerUsageSink } from '../src/modules/gateway/usage-sink.ts';
import { USAGE_COLUMNS } from '../src/modules/gateway/usage-store.ts';
import { type UsageRecord, UsageWriter } from '../src/modules/gateway/usage-writer.ts';
import { openPostgres, openSqlite } from '../src/platform/db/database.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { idAtOrAfter } from '../src/platform/ids.ts';
import { type TestDatabase, type TestEngine, testEngines } from '../src/platform/testing.ts';
import { statementLog } from './statement-log.ts';

const arg = (name: string, def: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : def;
};
const flag = (name: string) => process.argv.includes(`--${name}`);
const ROWS = arg('rows', 10_000_000);
const ENGINE = (() => {
  const i = process.argv.indexOf('--engine');
  return i > 0 ? process.argv[i + 1] : undefined;
})();
const NOW = Date.UTC(2026, 11, 7, 12, 0, 0);
const MONTH = 30 * 86_400_000;
const START = NOW - MONTH;
const MINUTE_DAYS = 9;
/** The ids' base32 alphabet (Crockford's, ids.ts). */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
const OPS = ['ibftTitleFetch', 'ibftTransfer', 'billInquiry', 'billPayment', 'qrParse', 'rtpRequest'];
/**
 * The gateway's peak on this machine, measured in this run: one round of `darwaza bench`
 * (SQLite, memory state, the load generator on the same cores), its median req/s, or why it could
 * not be measured. The writer figures are compared with it, not with another machine's.
 */
let peak: { rps: number } | { why: string } | undefined;
function gatewayPeak(): { rps: number } | { why: string } {
  if (peak) return peak;
  const dir = mkdtempSync(join(tmpdir(), 'darwaza-peak-'));
  const out = join(dir, 'bench.json');
  progress('gateway', 'measuring its peak on this machine (darwaza bench, one round) …');
  const r = spawnSync(
    process.execPath,
    [
      resolve(import.meta.dirname, '../bin/darwaza.mjs'),
      'bench',
      '--rounds',
      '1',
      '--no-redis',
      '--json',
      out,
    ],
    { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', timeout: 180_000 },
  );
  try {
    const rows = (JSON.parse(readFileSync(out, 'utf8')) as { rows: Array<{ name: string; rps: number }> })
      .rows;
    const g = rows.find((x) => x.name.startsWith('gateway'));
    peak = g ? { rps: g.rps } : { why: 'no gateway row in its output' };
  } catch {
    peak = {
      why: `darwaza bench failed (${r.status ?? r.signal}): ${(r.stderr ?? '').trim().split('\n').pop()}`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return peak;
}
const t0 = performance.now();
const progress = (engine: string, what: string) =>
  process.stderr.write(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${engine}: ${what}\n`);

// ------------------------------------------------------------------------------ the month
/** The k-th pseudo-random number in [0, 1) of row `i`, in SQL (a squared LCG step: 64-bit safe). */
function r(k: number): string {
  const x = `((i * ${1_103_515_245 + 2 * k * 7919} + ${12_345 + k * 104_729}) % 2147483647)`;
  return `cast((${x} * ${x}) % 2147483647 as double precision) / 2147483647`;
}

/** The SELECT of rows [a, b] in USAGE_COLUMNS order, over a relation `s(i)`. */
function monthSelect(pg: boolean): string {
  const int = (e: string) => `cast(floor(${e}) as integer)`;
  const ms = `(${START} + cast(floor(i * ${MONTH / ROWS}) as bigint))`;
  const at = pg
    ? `to_char(to_timestamp(${ms} / 1000.0) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`
    : `strftime('%Y-%m-%dT%H:%M:%fZ', ${ms} / 1000.0, 'unixepoch')`;
  // Ids as the gateway makes them (ids.ts): the call's millisecond in Crockford base32, then 16
  // characters unique to the row — the reads turn time ranges into id ranges.
  const digit = (k: number) => `substr('${ALPHABET}', cast(((${ms} >> ${5 * k}) & 31) + 1 as integer), 1)`;
  const time = [9, 8, 7, 6, 5, 4, 3, 2, 1, 0].map(digit).join(' || ');
  const id = pg ? `'use_' || ${time} || lpad(i::text, 16, '0')` : `'use_' || ${time} || printf('%016d', i)`;
  const status = `case when r4 < 0.02 then 429 when r4 < 0.025 then 503 when r4 < 0.035 then 500 when r4 < 0.045 then 400 else 200 end`;
  const code = `case when r4 < 0.045 then null when r4 < 0.09 then '55' when r4 < 0.125 then '51' else '00' end`;
  const outcome = `case when r4 < 0.045 then 'failed' when r4 < 0.125 then 'declined' else 'approved' end`;
  const ops = OPS.map((o, k) => `when ${k} then '${o}'`).join(' ');
  const cols: Record<(typeof USAGE_COLUMNS)[number], string> = {
    id,
    at,
    org_id: `case when r1 < 0.52 then 'org_big' else 'org_' || ${int('r2 * r2 * 200')} end`,
    app_id: `case when r1 < 0.22 then 'app_big' when r1 < 0.52 then 'app_big' || ${int('r2 * 9')} else 'app_' || ${int('r2 * r2 * 200')} || '_' || ${int('r3 * 10')} end`,
    product_slug: `'ibft'`,
    operation_id: `case ${int(`r5 * r6 * ${OPS.length}`)} ${ops} end`,
    catalog: `'sandbox'`,
    method: `'POST'`,
    path: `'/darwaza/sandbox/path-1'`,
    status,
    error_code: `case when r4 < 0.02 then 'rate_limited' when r4 < 0.025 then 'gateway_overloaded' else null end`,
    network_code: code,
    latency_us: int('800 + r7 * r7 * r7 * 400000'),
    client_ip: `'10.0.0.1'`,
    end_user_hash: `'eu' || ${int('r8 * 50000')}`,
    request_id: `'req-' || i`,
    bytes_in: '900',
    bytes_out: '500',
    replayed: '0',
    live_data_suspected: '0',
    outcome,
  };
  const rs = [1, 2, 3, 4, 5, 6, 7, 8].map((k) => `${r(k)} as r${k}`).join(', ');
  return `select ${USAGE_COLUMNS.map((c) => cols[c]).join(', ')} from (select i, ${rs} from s) as t`;
}

async function generate(db: Kysely<GatewayTables>, pg: boolean, name: string): Promise<void> {
  // The secondary indexes are built after the load.
  const indexes = pg
    ? (
        await sql<{ name: string; def: string }>`select i.relname as name, pg_get_indexdef(i.oid) as def
          from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid
          where t.relname = 'gateway_usage' and not x.indisprimary and t.relnamespace = current_schema()::regnamespace`.execute(
          db,
        )
      ).rows
    : (
        await sql<{
          name: string;
          def: string;
        }>`select name, sql as def from sqlite_master where type = 'index' and tbl_name = 'gateway_usage' and sql is not null`.execute(
          db,
        )
      ).rows;
  for (const ix of indexes) await sql.raw(`drop index ${ix.name}`).execute(db);
  const select = monthSelect(pg);
  const cols = USAGE_COLUMNS.join(', ');
  const CHUNK = 1_000_000;
  for (let a = 1; a <= ROWS; a += CHUNK) {
    const b = Math.min(ROWS, a + CHUNK - 1);
    const text = pg
      ? `insert into gateway_usage (${cols}) ${select.replace('from s)', `from generate_series(${a}::bigint, ${b}::bigint) as s(i))`)}`
      : `insert into gateway_usage (${cols}) with recursive s(i) as (select ${a} union all select i + 1 from s where i < ${b}) ${select}`;
    await sql.raw(text).execute(db);
    progress(name, `${b} rows`);
  }
  for (const ix of indexes) {
    await sql.raw(ix.def).execute(db);
    progress(name, `index ${ix.name}`);
  }
}

// ---------------------------------------------------------------------------- the rollups
const KEY = 'grain, scope, app_id, org_id, bucket, operation_id, status, network_code';
const COUNTS = 'calls, approved, declined, failed, c429, shed, lat_sum, lat_max';
const HIST = LATENCY_COLUMNS.join(', ');
const SUM_COUNTS =
  'sum(calls), sum(approved), sum(declined), sum(failed), sum(c429), sum(shed), sum(lat_sum), max(lat_max)';
const SUM_HIST = LATENCY_COLUMNS.map((c) => `sum(${c})`).join(', ');

/** Rollups of every grain and scope, as the writer leaves them (rollup-delta.ts), by aggregate SQL. */
async function rollupBySql(db: Kysely<GatewayTables>, name: string): Promise<void> {
  const run = async (what: string, text: string) => {
    await sql.raw(text).execute(db);
    progress(name, what);
  };
  // The secondary indexes are built after the load.
  const late = ['scope_bucket', 'app_t', 'org_t', 'app_t_org'];
  for (const ix of late) await sql.raw(`drop index gateway_usage_rollups_${ix}`).execute(db);
  const rawCounts = `count(*), sum(case when outcome = 'approved' then 1 else 0 end), sum(case when outcome = 'declined' then 1 else 0 end),
    sum(case when outcome = 'failed' then 1 else 0 end), sum(case when status = 429 then 1 else 0 end),
    sum(case when error_code = 'gateway_overloaded' then 1 else 0 end), sum(latency_us), max(latency_us)`;
  const k = `cast(floor(ln(cast(latency_us as double precision) / ${BASE_US}) / ln(${FACTOR})) as integer) + 1`;
  const lb = `case when latency_us < ${BASE_US} then 0 when ${k} > ${LATENCY_BUCKETS - 1} then ${LATENCY_BUCKETS - 1} else ${k} end`;
  const rawHist = LATENCY_COLUMNS.map((_, n) => `sum(case when lb = ${n} then 1 else 0 end)`).join(', ');
  const minuteFrom = new Date(Math.min(NOW, Date.now()) - MINUTE_DAYS * 86_400_000).toISOString();
  for (const [grain, len, where] of [
    ['h', 13, ''],
    ['m', 16, `where at >= '${minuteFrom}'`],
  ] as const) {
    const b = `substr(at, 1, ${len})`;
    await run(
      `${grain} app`,
      `insert into gateway_usage_rollups (${KEY}, ${COUNTS}) select '${grain}', 'app', app_id, org_id, ${b}, coalesce(operation_id, ''), status,
        coalesce(network_code, ''), ${rawCounts} from gateway_usage ${where} group by app_id, org_id, ${b}, operation_id, status, network_code
        order by app_id, org_id, ${b}, operation_id, status, network_code`,
    );
    await run(
      `${grain} app_o`,
      `insert into gateway_usage_rollups (${KEY}, ${COUNTS}, ${HIST}) select '${grain}', 'app_o', app_id, org_id, ${b}, coalesce(operation_id, ''), 0, '*',
        ${rawCounts}, ${rawHist} from (select u.*, ${lb} as lb from gateway_usage as u ${where}) as r group by app_id, org_id, ${b}, operation_id
        order by app_id, org_id, ${b}, operation_id`,
    );
  }
  /** Scope `to` of `grain` from scope `from` of grain `src` (`bucket` cut to `len`). */
  const derive = (
    grain: string,
    to: string,
    src: string,
    from: string,
    len: number,
    dims: string,
    hist: boolean,
  ) => {
    const [o, a, op, st, nc] = dims.split(',').map((d) => d.trim());
    // Grouped and inserted in the primary key's order (app, organisation, bucket, …): B-tree appends.
    const group = [a, o, `substr(bucket, 1, ${len})`, op, st, nc].filter(
      (d) => !d.startsWith("'") && d !== '0',
    );
    return run(
      `${grain} ${to}`,
      `insert into gateway_usage_rollups (${KEY}, ${COUNTS}${hist ? `, ${HIST}` : ''}) select '${grain}', '${to}', ${a}, ${o}, substr(bucket, 1, ${len}),
        ${op}, ${st}, ${nc}, ${SUM_COUNTS}${hist ? `, ${SUM_HIST}` : ''} from gateway_usage_rollups where grain = '${src}' and scope = '${from}'
        group by ${group.join(', ')} order by ${group.join(', ')}`,
    );
  };
  for (const [g, len] of [
    ['h', 13],
    ['m', 16],
  ] as const) {
    await derive(g, 'org', g, 'app', len, `org_id, '*', operation_id, status, network_code`, false);
    await derive(g, 'all', g, 'org', len, `'*', '*', operation_id, status, network_code`, false);
    await derive(g, 'org_o', g, 'app_o', len, `org_id, '*', operation_id, 0, '*'`, true);
    await derive(g, 'all_o', g, 'org_o', len, `'*', '*', operation_id, 0, '*'`, true);
    await derive(g, 'app_t', g, 'app_o', len, `org_id, app_id, '*', 0, '*'`, false);
    await derive(g, 'org_t', g, 'org_o', len, `org_id, '*', '*', 0, '*'`, false);
    await derive(g, 'all_t', g, 'all_o', len, `'*', '*', '*', 0, '*'`, false);
  }
  const same: Record<string, [string, boolean]> = {
    app: [`org_id, app_id, operation_id, status, network_code`, false],
    org: [`org_id, '*', operation_id, status, network_code`, false],
    all: [`'*', '*', operation_id, status, network_code`, false],
    app_o: [`org_id, app_id, operation_id, 0, '*'`, true],
    org_o: [`org_id, '*', operation_id, 0, '*'`, true],
    all_o: [`'*', '*', operation_id, 0, '*'`, true],
    app_t: [`org_id, app_id, '*', 0, '*'`, false],
    org_t: [`org_id, '*', '*', 0, '*'`, false],
    all_t: [`'*', '*', '*', 0, '*'`, false],
  };
  for (const [scope, [dims, hist]] of Object.entries(same))
    await derive('d', scope, 'h', scope, 10, dims, hist);
  await run(
    'index scope_bucket',
    'create index gateway_usage_rollups_scope_bucket on gateway_usage_rollups (grain, scope, bucket)',
  );
  const covering = 'app_id, calls, approved, declined, failed, c429, shed, lat_sum, lat_max';
  for (const scope of ['app_t', 'org_t']) {
    await run(
      `index ${scope}`,
      `create index gateway_usage_rollups_${scope} on gateway_usage_rollups (grain, bucket, org_id, ${covering}) where scope = '${scope}'`,
    );
  }
  await run(
    'index app_t_org',
    `create index gateway_usage_rollups_app_t_org on gateway_usage_rollups (grain, org_id, bucket, ${covering}) where scope = 'app_t'`,
  );

  // Sketches for the scopes the queries read (synthetic users: dense where the traffic is).
  const keys = await sql<{ b: string; org_id: string }>`select distinct substr(bucket, 1, 13) as b, org_id
    from gateway_usage_rollups where grain = 'h' and scope = 'org_t'`.execute(db);
  const sk = (grain: string, bucket: string, org: string, app: string) => {
    // Random hashes (no hashing of names): 1 500 users where the traffic is (dense), else 100.
    const h = new Hll();
    const n = org === '*' || org === 'org_big' ? 1500 : 100;
    for (let i = 0; i < n; i++) h.addHashed((rnd() * 2 ** 32) >>> 0, (rnd() * 2 ** 32) >>> 0);
    return { grain, bucket, org_id: org, app_id: app, users: h.toText() };
  };
  const rows = new Map<string, ReturnType<typeof sk>>();
  for (const key of keys.rows) {
    for (const [g, b] of [
      ['h', key.b],
      ['d', key.b.slice(0, 10)],
    ]) {
      for (const [o, a] of [
        [key.org_id, '*'],
        ['*', '*'],
        ...(key.org_id === 'org_big' ? [['org_big', 'app_big']] : []),
      ]) {
        const id = `${g}|${b}|${o}|${a}`;
        if (!rows.has(id)) rows.set(id, sk(g, b, o, a));
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
  progress(name, `${all.length} sketches`);
}

// ------------------------------------------------------------------------------ the queries
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

async function queries(db: Kysely<GatewayTables>): Promise<void> {
  const usage = new UsageService(db);
  const nowMs = NOW;
  // The default retention (minute rollups 8 days; raw rows kept): older minutes are read raw.
  await usage.pruneUsage({ rawDays: 0, minuteDays: 8, hourDays: 400 }, Math.min(NOW, Date.now()));
  const rawCount = async (fromIso: string, toIso: string) =>
    Number(
      (
        await sql<{
          n: number;
        }>`select count(*) as n from gateway_usage where at >= ${fromIso} and at < ${toIso}`.execute(db)
      ).rows[0].n,
    );
  for (const window of ['24h', '30d'] as const) {
    const a = await usage.getAnalytics({ window, nowMs });
    const want = await rawCount(a.from, a.to);
    console.log(
      `  check: operator ${window} calls ${a.totals.calls} vs count(*) over the raw rows ${want} — ${a.totals.calls === want ? 'exact' : 'MISMATCH'}`,
    );
  }
  const q: Array<[string, () => Promise<unknown>]> = [];
  for (const window of ['1h', '24h', '7d', '30d'] as const) {
    q.push([`getOperatorAnalytics ${window}`, () => usage.getAnalytics({ window, nowMs })]);
  }
  for (const window of ['24h', '30d'] as const) {
    q.push([
      `getOrganizationAnalytics ${window} (org_big)`,
      () => usage.getAnalytics({ window, orgId: 'org_big', nowMs }),
    ]);
  }
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
      usage.getUsageTimeseries('org_big', { fromMs: nowMs - 86_400_000 + 777, toMs: nowMs, bucket: 'hour' }),
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
  q.push(['listRequestLogs networkCode=51', () => usage.listRequestLogs('org_big', { networkCode: '51' })]);
  q.push(['listRequestLogs appId=app_big', () => usage.listRequestLogs('org_big', { appId: 'app_big' })]);
  q.push([
    'listRequestLogs operationId=rtpRequest',
    () => usage.listRequestLogs('org_big', { operationId: 'rtpRequest' }),
  ]);
  q.push(['listRequestLogs q=55 (free text, excluded)', () => usage.listRequestLogs('org_big', { q: '55' })]);
  q.push(['exportOperatorAnalytics 30d (excluded)', () => usage.analyticsCsv({ window: '30d', nowMs })]);
  for (const [name, fn] of q) {
    const ms = await timeIt(fn);
    console.log(
      `  ${name.padEnd(48)} p95 ${ms.toFixed(1).padStart(8)} ms${ms < 100 || name.includes('excluded') ? '' : '  OVER 100 ms'}`,
    );
  }
}

// ------------------------------------------------------------------------------ the writer
let seed = 42;
const rnd = () => {
  seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff;
  return seed / 0x7fffffff;
};

/** Call n of writer w: the month's mix of organisations, apps, outcomes; time at `msPerCall`. */
function call(w: number, n: number, atMs: number): UsageRecord {
  const x = rnd();
  let org: string;
  let app: string;
  if (x < 0.52) {
    org = 'org_big';
    app = x < 0.22 ? 'app_big' : `app_big${Math.floor(rnd() * 9)}`;
  } else {
    const o = Math.floor(rnd() ** 2 * 200);
    org = `org_${o}`;
    app = `app_${o}_${Math.floor(rnd() * 10)}`;
  }
  const y = rnd();
  const status = y < 0.02 ? 429 : y < 0.025 ? 503 : y < 0.035 ? 500 : y < 0.045 ? 400 : 200;
  return usageRecord(n, {
    id: benchId(w, n, atMs),
    atMs,
    orgId: org,
    appId: app,
    operationId: OPS[Math.floor(rnd() * rnd() * OPS.length)],
    status,
    errorCode: status === 503 ? 'gateway_overloaded' : status === 429 ? 'rate_limited' : null,
    networkCode: status !== 200 ? null : y < 0.09 ? '55' : y < 0.125 ? '51' : '00',
    latencyUs: Math.floor(800 + rnd() ** 3 * 400_000),
    endUserHash: `eu${Math.floor(rnd() * 50_000)}`,
  });
}

/** A writer's row id as the gateway makes them: the call's millisecond, then writer and number. */
function benchId(w: number, n: number, atMs: number): string {
  return `${idAtOrAfter('use', Math.floor(atMs))}${w}${String(n).padStart(15, '0')}`;
}

/**
 * Rows/s of `writers` usage writers with rollups, `--writer-batch` rows a transaction, each writer its
 * own stream of calls. `peak`: time moves at 20 000 calls/s over all writers (500 rows span 25 ms
 * of traffic); otherwise every batch is spread over 10 minutes and 100 apps (each row in another
 * app-minute: the most rollup rows a batch can make).
 */
async function writerThroughput(engine: TestEngine, writers: number, peak: boolean): Promise<number> {
  const database = await engine.open<GatewayTables>();
  try {
    await migrateToLatest(database.db, [migrations]);
    const N = arg('writer-rows', 40_000);
    const size = arg('writer-batch', 500);
    const batches = Array.from({ length: writers }, (_, w) =>
      Array.from({ length: Math.ceil(N / writers / size) }, (_, b) =>
        Array.from({ length: size }, (_, i) => {
          const n = w * 1_000_000 + b * size + i;
          const k = (b * size + i) * writers + w;
          if (peak) return call(w, n, NOW + k * 0.05);
          return usageRecord(n, {
            id: benchId(w, n, NOW - (n % 600) * 1000),
            atMs: NOW - (n % 600) * 1000,
            orgId: `org_${n % 20}`,
            appId: `app_${n % 100}`,
            status: n % 50 === 0 ? 429 : 200,
            networkCode: n % 12 === 0 ? '55' : '00',
            endUserHash: `eu${n % 5000}`,
          });
        }),
      ),
    );
    // --statements: the one writer at the peak writes through a second handle that logs.
    const timed = flag('statements') && writers === 1 && peak ? statementLog() : null;
    const loc = database.location;
    const logged =
      timed && loc
        ? loc.engine === 'postgres'
          ? openPostgres<GatewayTables>(loc.url, { poolSize: 2, searchPath: loc.searchPath, log: timed.log })
          : openSqlite<GatewayTables>(loc.file, { log: timed.log })
        : null;
    const t = performance.now();
    try {
      await Promise.all(
        batches.map(async (mine) => {
          const writer = new UsageWriter(logged?.db ?? database.db, database.dialect);
          for (const batch of mine) await writer.write(batch);
        }),
      );
      const rate = N / ((performance.now() - t) / 1000);
      if (timed)
        console.log(
          `  ${engine.name}, one writer at the peak, time by statement:\n${timed.lines().join('\n')}`,
        );
      return rate;
    } finally {
      await logged?.close();
    }
  } finally {
    await database.cleanup();
  }
}

/**
 * Rows/s of the usage worker thread itself (usage-worker.ts) when the recorder's 500-row chunks of
 * peak traffic all wait for it, as after a burst the writer fell behind: what it does with a backlog.
 */
async function workerBacklogThroughput(engine: TestEngine): Promise<number> {
  const database = await engine.open<GatewayTables>();
  const sink = new WorkerUsageSink(database.location!);
  try {
    await migrateToLatest(database.db, [migrations]);
    const N = arg('writer-rows', 40_000);
    const chunks = Array.from({ length: Math.ceil(N / 500) }, (_, b) =>
      encodeBatch(Array.from({ length: 500 }, (_, i) => call(0, b * 500 + i, NOW + (b * 500 + i) * 0.05))),
    );
    // The worker thread starts on the first chunk: started before the clock, as in a running server.
    await sink.write(encodeBatch([call(0, 9_999_999, NOW)]));
    const t = performance.now();
    await Promise.all(chunks.map((c) => sink.write(c)));
    return N / ((performance.now() - t) / 1000);
  } finally {
    await sink.close();
    await database.cleanup();
  }
}

/**
 * `--keep`: the generated databases are kept (their location printed); `--reuse <location>`
 * (sqlite:<file> or postgres:<schema>) measures a kept one again without generating.
 */
const REUSE = (() => {
  const i = process.argv.indexOf('--reuse');
  return i > 0 ? process.argv[i + 1] : undefined;
})();

async function openGenerated(engine: TestEngine): Promise<TestDatabase<GatewayTables>> {
  if (REUSE) {
    const [kind, where] = [REUSE.slice(0, REUSE.indexOf(':')), REUSE.slice(REUSE.indexOf(':') + 1)];
    const db =
      kind === 'postgres'
        ? openPostgres<GatewayTables>(process.env.DATABASE_URL!, { poolSize: 5, searchPath: where })
        : openSqlite<GatewayTables>(where);
    return { ...db, cleanup: () => db.close() };
  }
  const database = await engine.open<GatewayTables>();
  const db = database.db;
  const pg = engine.name === 'postgres';
  await migrateToLatest(db, [migrations]);
  if (!pg) {
    await sql`pragma synchronous = off`.execute(db);
    await sql`pragma cache_size = -1000000`.execute(db);
  }
  let t = performance.now();
  if (pg) {
    await db.connection().execute(async (c) => {
      await sql`set maintenance_work_mem = '512MB'`.execute(c);
      await sql`set work_mem = '256MB'`.execute(c);
      await generate(c, true, engine.name);
      const rawS = (performance.now() - t) / 1000;
      t = performance.now();
      await rollupBySql(c, engine.name);
      await sql`vacuum analyze`.execute(c);
      console.log(
        `\n${engine.name}: raw rows ${rawS.toFixed(0)} s, rollups ${((performance.now() - t) / 1000).toFixed(0)} s`,
      );
    });
  } else {
    await generate(db, false, engine.name);
    const rawS = (performance.now() - t) / 1000;
    t = performance.now();
    await rollupBySql(db, engine.name);
    await sql`analyze`.execute(db);
    await sql`pragma synchronous = normal`.execute(db);
    console.log(
      `\n${engine.name}: raw rows ${rawS.toFixed(0)} s, rollups ${((performance.now() - t) / 1000).toFixed(0)} s`,
    );
  }
  if (flag('keep')) {
    const location = pg
      ? `postgres:${(await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0].s}`
      : `sqlite:${(database.location as { file: string }).file}`;
    console.log(`${engine.name}: kept, --reuse ${location}`);
    return { ...database, cleanup: () => database.close() };
  }
  return database;
}

for (const engine of testEngines().filter((e) => ENGINE === undefined || e.name === ENGINE)) {
  const pg = engine.name === 'postgres';
  if (!flag('writer-only')) {
    const database = await openGenerated(engine);
    const db = database.db;
    try {
      const count = async (where: string) =>
        Number(
          (
            await sql<{ n: number }>`select count(*) as n from gateway_usage where ${sql.raw(where)}`.execute(
              db,
            )
          ).rows[0].n,
        );
      const rollups = Number(
        (await sql<{ n: number }>`select count(*) as n from gateway_usage_rollups`.execute(db)).rows[0].n,
      );
      console.log(
        `${engine.name}: ${await count('1 = 1')} rows (org_big ${await count("org_id = 'org_big'")}, app_big ${await count("app_id = 'app_big'")}), ${rollups} rollup rows`,
      );
      await queries(db);
    } finally {
      await database.cleanup();
    }
  }
  if (!flag('skip-writer')) {
    for (const peak of [true, false]) {
      for (const writers of pg ? [1, 2] : [1]) {
        const rate = await writerThroughput(engine, writers, peak);
        console.log(
          `  ${engine.name} usage writer with rollups, ${writers} writer${writers > 1 ? 's' : ''}, ${arg('writer-batch', 500)} rows a transaction, ${peak ? 'traffic at the peak' : 'worst case (every row another app-minute)'}: ${rate.toFixed(0)} rows/s`,
        );
      }
    }
    const backlog = await workerBacklogThroughput(engine);
    console.log(
      `  ${engine.name} usage worker (recorder's 500-row chunks, all waiting, merged up to ${MAX_MERGED_ROWS[engine.name === 'postgres' ? 'postgres' : 'sqlite']} rows a transaction), traffic at the peak: ${backlog.toFixed(0)} rows/s`,
    );
    const p = gatewayPeak();
    console.log(
      'rps' in p
        ? `  gateway peak on this machine (darwaza bench, one round, the load generator on the same cores): ${p.rps} req/s; the usage worker ${(backlog / p.rps).toFixed(2)}x of it: ${backlog >= p.rps ? 'keeps up' : 'does not keep up'}`
        : `  gateway peak on this machine: not measured (${p.why})`,
    );
  }
}

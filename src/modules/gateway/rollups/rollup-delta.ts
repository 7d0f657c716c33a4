import { LATENCY_BUCKETS, latencyBucket } from './histogram.ts';
import { Hll, hllHash } from './hll.ts';

/**
 * What a batch of newly inserted usage rows adds to the rollups (pure; rollup-store.ts writes it in
 * the same transaction as the rows). Only rows the INSERT actually created are counted (the
 * writer passes the ids its `returning` gave back), so a batch written again after a lost answer,
 * or bisected after a refusal, adds each row exactly once.
 *
 * Grains: m (minute, bucket 'YYYY-MM-DDTHH:MM'), h ('YYYY-MM-DDTHH'), d ('YYYY-MM-DD'), UTC.
 * Scopes (one row per key and grain in each), for an app, its organisation (app_id '*') and the
 * whole gateway (org_id and app_id '*'):
 * - app / org / all: detail per operation, HTTP status and network code — counts only;
 * - app_o / org_o / all_o: per operation (status 0, network code '*') — counts and the latency
 *   histogram: percentiles per operation, and of a total as the sum of its operations' rows;
 * - app_t / org_t / all_t: one totals row per bucket (operation '*', status 0, network code '*') —
 *   counts only: what top-N lists and time series read without the detail.
 * The histogram is only on the per-operation rows (ADR 0021): detail rows are the most numerous
 * and carry 16 values instead of 56. Rows written before that (migration 202612070600) carry a
 * histogram on every row; readers read percentiles from the _o rows only.
 * Outcomes (approved / declined / failed), 429s and shed calls are counted in columns of each row.
 * A call without an organisation (refused before authentication) is under org_id '-', app_id '-'.
 */
export type Grain = 'm' | 'h' | 'd';
export type Scope = 'app' | 'org' | 'all' | 'app_o' | 'org_o' | 'all_o' | 'app_t' | 'org_t' | 'all_t';
/** The scopes whose rows carry the latency histogram. */
export const HIST_SCOPES: ReadonlySet<Scope> = new Set(['app_o', 'org_o', 'all_o']);
const GRAINS: readonly Grain[] = ['m', 'h', 'd'];
/** Sketches are kept per hour and day (a 1 h window reads the hours it touches). */
const SKETCH_GRAINS: readonly Grain[] = ['h', 'd'];

export type RollupKey = {
  grain: Grain;
  scope: Scope;
  bucket: string;
  org_id: string;
  app_id: string;
  operation_id: string;
  status: number;
  network_code: string;
};

/**
 * Counts of a group of calls and their latency histogram (calls per bucket, histogram.ts): what a
 * rollup row adds up, and what a read of the rollups sums (rollup-reader.ts).
 */
export type Sums = {
  calls: number;
  approved: number;
  declined: number;
  failed: number;
  c429: number;
  shed: number;
  lat_sum: number;
  lat_max: number;
  hist: number[];
};
/** A row's counts: its histogram null on the rows that carry none. */
type RollupCounts = Omit<Sums, 'hist'> & { hist: number[] | null };

export function emptySums(): Sums {
  return {
    calls: 0,
    approved: 0,
    declined: 0,
    failed: 0,
    c429: 0,
    shed: 0,
    lat_sum: 0,
    lat_max: 0,
    hist: new Array(LATENCY_BUCKETS).fill(0),
  };
}

export function addSums(into: Sums, a: Sums): void {
  into.calls += a.calls;
  into.approved += a.approved;
  into.declined += a.declined;
  into.failed += a.failed;
  into.c429 += a.c429;
  into.shed += a.shed;
  into.lat_sum += a.lat_sum;
  if (a.lat_max > into.lat_max) into.lat_max = a.lat_max;
  for (let k = 0; k < LATENCY_BUCKETS; k++) into.hist[k] += a.hist[k];
}

type RollupRow = RollupKey & RollupCounts;
type SketchRow = { grain: Grain; bucket: string; org_id: string; app_id: string; hll: Hll };
export type RollupBatch = { rows: RollupRow[]; sketches: SketchRow[] };

/** The gateway's refusal of a call shed under congestion (congestion.ts). */
export const SHED_ERROR_CODE = 'gateway_overloaded';

/** Where each field is in a row's flat values (the writer's USAGE_COLUMNS order). */
export type ColumnIndex = {
  id: number;
  at: number;
  org: number;
  app: number;
  op: number;
  status: number;
  error: number;
  network: number;
  latency: number;
  endUser: number;
  outcome: number;
  width: number;
};

export function columnIndex(columns: readonly string[]): ColumnIndex {
  const at = (c: string) => {
    const i = columns.indexOf(c);
    if (i < 0) throw new Error(`usage column ${c} missing`);
    return i;
  };
  return {
    id: at('id'),
    at: at('at'),
    org: at('org_id'),
    app: at('app_id'),
    op: at('operation_id'),
    status: at('status'),
    error: at('error_code'),
    network: at('network_code'),
    latency: at('latency_us'),
    endUser: at('end_user_hash'),
    outcome: at('outcome'),
    width: columns.length,
  };
}

function bucketOf(at: string, grain: Grain): string {
  return at.slice(0, grain === 'm' ? 16 : grain === 'h' ? 13 : 10);
}

/** A group of calls at one bucket: `*` where a scope does not keep the field. */
type Group = Sums & { bucket: string; org: string; app: string; op: string; status: number; code: string };

function group(bucket: string, org: string, app: string, op: string, status: number, code: string): Group {
  return { bucket, org, app, op, status, code, ...emptySums() };
}

/**
 * `from` summed into coarser groups: `bucket` cut to `len` characters, the fields in `drop` made
 * `*` (a dropped status is 0). One key per group of `from`, not per call.
 */
function regroup(
  from: Iterable<Group>,
  len: number,
  drop: { org?: 1; app?: 1; op?: 1; detail?: 1 },
): Group[] {
  const out = new Map<string, Group>();
  for (const g of from) {
    const bucket = g.bucket.length === len ? g.bucket : g.bucket.slice(0, len);
    const org = drop.org ? '*' : g.org;
    const app = drop.app ? '*' : g.app;
    const op = drop.op ? '*' : g.op;
    const status = drop.detail ? 0 : g.status;
    const code = drop.detail ? '*' : g.code;
    const key = `${bucket}|${org}|${app}|${op}|${status}|${code}`;
    let u = out.get(key);
    if (!u) {
      u = group(bucket, org, app, op, status, code);
      out.set(key, u);
    }
    addSums(u, g);
  }
  return [...out.values()];
}

const BUCKET_LEN: Record<Grain, number> = { m: 16, h: 13, d: 10 };

/**
 * The rollup rows and sketches of the rows in `values` (flat, `ix.width` values a row) whose id
 * is in `inserted` (all of them when it is undefined). Each call is keyed once, into its minute's
 * app-level detail group; every other scope and grain is summed from those groups, each from the
 * next finer one (a batch's calls share few groups, so this is a fraction of keying every call
 * 27 times). End users are grouped by (hour, organisation, app) the same way before they are
 * added to the six sketches each group feeds.
 */
export function rollupDelta(
  values: readonly unknown[],
  ix: ColumnIndex,
  inserted?: ReadonlySet<string>,
): RollupBatch {
  const base = new Map<string, Group>();
  const users = new Map<string, { hour: string; org: string; app: string; hashes: number[] }>();
  for (let at = 0; at < values.length; at += ix.width) {
    if (inserted && !inserted.has(String(values[at + ix.id]))) continue;
    const minute = bucketOf(String(values[at + ix.at]), 'm');
    const org = values[at + ix.org] == null ? '-' : String(values[at + ix.org]);
    const app = values[at + ix.app] == null ? (org === '-' ? '-' : '?') : String(values[at + ix.app]);
    const op = values[at + ix.op] == null ? '' : String(values[at + ix.op]);
    const status = Number(values[at + ix.status]) || 0;
    const code = values[at + ix.network] == null ? '' : String(values[at + ix.network]);
    const latency = Math.max(0, Number(values[at + ix.latency]) || 0);
    const outcome = values[at + ix.outcome] ?? (status >= 400 ? 'failed' : 'approved');
    const key = `${minute}|${org}|${app}|${op}|${status}|${code}`;
    let g = base.get(key);
    if (!g) {
      g = group(minute, org, app, op, status, code);
      base.set(key, g);
    }
    g.calls++;
    if (outcome === 'declined') g.declined++;
    else if (outcome === 'failed') g.failed++;
    else g.approved++;
    if (status === 429) g.c429++;
    if (values[at + ix.error] === SHED_ERROR_CODE) g.shed++;
    g.lat_sum += latency;
    if (latency > g.lat_max) g.lat_max = latency;
    g.hist[latencyBucket(latency)]++;
    const endUser = values[at + ix.endUser];
    if (endUser != null) {
      const hour = minute.slice(0, 13);
      const ukey = `${hour}|${org}|${app}`;
      let u = users.get(ukey);
      if (!u) {
        u = { hour, org, app, hashes: [] };
        users.set(ukey, u);
      }
      const [hi, lo] = hllHash(String(endUser));
      u.hashes.push(hi, lo);
    }
  }
  const rows: RollupRow[] = [];
  // kind 0: detail; 1: per operation, with the histogram; 2: totals.
  const emit = (grain: Grain, scope: Scope, groups: readonly Group[], kind: 0 | 1 | 2) => {
    for (const g of groups) {
      rows.push({
        grain,
        scope,
        bucket: g.bucket,
        org_id: g.org,
        app_id: g.app,
        operation_id: g.op,
        status: g.status,
        network_code: g.code,
        calls: g.calls,
        approved: g.approved,
        declined: g.declined,
        failed: g.failed,
        c429: g.c429,
        shed: g.shed,
        lat_sum: g.lat_sum,
        lat_max: g.lat_max,
        hist: kind === 1 ? g.hist : null,
      });
    }
  };
  let appDetail: Group[] = [...base.values()];
  for (const grain of GRAINS) {
    const len = BUCKET_LEN[grain];
    if (grain !== 'm') appDetail = regroup(appDetail, len, {});
    const appOp = regroup(appDetail, len, { detail: 1 });
    const orgDetail = regroup(appDetail, len, { app: 1 });
    const orgOp = regroup(orgDetail, len, { detail: 1 });
    const allDetail = regroup(orgDetail, len, { org: 1 });
    const allOp = regroup(allDetail, len, { detail: 1 });
    emit(grain, 'app', appDetail, 0);
    emit(grain, 'org', orgDetail, 0);
    emit(grain, 'all', allDetail, 0);
    emit(grain, 'app_o', appOp, 1);
    emit(grain, 'org_o', orgOp, 1);
    emit(grain, 'all_o', allOp, 1);
    emit(grain, 'app_t', regroup(appOp, len, { op: 1 }), 2);
    emit(grain, 'org_t', regroup(orgOp, len, { op: 1 }), 2);
    emit(grain, 'all_t', regroup(allOp, len, { op: 1 }), 2);
  }
  const sketches = new Map<string, SketchRow>();
  for (const u of users.values()) {
    for (const grain of SKETCH_GRAINS) {
      const bucket = u.hour.slice(0, BUCKET_LEN[grain]);
      for (const [o, a] of [
        [u.org, u.app],
        [u.org, '*'],
        ['*', '*'],
      ]) {
        const key = `${grain}|${bucket}|${o}|${a}`;
        let s = sketches.get(key);
        if (!s) {
          s = { grain, bucket, org_id: o, app_id: a, hll: new Hll() };
          sketches.set(key, s);
        }
        for (let i = 0; i < u.hashes.length; i += 2) s.hll.addHashed(u.hashes[i], u.hashes[i + 1]);
      }
    }
  }
  return { rows, sketches: [...sketches.values()] };
}

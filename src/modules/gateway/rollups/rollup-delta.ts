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

type RollupCounts = {
  calls: number;
  approved: number;
  declined: number;
  failed: number;
  c429: number;
  shed: number;
  lat_sum: number;
  lat_max: number;
  /** Calls per latency bucket (histogram.ts); null on the rows that carry none. */
  hist: number[] | null;
};

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

/**
 * The rollup rows and sketches of the rows in `values` (flat, `ix.width` values a row) whose id
 * is in `inserted` (all of them when it is undefined).
 */
export function rollupDelta(
  values: readonly unknown[],
  ix: ColumnIndex,
  inserted?: ReadonlySet<string>,
): RollupBatch {
  const rows = new Map<string, RollupRow>();
  const sketches = new Map<string, SketchRow>();
  for (let at = 0; at < values.length; at += ix.width) {
    if (inserted && !inserted.has(String(values[at + ix.id]))) continue;
    const time = String(values[at + ix.at]);
    const org = values[at + ix.org] == null ? '-' : String(values[at + ix.org]);
    const app = values[at + ix.app] == null ? (org === '-' ? '-' : '?') : String(values[at + ix.app]);
    const op = values[at + ix.op] == null ? '' : String(values[at + ix.op]);
    const status = Number(values[at + ix.status]) || 0;
    const code = values[at + ix.network] == null ? '' : String(values[at + ix.network]);
    const latency = Math.max(0, Number(values[at + ix.latency]) || 0);
    const outcome = values[at + ix.outcome] ?? (status >= 400 ? 'failed' : 'approved');
    const shed = values[at + ix.error] === SHED_ERROR_CODE ? 1 : 0;
    const hb = latencyBucket(latency);
    const endUser = values[at + ix.endUser];
    const eu = endUser == null ? null : hllHash(String(endUser));
    for (const grain of GRAINS) {
      const bucket = bucketOf(time, grain);
      const add = (scope: Scope, o: string, a: string, kind: 0 | 1 | 2) => {
        // kind 0: detail; 1: per operation, with the histogram; 2: totals.
        const opId = kind === 2 ? '*' : op;
        const st = kind === 0 ? status : 0;
        const nc = kind === 0 ? code : '*';
        const key = `${grain}|${scope}|${bucket}|${o}|${a}|${opId}|${st}|${nc}`;
        let r = rows.get(key);
        if (!r) {
          r = {
            grain,
            scope,
            bucket,
            org_id: o,
            app_id: a,
            operation_id: opId,
            status: st,
            network_code: nc,
            calls: 0,
            approved: 0,
            declined: 0,
            failed: 0,
            c429: 0,
            shed: 0,
            lat_sum: 0,
            lat_max: 0,
            hist: kind === 1 ? new Array(LATENCY_BUCKETS).fill(0) : null,
          };
          rows.set(key, r);
        }
        r.calls++;
        if (outcome === 'declined') r.declined++;
        else if (outcome === 'failed') r.failed++;
        else r.approved++;
        if (status === 429) r.c429++;
        r.shed += shed;
        r.lat_sum += latency;
        if (latency > r.lat_max) r.lat_max = latency;
        if (r.hist) r.hist[hb]++;
      };
      add('app', org, app, 0);
      add('org', org, '*', 0);
      add('all', '*', '*', 0);
      add('app_o', org, app, 1);
      add('org_o', org, '*', 1);
      add('all_o', '*', '*', 1);
      add('app_t', org, app, 2);
      add('org_t', org, '*', 2);
      add('all_t', '*', '*', 2);
      if (eu !== null && SKETCH_GRAINS.includes(grain)) {
        for (const [o, a] of [
          [org, app],
          [org, '*'],
          ['*', '*'],
        ]) {
          const key = `${grain}|${bucket}|${o}|${a}`;
          let s = sketches.get(key);
          if (!s) {
            s = { grain, bucket, org_id: o, app_id: a, hll: new Hll() };
            sketches.set(key, s);
          }
          s.hll.addHashed(eu[0], eu[1]);
        }
      }
    }
  }
  return { rows: [...rows.values()], sketches: [...sketches.values()] };
}

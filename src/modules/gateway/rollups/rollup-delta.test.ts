import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LATENCY_BUCKETS, latencyBucket } from './histogram.ts';
import { Hll, hllHash } from './hll.ts';
import {
  type ColumnIndex,
  columnIndex,
  emptySums,
  type RollupBatch,
  rollupDelta,
  SHED_ERROR_CODE,
} from './rollup-delta.ts';
import { RAW_COLUMNS } from './rollup-store.ts';

/**
 * rollupDelta sums every scope and grain from the minute's app-level groups; the reference here
 * adds each call to each of its 27 rollup rows and 6 sketches directly. Both must give the same
 * rows (every count, the histogram on the per-operation rows only) and the same sketches.
 */
const COLUMNS = RAW_COLUMNS;
const IX: ColumnIndex = columnIndex(COLUMNS);

const SCOPES = [
  ['app', 0, 0],
  ['org', 1, 0],
  ['all', 2, 0],
  ['app_o', 0, 1],
  ['org_o', 1, 1],
  ['all_o', 2, 1],
  ['app_t', 0, 2],
  ['org_t', 1, 2],
  ['all_t', 2, 2],
] as const;

function reference(values: readonly unknown[], inserted?: ReadonlySet<string>) {
  const rows = new Map<string, Record<string, unknown>>();
  const sketches = new Map<string, Hll>();
  for (let i = 0; i < values.length; i += COLUMNS.length) {
    const v = (c: (typeof COLUMNS)[number]) => values[i + COLUMNS.indexOf(c)];
    if (inserted && !inserted.has(String(v('id')))) continue;
    const org = v('org_id') == null ? '-' : String(v('org_id'));
    const app = v('app_id') == null ? (org === '-' ? '-' : '?') : String(v('app_id'));
    const status = Number(v('status'));
    const latency = Math.max(0, Number(v('latency_us')) || 0);
    const outcome = v('outcome') ?? (status >= 400 ? 'failed' : 'approved');
    for (const [grain, len] of [
      ['m', 16],
      ['h', 13],
      ['d', 10],
    ] as const) {
      const bucket = String(v('at')).slice(0, len);
      for (const [scope, level, kind] of SCOPES) {
        const o = level === 2 ? '*' : org;
        const a = level === 0 ? app : '*';
        const op = kind === 2 ? '*' : v('operation_id') == null ? '' : String(v('operation_id'));
        const st = kind === 0 ? status : 0;
        const nc = kind === 0 ? (v('network_code') == null ? '' : String(v('network_code'))) : '*';
        const key = [grain, scope, bucket, o, a, op, st, nc].join('|');
        const r = rows.get(key) ?? {
          grain,
          scope,
          bucket,
          org_id: o,
          app_id: a,
          operation_id: op,
          status: st,
          network_code: nc,
          ...emptySums(),
          hist: kind === 1 ? new Array(LATENCY_BUCKETS).fill(0) : null,
        };
        rows.set(key, r);
        const n = (f: string, by: number) => {
          r[f] = (r[f] as number) + by;
        };
        n('calls', 1);
        n(outcome === 'declined' ? 'declined' : outcome === 'failed' ? 'failed' : 'approved', 1);
        n('c429', status === 429 ? 1 : 0);
        n('shed', v('error_code') === SHED_ERROR_CODE ? 1 : 0);
        n('lat_sum', latency);
        r.lat_max = Math.max(r.lat_max as number, latency);
        if (r.hist) (r.hist as number[])[latencyBucket(latency)]++;
      }
      if (grain !== 'm' && v('end_user_hash') != null) {
        const [hi, lo] = hllHash(String(v('end_user_hash')));
        for (const [o, a] of [
          [org, app],
          [org, '*'],
          ['*', '*'],
        ]) {
          const key = [grain, bucket, o, a].join('|');
          const s = sketches.get(key) ?? new Hll();
          s.addHashed(hi, lo);
          sketches.set(key, s);
        }
      }
    }
  }
  return { rows, sketches };
}

function keyed(batch: RollupBatch) {
  const rows = new Map<string, Record<string, unknown>>();
  for (const r of batch.rows) {
    const key = [
      r.grain,
      r.scope,
      r.bucket,
      r.org_id,
      r.app_id,
      r.operation_id,
      r.status,
      r.network_code,
    ].join('|');
    assert.ok(!rows.has(key), `one row per key: ${key}`);
    rows.set(key, { ...r });
  }
  const sketches = new Map(
    batch.sketches.map((s) => [[s.grain, s.bucket, s.org_id, s.app_id].join('|'), s.hll]),
  );
  return { rows, sketches };
}

const call = fc.record({
  atMs: fc.integer({ min: 0, max: 3 * 86_400_000 }),
  org: fc.constantFrom(null, 'org_a', 'org_b', 'org_c'),
  app: fc.constantFrom(null, 'app_1', 'app_2', 'app_3'),
  op: fc.constantFrom(null, 'ibftTransfer', 'billPayment'),
  status: fc.constantFrom(200, 200, 400, 429, 500, 503),
  error: fc.constantFrom(null, SHED_ERROR_CODE, 'rate_limited'),
  code: fc.constantFrom(null, '00', '51', '55'),
  // Whole microseconds, as the writer stores them (usage-writer.ts rounds; the column is an
  // integer): fractional ones would make sums depend on the order they are added in.
  latency: fc.integer({ min: 0, max: 2_000_000 }),
  user: fc.constantFrom(null, 'u1', 'u2', 'u3', 'u4', 'u5'),
  outcome: fc.constantFrom(null, 'approved', 'declined', 'failed'),
  inserted: fc.boolean(),
});

describe('rollupDelta', () => {
  it('equals adding every call to each of its rollup rows and sketches', () => {
    const T = Date.UTC(2026, 11, 5, 23, 58);
    fc.assert(
      fc.property(fc.array(call, { maxLength: 60 }), fc.boolean(), (calls, some) => {
        const values: unknown[] = [];
        const inserted = new Set<string>();
        calls.forEach((c, i) => {
          const id = `use_${i}`;
          if (c.inserted) inserted.add(id);
          values.push(
            id,
            new Date(T + c.atMs).toISOString(),
            c.org,
            c.app,
            c.op,
            c.status,
            c.error,
            c.code,
            c.latency,
            c.user,
            c.outcome,
          );
        });
        const only = some ? inserted : undefined;
        const got = keyed(rollupDelta(values, IX, only));
        const want = reference(values, only);
        assert.deepEqual(got.rows, want.rows);
        assert.deepEqual(
          new Map([...got.sketches].map(([k, s]) => [k, s.toText()])),
          new Map([...want.sketches].map(([k, s]) => [k, s.toText()])),
        );
      }),
      { numRuns: 300 },
    );
  });
});

import type { Grain } from './rollup-delta.ts';

/**
 * How a time range [from, to) is read exactly from the rollups: whole days from the day rollups,
 * whole hours around them from the hour rollups, whole minutes from the minute rollups, and the
 * seconds at either edge (under a minute each) from the raw rows. Every call is in exactly one
 * piece, so counts over any range equal a count over the raw rows.
 */
export type Piece = { grain: Grain | 'raw'; fromMs: number; toMs: number };

const STEP: Record<Grain, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const ORDER: Grain[] = ['m', 'h', 'd'];

/**
 * The pieces of [fromMs, toMs), no grain coarser than `coarsest` (a time series by hour reads no
 * day rollup). Minute pieces wholly before `minutesFromMs` (minute rollups pruned) are read raw.
 */
export function cover(fromMs: number, toMs: number, coarsest: Grain = 'd', minutesFromMs = 0): Piece[] {
  const out: Piece[] = [];
  const push = (grain: Piece['grain'], a: number, b: number) => {
    if (b <= a) return;
    if (grain === 'm' && a < minutesFromMs) {
      // The minutes before the first one kept are read raw (a piece may straddle that point).
      const cut = Math.min(b, Math.ceil(minutesFromMs / STEP.m) * STEP.m);
      out.push({ grain: 'raw', fromMs: a, toMs: cut });
      if (cut < b) out.push({ grain, fromMs: cut, toMs: b });
      return;
    }
    out.push({ grain, fromMs: a, toMs: b });
  };
  let lo = fromMs;
  let hi = toMs;
  let finer: Piece['grain'] = 'raw';
  for (const g of ORDER.slice(0, ORDER.indexOf(coarsest) + 1)) {
    const a = Math.ceil(lo / STEP[g]) * STEP[g];
    const b = Math.floor(hi / STEP[g]) * STEP[g];
    if (a >= b) break;
    push(finer, lo, a);
    push(finer, b, hi);
    lo = a;
    hi = b;
    finer = g;
  }
  push(finer, lo, hi);
  return out.sort((x, y) => x.fromMs - y.fromMs);
}

/** The bucket text of time `ms` at a grain (the rollups' `bucket`). */
export function bucketText(ms: number, grain: Grain): string {
  return new Date(ms).toISOString().slice(0, grain === 'm' ? 16 : grain === 'h' ? 13 : 10);
}

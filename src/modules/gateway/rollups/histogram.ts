/**
 * The fixed latency buckets of the rollups. Bucket 0 holds latencies under 250 µs; bucket k
 * (1 ≤ k < 40) holds [250 µs × 1.35^(k-1), 250 µs × 1.35^k); bucket 39 also holds everything
 * slower (≥ ~22 s). Fixed bounds make histograms additive: a window's histogram is the column-wise
 * sum of its rollup rows, in SQL, on both engines.
 *
 * Percentiles read from a histogram are the geometric middle of the bucket that holds the rank,
 * so the reported value is within a factor √1.35 ≈ 1.16 of the true percentile (≤ 16 % off; below
 * 250 µs: reported as 125 µs; in the last bucket: its lower bound). docs/performance.md item 34.
 */
export const LATENCY_BUCKETS = 40;
export const BASE_US = 250;
export const FACTOR = 1.35;
const LOG_FACTOR = Math.log(FACTOR);

/** The column names l00 … l39, in order. */
export const LATENCY_COLUMNS: readonly string[] = Array.from(
  { length: LATENCY_BUCKETS },
  (_, k) => `l${String(k).padStart(2, '0')}`,
);

/** The bucket of a latency in microseconds. */
export function latencyBucket(us: number): number {
  if (!(us >= BASE_US)) return 0;
  const k = Math.floor(Math.log(us / BASE_US) / LOG_FACTOR) + 1;
  return k >= LATENCY_BUCKETS ? LATENCY_BUCKETS - 1 : k;
}

/** The lower and upper bound (µs) of bucket k. */
export function bucketBounds(k: number): [number, number] {
  if (k === 0) return [0, BASE_US];
  return [
    BASE_US * FACTOR ** (k - 1),
    k === LATENCY_BUCKETS - 1 ? Number.POSITIVE_INFINITY : BASE_US * FACTOR ** k,
  ];
}

/** The q-quantile (0 < q ≤ 1) of a histogram, in milliseconds; null when it is empty. */
export function quantileMs(counts: readonly number[], q: number): number | null {
  let total = 0;
  for (const c of counts) total += c;
  if (total === 0) return null;
  const rank = Math.max(1, Math.ceil(q * total));
  let seen = 0;
  for (let k = 0; k < counts.length; k++) {
    seen += counts[k];
    if (seen >= rank) {
      const [lo, hi] = bucketBounds(k);
      const us = k === 0 ? BASE_US / 2 : Number.isFinite(hi) ? Math.sqrt(lo * hi) : lo;
      return Math.round(us) / 1000;
    }
  }
  return null;
}

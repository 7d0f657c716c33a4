/**
 * The detectors' memory: per-key counts and distinct values over a sliding window, in buckets of a
 * tenth of the window, so a key costs a few numbers and an idle key is forgotten. Bounded: at most
 * `maxKeys` keys per window (the earliest-created is evicted first), at most `maxValues` distinct
 * values per key. Hot path of every detector (bench/detectors.ts): no re-ordering of maps per
 * touch, no allocation per add.
 */
export class CountWindow {
  readonly #keys = new Map<string, { bucket: number; counts: Int32Array }>();
  readonly #maxKeys: number;
  constructor(maxKeys = 100_000) {
    this.#maxKeys = maxKeys;
  }

  /** Adds `n` at `atMs` and answers the key's count over the last `windowMs`. */
  add(key: string, atMs: number, windowMs: number, n = 1): number {
    const size = windowMs >= 10 ? Math.floor(windowMs / 10) : 1;
    const bucket = Math.floor(atMs / size);
    let e = this.#keys.get(key);
    if (e === undefined) {
      if (this.#keys.size >= this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
      e = { bucket, counts: new Int32Array(10) };
      this.#keys.set(key, e);
    }
    const c = e.counts;
    const shift = bucket - e.bucket;
    if (shift >= 10) c.fill(0);
    else if (shift > 0) {
      c.copyWithin(0, shift);
      c.fill(0, 10 - shift);
    }
    if (shift > 0) e.bucket = bucket;
    if (shift >= 0) c[9]! += n;
    else if (shift > -10) c[9 + shift]! += n;
    return c[0]! + c[1]! + c[2]! + c[3]! + c[4]! + c[5]! + c[6]! + c[7]! + c[8]! + c[9]!;
  }

  reset(key: string): void {
    this.#keys.delete(key);
  }
}

/**
 * Distinct values per key seen within the window (each value's last sighting is kept). Values older
 * than the window are pruned at most every tenth of the window (or when the key holds more than
 * `maxValues`), so a count may include values up to a tenth of the window too old.
 * Sightings are kept as ms since the window's first `add`, not since the epoch: a small integer
 * is stored in a Map as is, where an epoch time would be a new heap number per `add`, kept alive
 * by the map until replaced (old-generation garbage at the call rate).
 */
export class DistinctWindow {
  readonly #keys = new Map<string, { values: Map<string, number>; prunedAt: number }>();
  readonly #maxKeys: number;
  readonly #maxValues: number;
  #base = Number.NaN;
  constructor(maxKeys = 50_000, maxValues = 1_000) {
    this.#maxKeys = maxKeys;
    this.#maxValues = maxValues;
  }

  /** Records `value` for `key` at `atMs`; answers how many distinct values it had in `windowMs`. */
  add(key: string, value: string, atMs: number, windowMs: number): number {
    if (Number.isNaN(this.#base)) this.#base = atMs;
    const at = atMs - this.#base;
    let e = this.#keys.get(key);
    if (e === undefined) {
      if (this.#keys.size >= this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
      e = { values: new Map(), prunedAt: at };
      this.#keys.set(key, e);
    }
    const m = e.values;
    m.set(value, at);
    if (at - e.prunedAt >= windowMs / 10 || m.size > this.#maxValues) {
      e.prunedAt = at;
      const since = at - windowMs;
      for (const [v, seen] of m) if (seen < since) m.delete(v);
      if (m.size > this.#maxValues) {
        let extra = m.size - this.#maxValues;
        for (const v of m.keys()) {
          if (extra-- <= 0) break;
          m.delete(v);
        }
      }
    }
    return m.size;
  }

  values(key: string): string[] {
    return [...(this.#keys.get(key)?.values.keys() ?? [])];
  }

  reset(key: string): void {
    this.#keys.delete(key);
  }
}

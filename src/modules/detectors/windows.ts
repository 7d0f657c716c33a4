/**
 * The detectors' memory: per-key counts and distinct values over a sliding window, in buckets of a
 * tenth of the window, so a key costs a few numbers and an idle key is forgotten. Bounded: at most
 * `maxKeys` keys per window (the oldest-touched is evicted first), at most `maxValues` distinct
 * values per key.
 */
export class CountWindow {
  readonly #keys = new Map<string, { bucket: number; counts: number[] }>();
  readonly #maxKeys: number;
  constructor(maxKeys = 100_000) {
    this.#maxKeys = maxKeys;
  }

  /** Adds `n` at `atMs` and answers the key's count over the last `windowMs`. */
  add(key: string, atMs: number, windowMs: number, n = 1): number {
    const size = Math.max(1, Math.floor(windowMs / 10));
    const bucket = Math.floor(atMs / size);
    let e = this.#keys.get(key);
    if (!e) {
      if (this.#keys.size >= this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
      e = { bucket, counts: new Array<number>(10).fill(0) };
    } else this.#keys.delete(key);
    this.#keys.set(key, e);
    const shift = bucket - e.bucket;
    if (shift >= 10) e.counts.fill(0);
    else if (shift > 0) {
      e.counts.splice(0, shift);
      for (let i = 0; i < shift; i++) e.counts.push(0);
    }
    if (shift > 0) e.bucket = bucket;
    if (shift >= 0) e.counts[9]! += n;
    else if (shift > -10) e.counts[9 + shift]! += n;
    let sum = 0;
    for (const c of e.counts) sum += c;
    return sum;
  }

  reset(key: string): void {
    this.#keys.delete(key);
  }
}

/** Distinct values per key seen within the window (each value's last sighting is kept). */
export class DistinctWindow {
  readonly #keys = new Map<string, Map<string, number>>();
  readonly #maxKeys: number;
  readonly #maxValues: number;
  constructor(maxKeys = 50_000, maxValues = 1_000) {
    this.#maxKeys = maxKeys;
    this.#maxValues = maxValues;
  }

  /** Records `value` for `key` at `atMs`; answers how many distinct values it had in `windowMs`. */
  add(key: string, value: string, atMs: number, windowMs: number): number {
    let m = this.#keys.get(key);
    if (!m) {
      if (this.#keys.size >= this.#maxKeys) this.#keys.delete(this.#keys.keys().next().value!);
      m = new Map();
      this.#keys.set(key, m);
    }
    m.delete(value);
    m.set(value, atMs);
    const since = atMs - windowMs;
    for (const [v, at] of m) {
      if (at >= since && m.size <= this.#maxValues) break;
      m.delete(v);
    }
    return m.size;
  }

  values(key: string): string[] {
    return [...(this.#keys.get(key)?.keys() ?? [])];
  }

  reset(key: string): void {
    this.#keys.delete(key);
  }
}

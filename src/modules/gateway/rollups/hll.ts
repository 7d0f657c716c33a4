import { hash } from 'node:crypto';

/**
 * A HyperLogLog sketch of distinct end users (Flajolet et al. 2007, with the small-range linear
 * counting correction): 2^12 = 4,096 registers, standard error 1.04 / √4096 ≈ 1.6 % (so ~95 % of
 * estimates within ±3.2 %; exact-ish below ~3,000 users, where linear counting rules).
 *
 * Sparse until it is not small (ADR 0021): a sketch starts as a short sorted list of its non-zero
 * registers — (register, rank) entries, the highest rank per register, as HLL++ keeps them — and
 * turns dense (4,096 one-byte registers) once it holds more than SPARSE_MAX entries. Most app-hours
 * have a few users, so most stored sketches are a few hundred bytes instead of 5.5 KB. Both forms
 * hold exactly the same registers: the estimate, a merge and the stored dense form are the same
 * whichever form a sketch is in (rollups.test.ts checks it by property).
 *
 * Why our own: the npm HyperLogLog packages are unmaintained or carry their own hash and wire
 * formats; the algorithm is short and its properties are tested (merge is commutative,
 * associative and idempotent, and estimates stay within 3 sigma of the truth).
 *
 * Mergeable: the sketch of a union is the register-wise maximum, so per-hour / per-day sketches
 * of an app, an organisation and the whole gateway are merged for any window. Stored as text (the
 * house's column kinds have no blob): dense as base64 of the registers, sparse as 's:' + base64 of
 * 3 bytes per entry (register << 6 | rank), registers ascending. Items are hashed here (MD5's
 * first 64 bits: spread matters, not secrecy — the inputs are already keyed HMACs of end users).
 */
const HLL_P = 12;
const M = 1 << HLL_P;
const ALPHA = 0.7213 / (1 + 1.079 / M);
/** Above this many non-zero registers a sketch is dense (3 bytes an entry: ~900 bytes at most). */
export const SPARSE_MAX = 300;
const SPARSE_PREFIX = 's:';

/** The 64 bits an item is sketched by, as two unsigned 32-bit halves. */
export function hllHash(item: string): [number, number] {
  const h = hash('md5', item, 'buffer');
  return [h.readUInt32BE(0), h.readUInt32BE(4)];
}

export class Hll {
  /** Dense registers, or null while sparse. */
  #dense: Uint8Array | null;
  /** Sparse: register → rank (non-zero only), while #dense is null. */
  #sparse: Map<number, number> | null;

  constructor(registers?: Uint8Array) {
    this.#dense = registers ?? null;
    this.#sparse = registers ? null : new Map();
  }

  get isSparse(): boolean {
    return this.#dense === null;
  }

  /** All 4,096 registers (a copy when sparse): what the sketch is, whatever its form. */
  get registers(): Uint8Array {
    if (this.#dense) return this.#dense;
    const out = new Uint8Array(M);
    for (const [idx, rank] of this.#sparse!) out[idx] = rank;
    return out;
  }

  /** Adds one item (any string; the same string twice counts once). */
  add(item: string): void {
    const [hi, lo] = hllHash(item);
    this.addHashed(hi, lo);
  }

  /** Adds an item by its hllHash (hash once, add to several sketches). */
  addHashed(hi: number, lo: number): void {
    const idx = hi >>> (32 - HLL_P);
    // The remaining 52 bits: rank = position of the first 1 bit (1-based), capped at 53.
    const rest = ((hi << HLL_P) >>> 0) >>> HLL_P; // low 20 bits of hi
    let rank: number;
    if (rest !== 0) rank = Math.clz32(rest) - HLL_P + 1;
    else rank = lo !== 0 ? 32 - HLL_P + Math.clz32(lo) + 1 : 32 - HLL_P + 33;
    this.#set(idx, rank);
  }

  #set(idx: number, rank: number): void {
    const d = this.#dense;
    if (d) {
      if (rank > d[idx]) d[idx] = rank;
      return;
    }
    const s = this.#sparse!;
    const had = s.get(idx);
    if (had === undefined || rank > had) {
      s.set(idx, rank);
      if (s.size > SPARSE_MAX) this.#densify();
    }
  }

  #densify(): void {
    this.#dense = this.registers;
    this.#sparse = null;
  }

  /** Takes in `other` (register-wise maximum): this becomes the sketch of the union. */
  merge(other: Hll): this {
    if (other.#dense) {
      if (!this.#dense) this.#densify();
      const a = this.#dense!;
      const b = other.#dense;
      for (let i = 0; i < M; i++) if (b[i] > a[i]) a[i] = b[i];
      return this;
    }
    for (const [idx, rank] of other.#sparse!) this.#set(idx, rank);
    return this;
  }

  estimate(): number {
    let sum = 0;
    let zeros = 0;
    if (this.#dense) {
      const d = this.#dense;
      for (let i = 0; i < M; i++) {
        const r = d[i];
        sum += 2 ** -r;
        if (r === 0) zeros++;
      }
    } else {
      zeros = M - this.#sparse!.size;
      sum = zeros;
      for (const r of this.#sparse!.values()) sum += 2 ** -r;
    }
    const raw = (ALPHA * M * M) / sum;
    if (raw <= 2.5 * M && zeros > 0) return Math.round(M * Math.log(M / zeros));
    return Math.round(raw);
  }

  toText(): string {
    if (this.#dense) return Buffer.from(this.#dense.buffer, this.#dense.byteOffset, M).toString('base64');
    const idxs = [...this.#sparse!.keys()].sort((a, b) => a - b);
    const b = Buffer.allocUnsafe(idxs.length * 3);
    for (let i = 0; i < idxs.length; i++)
      b.writeUIntBE((idxs[i] << 6) | this.#sparse!.get(idxs[i])!, i * 3, 3);
    return SPARSE_PREFIX + b.toString('base64');
  }

  /** A stored sketch, either form; anything that is not one reads as empty (never throws on a damaged row). */
  static fromText(text: string | null | undefined): Hll {
    if (!text) return new Hll();
    if (text.startsWith(SPARSE_PREFIX)) {
      const b = Buffer.from(text.slice(SPARSE_PREFIX.length), 'base64');
      if (b.length % 3 !== 0) return new Hll();
      const h = new Hll();
      for (let i = 0; i < b.length; i += 3) {
        const e = b.readUIntBE(i, 3);
        const idx = e >>> 6;
        if (idx >= M) return new Hll();
        if ((e & 63) !== 0) h.#set(idx, e & 63);
      }
      return h;
    }
    const b = Buffer.from(text, 'base64');
    if (b.length !== M) return new Hll();
    return new Hll(new Uint8Array(b));
  }
}

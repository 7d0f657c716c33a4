import type { CallRecord } from '../gateway/index.ts';
import { COUNTER, type EncodedCalls, encodeInto, reserveOf } from './engine-wire.ts';

/**
 * The call ring: the memory the serving thread writes the feed's batches into and the detectors'
 * worker decodes them from (a SharedArrayBuffer, one writer and one reader). Handing a batch over
 * then allocates nothing: a buffer of its own per batch (zeroed, or unzeroed and still ~8 µs for a
 * busy turn's ~60 KB) cost more than the encoding itself (docs/performance.md item 45). The
 * message that tells the worker a batch is there carries its text and a few numbers.
 *
 * Bytes are counted, not wrapped: `written` only grows; the worker publishes how far it has read
 * (COUNTER.ringRead) once a batch is decoded, so at most the ring's size is written and not yet
 * read. A batch is contiguous: one that would cross the end starts again at the beginning, and the
 * bytes skipped count as written. Records that do not fit — the worker is that far behind — are
 * not written; the caller counts them as shed, and nothing waits.
 */
export class CallRing {
  readonly sab: SharedArrayBuffer;
  readonly #bytes: Buffer;
  readonly #c: BigInt64Array;
  #written = 0;

  /** `counters`: the engine's shared counters (COUNTER.ringRead is set to 0 here). */
  constructor(size: number, counters: BigInt64Array) {
    this.sab = new SharedArrayBuffer(size - (size % 8));
    this.#bytes = Buffer.from(this.sab);
    this.#c = counters;
    Atomics.store(counters, COUNTER.ringRead, 0n);
  }

  /**
   * Writes the longest run of records from `from` that fits and answers its wire form (its `end`
   * set), or null when not even the first fits: the caller sheds the rest.
   */
  put(batch: readonly CallRecord[], from: number): EncodedCalls | null {
    const size = this.sab.byteLength;
    const free = size - (this.#written - Number(Atomics.load(this.#c, COUNTER.ringRead)));
    let at = this.#written % size;
    let room = Math.min(free, size - at);
    const first = reserveOf(batch[from]!);
    if (first > room) {
      // Not before the end: from the beginning, if the bytes to the end and the batch fit.
      if (at === 0 || first > free - (size - at) || first > size) return null;
      this.#written += size - at;
      room = free - (size - at);
      at = 0;
    }
    let to = from + 1;
    let need = first;
    while (to < batch.length) {
      const more = reserveOf(batch[to]!);
      if (need + more > room) break;
      need += more;
      to++;
    }
    const { v, endByte } = encodeInto(batch, from, to, this.#bytes, at);
    // The next batch starts on a multiple of 8 (its numbers are float64s).
    this.#written += endByte - at + ((8 - (endByte % 8)) % 8);
    v.end = this.#written;
    return v;
  }
}

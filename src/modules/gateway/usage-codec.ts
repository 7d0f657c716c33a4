import { type IdSeries, idSeries, seriesId } from '../../platform/ids.ts';
import type { UsageRecord } from './usage-writer.ts';

/**
 * How usage records are held until they are written, and how they cross to the usage worker
 * thread. A record is not kept as an object, nor as JS values that point at its strings: its
 * fields are written as bytes into one off-heap buffer per chunk (`BatchBuilder`). Why bytes:
 * - Buffered records are what a scavenge finds alive. Held as objects, or as a flat array of values
 *   (the previous codec), every buffered request id was copied by the scavenger; once a chunk's
 *   array had been promoted, the young strings it pointed at were kept alive and promoted after it
 *   even when the chunk was already written (the measurements: docs/performance.md item 22).
 *   A byte buffer holds no pointers: the scavenger has nothing to copy or to keep alive.
 * - The hand-over to the worker is one memory copy of the bytes (structured clone of a Uint8Array):
 *   no JSON to build on the serving thread, no property names to write per record.
 * Text fields that repeat from one record to the next (the same organisation, app, operation,
 * client address) are written as one SAME byte. Bodies the request log keeps (a few per app and
 * second) still travel as values beside the bytes. `decodeBatch` gives back records equal to the
 * ones added, with the latency in whole microseconds as the usage table stores it
 * (usage-codec.test.ts), and gives each its row id: the chunk's id series (one random draw per
 * chunk, none per call) plus the record's position, so a chunk written twice — retried after a lost
 * answer, or split to isolate a row the database refuses — writes the same ids, and the writer's
 * idempotent inserts keep one row each.
 */
export type EncodedBatch = {
  /** The records, `count` of them, in the layout `BatchBuilder.add` writes. */
  data: Uint8Array;
  /** Records in the batch. */
  count: number;
  /** [record index, request headers, request body, response body] for records with bodies. */
  bodies: Array<[number, UsageRecord['requestHeaders'], unknown, unknown]>;
  /** The chunk's id series: record i's row id is `seriesId('use', atMs, series, i)`. */
  series: IdSeries;
  /** [record index, reason] for records whose bodies were dropped on the way (usage-sink.ts). */
  dropped?: Array<[number, string]>;
};

/** A record's row id: time-ordered by its call's time (0 when that is not a usable time). */
export function usageRowId(atMs: number, series: IdSeries, index: number): string {
  return seriesId('use', atMs >= 0 && atMs < 2 ** 48 ? Math.floor(atMs) : 0, series, index);
}

/** Text field tags. */
const SAME = 0;
const NULL = 1;
const TEXT = 2;

/** Bytes of a record's numbers: atMs, latency, bytes in, bytes out, status (float64), flags (byte). */
const NUMBERS = 5 * 8 + 1;
/** Bytes of a record without its text: the numbers and the 12 text fields' tags. */
const FIXED = NUMBERS + 12;
/** A text field's length prefix (uint32) on top of its UTF-8 bytes (at most 3 per UTF-16 unit). */
const textRoom = (s: string | null) => (s == null ? 0 : 4 + 3 * s.length);

/**
 * Chunk buffers written and acknowledged, kept for the next chunks: allocating off-heap memory for
 * every chunk counted against V8's external-memory budget and brought on major GCs of its own.
 */
const spare: Buffer[] = [];
const SPARE_MAX = 16;

/** Hands a written batch's buffer back for reuse; the batch must not be read afterwards. */
export function releaseBatch(batch: EncodedBatch): void {
  const d = batch.data;
  // Only a builder's own buffer (its own memory, from offset 0) goes back.
  if (d.byteOffset !== 0 || d.buffer.byteLength < 256 || !(d.buffer instanceof ArrayBuffer)) return;
  if (spare.length < SPARE_MAX) spare.push(Buffer.from(d.buffer));
  batch.data = EMPTY;
  batch.count = 0;
}

const EMPTY = new Uint8Array(0);

/** One chunk of records being collected: their bytes, and the bodies kept. */
export class BatchBuilder {
  #buf: Buffer;
  #view: DataView;
  #at = 0;
  readonly #bodies: EncodedBatch['bodies'] = [];
  readonly #series = idSeries();
  // The previous record's text fields (SAME is written when a field equals its predecessor's).
  #orgId: string | null | undefined;
  #appId: string | null | undefined;
  #productSlug: string | null | undefined;
  #operationId: string | null | undefined;
  #catalog: string | undefined;
  #method: string | undefined;
  #path: string | undefined;
  #errorCode: string | null | undefined;
  #networkCode: string | null | undefined;
  #clientIp: string | undefined;
  #endUserHash: string | null | undefined;
  count = 0;

  /** `expected`: records the chunk will probably hold (sizes the first buffer; it grows if needed). */
  constructor(expected = 64) {
    const size = Math.max(256, expected * 96);
    const reused = spare.length > 0 && spare[spare.length - 1].length >= size ? spare.pop() : undefined;
    this.#buf = reused ?? Buffer.allocUnsafeSlow(size);
    this.#view = new DataView(this.#buf.buffer, this.#buf.byteOffset, this.#buf.byteLength);
  }

  add(rec: UsageRecord): void {
    // Worst case for this record (text at 3 bytes per UTF-16 unit), so no write below overflows.
    const need =
      FIXED +
      textRoom(rec.orgId) +
      textRoom(rec.appId) +
      textRoom(rec.productSlug) +
      textRoom(rec.operationId) +
      textRoom(rec.catalog) +
      textRoom(rec.method) +
      textRoom(rec.path) +
      textRoom(rec.errorCode) +
      textRoom(rec.networkCode) +
      textRoom(rec.clientIp) +
      textRoom(rec.endUserHash) +
      textRoom(rec.requestId);
    if (this.#at + need > this.#buf.length) this.#grow(this.#at + need);
    const v = this.#view;
    let at = this.#at;
    v.setFloat64(at, rec.atMs, true);
    // Latency is kept in whole microseconds, as the usage table stores it.
    v.setFloat64(at + 8, Math.round(rec.latencyUs), true);
    v.setFloat64(at + 16, rec.bytesIn, true);
    v.setFloat64(at + 24, rec.bytesOut, true);
    v.setFloat64(at + 32, rec.status, true);
    v.setUint8(at + 40, (rec.replayed ? 1 : 0) | (rec.liveDataSuspected ? 2 : 0));
    at += NUMBERS;
    // Named reads and writes, one per field (a loop over field names would be a slow keyed read).
    at = this.#text(at, rec.orgId, this.#orgId);
    at = this.#text(at, rec.appId, this.#appId);
    at = this.#text(at, rec.productSlug, this.#productSlug);
    at = this.#text(at, rec.operationId, this.#operationId);
    at = this.#text(at, rec.catalog, this.#catalog);
    at = this.#text(at, rec.method, this.#method);
    at = this.#text(at, rec.path, this.#path);
    at = this.#text(at, rec.errorCode, this.#errorCode);
    at = this.#text(at, rec.networkCode, this.#networkCode);
    at = this.#text(at, rec.clientIp, this.#clientIp);
    at = this.#text(at, rec.endUserHash, this.#endUserHash);
    at = this.#text(at, rec.requestId, undefined);
    this.#at = at;
    this.#orgId = rec.orgId;
    this.#appId = rec.appId;
    this.#productSlug = rec.productSlug;
    this.#operationId = rec.operationId;
    this.#catalog = rec.catalog;
    this.#method = rec.method;
    this.#path = rec.path;
    this.#errorCode = rec.errorCode;
    this.#networkCode = rec.networkCode;
    this.#clientIp = rec.clientIp;
    this.#endUserHash = rec.endUserHash;
    if (!rec.bodiesSkipped) {
      this.#bodies.push([this.count, rec.requestHeaders, rec.requestBody, rec.responseBody]);
    }
    this.count++;
  }

  /** Writes one text field at `at` (SAME when it equals `prev`); returns where the next one goes. */
  #text(at: number, s: string | null, prev: string | null | undefined): number {
    if (s === prev) {
      this.#buf[at] = SAME;
      return at + 1;
    }
    // (undefined where the type says string never reaches here from the gateway; stored as null.)
    if (s == null) {
      this.#buf[at] = NULL;
      return at + 1;
    }
    this.#buf[at] = TEXT;
    const n = s.length === 0 ? 0 : this.#buf.write(s, at + 5, 'utf8');
    this.#view.setUint32(at + 1, n, true);
    return at + 5 + n;
  }

  #grow(min: number): void {
    const next = Buffer.allocUnsafeSlow(Math.max(min, this.#buf.length * 2));
    this.#buf.copy(next, 0, 0, this.#at);
    this.#buf = next;
    this.#view = new DataView(next.buffer, next.byteOffset, next.byteLength);
  }

  /** The chunk as it crosses to the worker: the bytes written (a view, not a copy), the bodies. */
  encode(): EncodedBatch {
    return {
      data: this.#buf.subarray(0, this.#at),
      count: this.count,
      bodies: this.#bodies,
      series: this.#series,
    };
  }
}

export function encodeBatch(batch: UsageRecord[]): EncodedBatch {
  const b = new BatchBuilder(batch.length);
  for (const r of batch) b.add(r);
  return b.encode();
}

export function decodeBatch(enc: EncodedBatch): UsageRecord[] {
  const d = enc.data;
  const buf = Buffer.from(d.buffer, d.byteOffset, d.byteLength);
  const v = new DataView(d.buffer, d.byteOffset, d.byteLength);
  const out: UsageRecord[] = new Array(enc.count);
  let at = 0;
  // A text field is SAME (the previous record's value), NULL, or a length and UTF-8 bytes.
  const text = (before: string | null): string | null => {
    const tag = buf[at];
    if (tag === SAME) {
      at += 1;
      return before;
    }
    if (tag === NULL) {
      at += 1;
      return null;
    }
    if (tag !== TEXT || at + 5 > buf.length) throw new Error('usage batch: bad text field');
    const n = v.getUint32(at + 1, true);
    const start = at + 5;
    at = start + n;
    if (at > buf.length) throw new Error('usage batch: text runs past the end');
    return n === 0 ? '' : buf.toString('utf8', start, at);
  };
  let prev: UsageRecord | undefined;
  for (let r = 0; r < enc.count; r++) {
    if (at + FIXED > buf.length) throw new Error('usage batch: truncated');
    const atMs = v.getFloat64(at, true);
    const latencyUs = v.getFloat64(at + 8, true);
    const bytesIn = v.getFloat64(at + 16, true);
    const bytesOut = v.getFloat64(at + 24, true);
    const status = v.getFloat64(at + 32, true);
    const flags = buf[at + 40];
    at += NUMBERS;
    // Object literal in field order: every record gets the same hidden class.
    const rec: UsageRecord = {
      id: usageRowId(atMs, enc.series, r),
      atMs,
      orgId: text(prev ? prev.orgId : null),
      appId: text(prev ? prev.appId : null),
      productSlug: text(prev ? prev.productSlug : null),
      operationId: text(prev ? prev.operationId : null),
      catalog: text(prev ? prev.catalog : null) as string,
      method: text(prev ? prev.method : null) as string,
      path: text(prev ? prev.path : null) as string,
      status,
      errorCode: text(prev ? prev.errorCode : null),
      networkCode: text(prev ? prev.networkCode : null),
      latencyUs,
      clientIp: text(prev ? prev.clientIp : null) as string,
      endUserHash: text(prev ? prev.endUserHash : null),
      requestId: text(null) as string,
      bytesIn,
      bytesOut,
      replayed: (flags & 1) !== 0,
      liveDataSuspected: (flags & 2) !== 0,
      requestHeaders: null,
      requestBody: undefined,
      responseBody: null,
      bodiesSkipped: true,
    };
    out[r] = rec;
    prev = rec;
  }
  for (const [r, headers, requestBody, responseBody] of enc.bodies) {
    const rec = out[r];
    rec.requestHeaders = headers;
    rec.requestBody = requestBody;
    rec.responseBody = responseBody;
    rec.bodiesSkipped = false;
  }
  if (enc.dropped) for (const [r, reason] of enc.dropped) out[r].droppedReason = reason;
  return out;
}

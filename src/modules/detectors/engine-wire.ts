import type { MessagePort } from 'node:worker_threads';
import type { CallRecord, ClassedCallRecord } from '../gateway/index.ts';
import { probeClassOf, userAgentClassOf } from './call-classes.ts';
import type { Finding, Signal } from './detector.ts';
import type { DetectorSettings } from './engine-core.ts';

/**
 * What the serving thread and the detectors' worker thread say to each other, and how a batch of
 * call records travels (`EncodedCalls`): its numbers and texts' lengths in one transferred
 * ArrayBuffer with its body heads' bytes, its other texts in one string — not as objects, whose structured clone writes every
 * property name and value one by one (~12 k instructions per record of the bench call on the
 * serving thread, docs/performance.md item 41). A round-trip test (engine-wire.test.ts) holds a
 * fully populated record equal to itself after decoding, so a field added to CallRecord that is
 * not carried here fails it (a required one fails the type check of `decodeCalls` first).
 *
 * A feed record travels unclassed (its `probe` and User-Agent class absent) with its raw inputs;
 * `decodeCalls`, in the worker, computes the classes from them (call-classes.ts) and keeps no
 * input. A record that arrives classed keeps its classes.
 */

/** Main → worker. */
export type ToWorker =
  /** Batches in the order written (the feed's: in the call ring; a feeder's: each its own buffer). */
  | { t: 'calls'; vs: EncodedCalls[] }
  | { t: 'signal'; s: Signal }
  | { t: 'configure'; id: string; s: DetectorSettings }
  | { t: 'idle'; id: number }
  /** A second producer's port (bench/detectors.ts): its `calls` are evaluated like the feed's. */
  | { t: 'feeder'; port: MessagePort };

/** Worker → main. */
export type FromWorker =
  | { t: 'ready'; threadId: number }
  | { t: 'found'; d: string; f: Finding }
  | { t: 'idle'; id: number };

/** What the worker is started with. */
export type EngineWorkerData = {
  /** The module whose `DETECTORS` export the worker runs (the catalogue; tests name a fixture). */
  module: string;
  /** The detectors to run, by id, and the settings in force. */
  settings: Array<[string, DetectorSettings]>;
  maxQueued: number;
  sliceSize: number;
  /** The shared counters (COUNTER): written by the worker, read by the main thread at any time. */
  counters: SharedArrayBuffer;
  /** The call ring the feed's batches are written into (call-ring.ts). */
  ring: SharedArrayBuffer;
};

/** Slots of the shared counters (a BigInt64Array; the worker adds and stores with Atomics). */
export const COUNTER = {
  /** Signals evaluated. */
  processed: 0,
  /** Signals shed by the worker's queue. */
  shed: 1,
  /** Signals waiting in the worker's queue now. */
  queued: 2,
  /** The oldest waiting signal's time (ms since the epoch), -1 when none waits. */
  oldestAtMs: 3,
  /** Signals the worker has taken off its port (evaluated, waiting or shed). */
  taken: 4,
  /** The call ring's read position: bytes the worker has decoded and given back (call-ring.ts). */
  ringRead: 5,
} as const;
export const COUNTER_SLOTS = 6;

/** The refs a record may carry, in wire order (a round-trip test holds them complete). */
const REF_KEYS = [
  'stan',
  'rrn',
  'authId',
  'companyCode',
  'consumerNo',
  'accountTo',
  'referenceNo',
  'rtpId',
  'originalRrn',
  'originalStan',
  'originalAuthId',
  'qrInitiation',
] as const satisfies ReadonlyArray<keyof CallRecord['refs']>;
/** A ref's index in REF_KEYS (a switch: cheaper than a keyed lookup on the serving thread). */
function refIndex(k: string): number {
  switch (k) {
    case 'stan':
      return 0;
    case 'rrn':
      return 1;
    case 'authId':
      return 2;
    case 'companyCode':
      return 3;
    case 'consumerNo':
      return 4;
    case 'accountTo':
      return 5;
    case 'referenceNo':
      return 6;
    case 'rtpId':
      return 7;
    case 'originalRrn':
      return 8;
    case 'originalStan':
      return 9;
    case 'originalAuthId':
      return 10;
    default:
      return REF_KEYS.indexOf(k as (typeof REF_KEYS)[number]);
  }
}

/**
 * A batch of call records on the wire: its numbers and every text's length as float64s (`nums`
 * slots from byte `at`, a multiple of 8), then its body heads' UTF-8 bytes, in one buffer; every
 * other text of every record concatenated into `text`, in the order `encodeCalls` writes them.
 * The buffer is the detectors' call ring (call-ring.ts: shared with the worker, so nothing is
 * allocated, zeroed or copied to hand a batch over; `end` is the ring's write position after the
 * batch, which the worker publishes once it has decoded it) or, with `buf`, the batch's own
 * (moved in the transfer list; tests and the bench's feeder). No record is an object, so the
 * structured clone writes one short string and a few numbers whatever the batch holds: the
 * serving thread's cost per record is the number stores, the concatenations and one copy of its
 * body's head — its bytes as received, or a text's UTF-8 (docs/performance.md items 41, 45, 46).
 * Texts are cut by their lengths, never by a separator, so any content travels as is (a body
 * head's lone UTF-16 surrogate, or a character its byte bound cut, arrives as U+FFFD, which no
 * signature class tells apart from it).
 */
export type EncodedCalls = {
  n: number;
  at: number;
  nums: number;
  text: string;
  buf?: ArrayBuffer;
  end?: number;
};

/** Most numbers a record takes: 6 values, 18 text slots, the refs' count and a pair per ref. */
const MAX_NUMS = 6 + 18 + 1 + 2 * REF_KEYS.length;

/**
 * A text's length slot: -1 for null, -2 for absent, -3 for the same text as the batch's previous
 * record (the operation, app, client, network and source of a batch repeat: they are compared,
 * not copied).
 */
const NULL = -1;
const ABSENT = -2;
const SAME = -3;

/** Bytes a record may take in a batch's buffer: its numbers at their most, its head's bytes (a text's at 3 a char). */
export function reserveOf(r: CallRecord): number {
  const head = r.inputs?.bodyHead;
  // Bytes take up to 7 more: they are placed at their own offset's remainder by 8 (encodeInto).
  const headBytes = head === undefined ? 0 : typeof head === 'string' ? 3 * head.length : head.length + 7;
  // A multiple of 8, so a batch's bytes rounded up to the next float64 stay within its reserve.
  return MAX_NUMS * 8 + ((headBytes + 7) & ~7);
}

/** Encodes a batch into a buffer of its own (tests, the bench's feeder; the feed uses the call ring). */
export function encodeCalls(batch: readonly CallRecord[]): EncodedCalls & { buf: ArrayBuffer } {
  let bytes = 0;
  for (const r of batch) bytes += reserveOf(r);
  // Unzeroed: every number decodeCalls reads is written, and the bytes past them stay in this process.
  const buf = Buffer.allocUnsafeSlow(bytes);
  const { v } = encodeInto(batch, 0, batch.length, buf, 0);
  return { ...v, buf: buf.buffer };
}

/**
 * Encodes records [from, to) of a batch at byte `at` (a multiple of 8) of `bytes`, which must hold
 * their `reserveOf` (runs on the serving thread: number stores, comparisons and concatenations).
 * Answers the batch's wire form and the byte after the last one written.
 */
export function encodeInto(
  batch: readonly CallRecord[],
  from: number,
  to: number,
  bytes: Buffer,
  at: number,
): { v: EncodedCalls; endByte: number } {
  const nums = (to - from) * MAX_NUMS;
  const num = new Float64Array(bytes.buffer, bytes.byteOffset + at, nums);
  let headAt = at + nums * 8;
  let o = 0;
  let text = '';
  // Each text slot is written inline, not through a helper: a batch is a few records, so this
  // function seldom reaches V8's top tier, where a call per slot (18 a record) would be inlined.
  // Slot values: NULL, ABSENT, SAME (as `q`, the previous record; never on a batch's first) or the
  // length, its text appended to `text`.
  let q: CallRecord | undefined;
  let t: string | null | undefined;
  for (let i = from; i < to; i++) {
    const r = batch[i]!;
    const { shape, client, source, inputs, refs } = r;
    num[o++] = r.atMs;
    num[o++] = r.status;
    num[o++] = shape.bytesIn;
    num[o++] = shape.bytesOut;
    num[o++] = r.latencyUs;
    num[o++] =
      (shape.idempotencyKey ? 1 : 0) |
      (shape.endUser ? 2 : 0) |
      (shape.query ? 4 : 0) |
      (shape.bodyRefused ? 8 : 0) |
      (shape.signed === undefined ? 0 : shape.signed ? 16 : 32) |
      (r.replayed ? 64 : 0) |
      (r.liveDataSuspected ? 128 : 0);
    // The texts every record has (never null).
    t = r.requestId;
    num[o++] = t.length;
    text += t;
    t = r.operationId;
    if (q !== undefined && t === q.operationId) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = r.productSlug;
    if (q !== undefined && t === q.productSlug) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = r.catalog;
    if (q !== undefined && t === q.catalog) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = r.method;
    if (q !== undefined && t === q.method) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = r.path;
    if (q !== undefined && t === q.path) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    // The texts that may be null or absent.
    t = r.probe;
    if (t === null) num[o++] = NULL;
    else if (t === undefined) num[o++] = ABSENT;
    else if (q !== undefined && t === q.probe) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = r.errorCode;
    if (t === null) num[o++] = NULL;
    else if (q !== undefined && t === q.errorCode) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = r.networkCode;
    if (t === null) num[o++] = NULL;
    else if (q !== undefined && t === q.networkCode) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = client.orgId;
    if (t === null) num[o++] = NULL;
    else if (q !== undefined && t === q.client.orgId) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = client.appId;
    if (t === null) num[o++] = NULL;
    else if (q !== undefined && t === q.client.appId) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = client.clientId;
    if (t === null) num[o++] = NULL;
    else if (q !== undefined && t === q.client.clientId) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = client.tokenNetwork;
    if (t === null) num[o++] = NULL;
    else if (q !== undefined && t === q.client.tokenNetwork) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = source.ip;
    if (q !== undefined && t === q.source.ip) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    t = source.userAgent;
    if (t === undefined) num[o++] = ABSENT;
    else if (q !== undefined && t === q.source.userAgent) num[o++] = SAME;
    else {
      num[o++] = t.length;
      text += t;
    }
    if (inputs === undefined) {
      num[o++] = ABSENT;
      num[o++] = ABSENT;
      num[o++] = 0;
    } else {
      t = inputs.query;
      if (q !== undefined && t === q.inputs?.query) num[o++] = SAME;
      else {
        num[o++] = t.length;
        text += t;
      }
      t = inputs.userAgent;
      if (t === null) num[o++] = NULL;
      else if (q !== undefined && t === q.inputs?.userAgent) num[o++] = SAME;
      else {
        num[o++] = t.length;
        text += t;
      }
      const head = inputs.bodyHead;
      if (head.length === 0) num[o++] = 0;
      else if (typeof head === 'string') {
        const n = bytes.write(head, headAt, 'utf8');
        num[o++] = n * 8;
        headAt += n;
      } else {
        // The bytes as received: one copy, no conversion. Into shared memory V8 copies a word at
        // a time only when source and target have the same remainder by 8 (else a byte at a time,
        // ~6 instructions a byte), so the head starts at its source's remainder: up to 7 bytes
        // skipped, their count in the slot's low 3 bits.
        const pad = (head.byteOffset - headAt) & 7;
        bytes.set(head, headAt + pad);
        num[o++] = head.length * 8 + pad;
        headAt += pad + head.length;
      }
    }
    const countAt = o++;
    let count = 0;
    for (const k in refs) {
      t = refs[k as keyof typeof refs];
      if (t === undefined) continue;
      num[o++] = refIndex(k);
      num[o++] = t.length;
      text += t;
      count++;
    }
    num[countAt] = count;
    q = r;
  }
  return { v: { n: to - from, at, nums, text }, endByte: headAt };
}

/** The records of one encoded batch, classed (runs in the worker: the scans happen here); `ring`: the call ring's bytes. */
export function decodeCalls(v: EncodedCalls, ring?: Buffer): ClassedCallRecord[] {
  const { text } = v;
  const bytes = v.buf ? Buffer.from(v.buf) : ring;
  if (bytes === undefined) throw new Error('a batch in the call ring needs the ring to be decoded');
  const num = new Float64Array(bytes.buffer, bytes.byteOffset + v.at, v.nums);
  let headAt = v.at + v.nums * 8;
  const out: ClassedCallRecord[] = [];
  let o = 0;
  let at = 0;
  // The texts of the previous record, by slot (SAME refers to them).
  const last: Array<string | null | undefined> = [];
  const take = (slot = -1): string | null | undefined => {
    const len = num[o++]!;
    let t: string | null | undefined;
    if (len === NULL) t = null;
    else if (len === ABSENT) t = undefined;
    else if (len === SAME) t = last[slot];
    else {
      at += len;
      t = text.slice(at - len, at);
    }
    if (slot >= 0) last[slot] = t;
    return t;
  };
  for (let i = 0; i < v.n; i++) {
    const atMs = num[o++]!;
    const status = num[o++]!;
    const bytesIn = num[o++]!;
    const bytesOut = num[o++]!;
    const latencyUs = num[o++]!;
    const flags = num[o++]!;
    const requestId = take() as string;
    const operationId = take(0) as string;
    const productSlug = take(1) as string;
    const catalog = take(2) as CallRecord['catalog'];
    const method = take(3) as string;
    const path = take(4) as string;
    const probe = take(5) as CallRecord['probe'];
    const errorCode = take(6) as string | null;
    const networkCode = take(7) as string | null;
    const orgId = take(8) as string | null;
    const appId = take(9) as string | null;
    const clientId = take(10) as string | null;
    const tokenNetwork = take(11) as string | null;
    const ip = take(12) as string;
    const ua = take(13) as CallRecord['source']['userAgent'];
    const query = take(14) ?? '';
    const rawUa = take(15) ?? null;
    // The head's byte count times 8, plus the bytes skipped before it (encodeInto).
    const headSlot = num[o++]!;
    headAt += headSlot & 7;
    const headBytes = headSlot >>> 3;
    const bodyHead = headBytes === 0 ? '' : bytes.toString('utf8', headAt, headAt + headBytes);
    headAt += headBytes;
    const refs: CallRecord['refs'] = {};
    for (let k = num[o++]!; k > 0; k--) refs[REF_KEYS[num[o++]!]!] = take() as string;
    const signed = flags & 16 ? true : flags & 32 ? false : undefined;
    out.push({
      atMs,
      requestId,
      operationId,
      productSlug,
      catalog,
      method,
      path,
      probe: probe !== undefined ? probe : probeClassOf(path + query, bodyHead),
      status,
      errorCode,
      networkCode,
      refs,
      shape: {
        bytesIn,
        bytesOut,
        idempotencyKey: (flags & 1) !== 0,
        endUser: (flags & 2) !== 0,
        query: (flags & 4) !== 0,
        bodyRefused: (flags & 8) !== 0,
        ...(signed !== undefined ? { signed } : {}),
      },
      client: { orgId, appId, clientId, tokenNetwork },
      source: { ip, userAgent: ua ?? userAgentClassOf(rawUa) },
      latencyUs,
      replayed: (flags & 64) !== 0,
      liveDataSuspected: (flags & 128) !== 0,
    });
  }
  return out;
}

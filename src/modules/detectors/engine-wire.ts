import type { MessagePort } from 'node:worker_threads';
import type { CallRecord, ClassedCallRecord } from '../gateway/index.ts';
import { probeClassOf, userAgentClassOf } from './call-classes.ts';
import type { Finding, Signal } from './detector.ts';
import type { DetectorSettings } from './engine-core.ts';

/**
 * What the serving thread and the detectors' worker thread say to each other, and how a batch of
 * call records travels: as one flat array of values in a fixed order (`encodeCalls`), not as an
 * array of objects. The structured clone of a flat array writes no property names and makes no
 * nested objects (the references stay one small object); in-process, encoding and posting cost
 * the sending thread ~0.7–0.8 µs per record against ~1.25–1.6 µs for the records as objects
 * (docs/performance.md item 36). A round-trip test (engine-wire.test.ts) holds a
 * fully populated record equal to itself after decoding, so a field added to CallRecord that is
 * not carried here fails it (a required one fails the type check of `decodeCalls` first).
 *
 * A feed record travels unclassed (its `probe` and User-Agent class slots undefined) with its raw
 * inputs in three more slots; `decodeCalls`, in the worker, computes the classes from them
 * (call-classes.ts) and keeps no input. A record that arrives classed keeps its classes.
 */

/** Main → worker. */
export type ToWorker =
  | { t: 'calls'; v: unknown[] }
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
} as const;
export const COUNTER_SLOTS = 5;

/** Values per record on the wire, in the order of `encodeCalls` (refs object at 26, inputs 27–29). */
const WIDTH = 30;

/** Appends a batch's records to one flat array (runs on the serving thread: plain reads and pushes). */
export function encodeCalls(batch: readonly CallRecord[]): unknown[] {
  const out: unknown[] = [];
  for (const r of batch) {
    const { shape, client, source, inputs } = r;
    out.push(
      r.atMs,
      r.requestId,
      r.operationId,
      r.productSlug,
      r.catalog,
      r.method,
      r.path,
      r.probe,
      r.status,
      r.errorCode,
      r.networkCode,
      shape.bytesIn,
      shape.bytesOut,
      shape.idempotencyKey,
      shape.endUser,
      shape.query,
      shape.bodyRefused,
      client.orgId,
      client.appId,
      client.clientId,
      client.tokenNetwork,
      shape.signed,
      source.ip,
      source.userAgent,
      r.latencyUs,
      (r.replayed ? 1 : 0) | (r.liveDataSuspected ? 2 : 0),
      // As an object: 1–4 keys set of 12, cheaper to clone than a slot for each.
      r.refs,
      inputs?.query,
      inputs?.bodyHead,
      inputs?.userAgent,
    );
  }
  return out;
}

/** The records of one encoded batch, classed (runs in the worker: the scans happen here). */
export function decodeCalls(v: readonly unknown[]): ClassedCallRecord[] {
  const out: ClassedCallRecord[] = [];
  for (let i = 0; i + WIDTH <= v.length; i += WIDTH) {
    const flags = v[i + 25] as number;
    const signed = v[i + 21] as boolean | undefined;
    const path = v[i + 6] as string;
    const probe = v[i + 7] as CallRecord['probe'];
    const ua = v[i + 23] as CallRecord['source']['userAgent'];
    out.push({
      atMs: v[i] as number,
      requestId: v[i + 1] as string,
      operationId: v[i + 2] as string,
      productSlug: v[i + 3] as string,
      catalog: v[i + 4] as CallRecord['catalog'],
      method: v[i + 5] as string,
      path,
      probe:
        probe !== undefined
          ? probe
          : probeClassOf(path + ((v[i + 27] as string) ?? ''), (v[i + 28] as string) ?? ''),
      status: v[i + 8] as number,
      errorCode: v[i + 9] as string | null,
      networkCode: v[i + 10] as string | null,
      refs: v[i + 26] as CallRecord['refs'],
      shape: {
        bytesIn: v[i + 11] as number,
        bytesOut: v[i + 12] as number,
        idempotencyKey: v[i + 13] as boolean,
        endUser: v[i + 14] as boolean,
        query: v[i + 15] as boolean,
        bodyRefused: v[i + 16] as boolean,
        ...(signed !== undefined ? { signed } : {}),
      },
      client: {
        orgId: v[i + 17] as string | null,
        appId: v[i + 18] as string | null,
        clientId: v[i + 19] as string | null,
        tokenNetwork: v[i + 20] as string | null,
      },
      source: { ip: v[i + 22] as string, userAgent: ua ?? userAgentClassOf(v[i + 29] as string | null) },
      latencyUs: v[i + 24] as number,
      replayed: (flags & 1) !== 0,
      liveDataSuspected: (flags & 2) !== 0,
    });
  }
  return out;
}

/** Records in an encoded batch. */
export function callsIn(v: readonly unknown[]): number {
  return Math.floor(v.length / WIDTH);
}

/** The newest `keep` records of an encoded batch (when the hand-over sheds the rest). */
export function newestCalls(v: unknown[], keep: number): unknown[] {
  return keep <= 0 ? [] : v.slice(v.length - keep * WIDTH);
}

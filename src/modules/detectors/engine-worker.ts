import { parentPort, threadId, workerData } from 'node:worker_threads';
import { lowerThisThreadPriority } from '../../platform/threads/priority.ts';
import type { Detector } from './detector.ts';
import { EngineCore } from './engine-core.ts';
import {
  COUNTER,
  decodeCalls,
  type EngineWorkerData,
  type FromWorker,
  type ToWorker,
} from './engine-wire.ts';

/**
 * The detectors' worker thread (engine.ts starts it): takes the batches and signals the serving
 * thread posts, evaluates them in slices (engine-core.ts), posts each finding back to be reported
 * as an incident, and keeps its counters in the shared buffer the main thread reads. It holds no
 * database connection: the incident reporter (and the policies it runs) stays on the main thread,
 * where findings are rare and the enforcement module already lives.
 */
/** How many nice steps below the process the worker runs (19 is the lowest priority). */
const DETECTORS_NICE = 10;
const port = parentPort;
if (!port) throw new Error('engine-worker.ts runs as a worker thread');
// Background work: it yields the CPU to the threads serving calls (the ring sheds if it falls far behind).
lowerThisThreadPriority(DETECTORS_NICE);
const data = workerData as EngineWorkerData;
const { DETECTORS } = (await import(data.module)) as { DETECTORS: readonly Detector[] };
const ids = new Set(data.settings.map(([id]) => id));
const counters = new BigInt64Array(data.counters);
/** The call ring (call-ring.ts): the feed's batches are decoded from it. */
const ring = Buffer.from(data.ring);
const post = (m: FromWorker) => port.postMessage(m);

let published = { processed: 0, shed: 0 };
const core = new EngineCore({
  detectors: DETECTORS.filter((d) => ids.has(d.id)),
  maxQueued: data.maxQueued,
  sliceSize: data.sliceSize,
  found: (d, f) => post({ t: 'found', d, f }),
  afterSlice: publish,
});
for (const [id, s] of data.settings) core.configure(id, s);

/** Adds what changed since the last call to the shared counters (they outlive a restarted worker). */
function publish(): void {
  Atomics.add(counters, COUNTER.processed, BigInt(core.processed - published.processed));
  Atomics.add(counters, COUNTER.shed, BigInt(core.shed - published.shed));
  published = { processed: core.processed, shed: core.shed };
  Atomics.store(counters, COUNTER.queued, BigInt(core.queued));
  Atomics.store(counters, COUNTER.oldestAtMs, BigInt(core.oldestAtMs() ?? -1));
}

port.on('message', (m: ToWorker) => {
  switch (m.t) {
    case 'calls': {
      for (const v of m.vs) {
        const records = decodeCalls(v, ring);
        // Decoded (its texts copied out): the ring's bytes up to the batch's end may be written again.
        if (v.end !== undefined) Atomics.store(counters, COUNTER.ringRead, BigInt(v.end));
        for (const r of records) core.take({ kind: 'call', r });
        Atomics.add(counters, COUNTER.taken, BigInt(v.n));
      }
      core.schedule();
      publish();
      break;
    }
    case 'signal':
      core.take(m.s);
      Atomics.add(counters, COUNTER.taken, 1n);
      core.schedule();
      publish();
      break;
    case 'configure':
      core.configure(m.id, m.s);
      break;
    case 'idle':
      core.whenEmpty(() => post({ t: 'idle', id: m.id }));
      break;
    case 'feeder':
      // Not counted as taken: the main thread's in-flight count is about its own hand-overs.
      m.port.on('message', (f: ToWorker) => {
        if (f.t !== 'calls') return;
        for (const v of f.vs) for (const r of decodeCalls(v)) core.take({ kind: 'call', r });
        core.schedule();
        publish();
      });
      break;
  }
});
post({ t: 'ready', threadId });

import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { COUNTER, encodeCalls } from '../src/modules/detectors/engine-wire.ts';
import { recordAt } from './detectors-records.ts';

/**
 * The serve mode's feeder thread (bench/detectors.ts): posts synthetic call records straight to
 * the detectors' worker (a port the engine handed it), in batches of 50 as the feed would, keeping
 * `window` records ahead of what the worker has evaluated — enough that it never waits, few enough
 * that its port never floods — until told to stop; answers with how many it offered. It runs on
 * the same cores as the gateway and the detectors, so its own CPU counts against both.
 */
const { port, counters, window } = workerData as {
  port: MessagePort;
  counters: SharedArrayBuffer;
  window: number;
};
const c = new BigInt64Array(counters);
const processed = () => Number(Atomics.load(c, COUNTER.processed));
const start = processed();
const t0 = Date.now();
let i = 0;
let stopped = false;
parentPort!.on('message', () => {
  stopped = true;
  parentPort!.postMessage({ offered: i });
  port.close();
});
const tick = () => {
  if (stopped) return;
  while (i - (processed() - start) < window) {
    const batch = [];
    // Records 25 µs apart: the detectors' windows see a stream of 40 000 calls a second.
    for (let k = 0; k < 50; k++, i++) batch.push(recordAt(i, t0 + Math.floor(i / 40)));
    port.postMessage({ t: 'calls', v: encodeCalls(batch) });
  }
  setTimeout(tick, 2);
};
tick();

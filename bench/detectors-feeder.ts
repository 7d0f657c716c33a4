import { type MessagePort, parentPort, workerData } from 'node:worker_threads';
import { COUNTER, encodeCalls } from '../src/modules/detectors/engine-wire.ts';
import { recordAt } from './detectors-records.ts';

/**
 * The serve mode's feeder thread (bench/detectors.ts): posts synthetic call records straight to
 * the detectors' worker (a port the engine handed it), in batches of 50 as the feed would, until
 * told to stop; answers with how many it offered. Two ways:
 * - `rate` > 0: that many records a second, on time, whether or not the worker keeps up (a worker
 *   that does not shows lag and sheds); at most `window` records ahead of what it has evaluated,
 *   so the port itself never floods (records not sent for that are counted as `held`);
 * - `rate` 0: always `window` records ahead of what the worker has evaluated — as many as it takes.
 * It runs on the same cores as the gateway and the detectors, so its own CPU counts against both.
 */
const { port, counters, window, rate } = workerData as {
  port: MessagePort;
  counters: SharedArrayBuffer;
  window: number;
  rate: number;
};
const c = new BigInt64Array(counters);
const processed = () => Number(Atomics.load(c, COUNTER.processed));
const start = processed();
const t0 = Date.now();
let i = 0;
let held = 0;
let stopped = false;
parentPort!.on('message', () => {
  stopped = true;
  parentPort!.postMessage({ offered: i, held });
  port.close();
});
const send = () => {
  const batch = [];
  // Records 25 µs apart: the detectors' windows see a stream of 40 000 calls a second.
  for (let k = 0; k < 50; k++, i++) batch.push(recordAt(i, t0 + Math.floor(i / 40)));
  const v = encodeCalls(batch);
  port.postMessage({ t: 'calls', vs: [v] }, [v.buf]);
};
const tick = () => {
  if (stopped) return;
  if (rate > 0) {
    const due = Math.floor(((Date.now() - t0) * rate) / 1000);
    while (i + held + 50 <= due) {
      if (i - (processed() - start) < window) send();
      else held += 50;
    }
  } else while (i - (processed() - start) < window) send();
  setTimeout(tick, 2);
};
tick();

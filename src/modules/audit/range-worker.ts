import { parentPort, workerData } from 'node:worker_threads';
import { sqlitePages } from './chain-store.ts';
import { type RangeTask, rangeIntact } from './range-check.ts';

/**
 * The verifier's worker thread (range-check.ts): checks one range of the chain from the SQLite
 * file through its own read-only connection and answers true or false.
 */
const task = workerData as RangeTask;
parentPort?.postMessage(rangeIntact(sqlitePages(task.file, task.afterSeq, task.untilSeq), task));

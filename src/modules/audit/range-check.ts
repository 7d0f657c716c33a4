import { Worker } from 'node:worker_threads';
import { chainHashTuple } from './canonical.ts';
import type { SealedTuple } from './chain-store.ts';

/**
 * One range of the chain, checked on its own (the verifier's parallel path, docs/audit.md
 * "Speed"): a checkpoint anchors a known hash, so the events after it can be checked without
 * those before. `rangeIntact` answers only yes or no; the verifier names damage by walking the
 * chain again in order, so a parallel run reports exactly what a sequential one does.
 */
export type RangeTask = {
  /** The SQLite file (the thread opens its own read-only connection). */
  file: string;
  /** The range is afterSeq < seq <= untilSeq; the event at afterSeq + 1 links to prevHash. */
  afterSeq: number;
  untilSeq: number;
  prevHash: string;
  /** The checkpoints inside the range (their signatures are the caller's to check). */
  checkpoints: Array<{ seq: number; hash: string }>;
};

/**
 * True when every event of the range is there, once, in order (seq afterSeq + 1 … untilSeq),
 * links to the one before (prev_hash), recomputes to its hash, and the chain's hash at each listed
 * checkpoint is that checkpoint's hash: the checks the sequential walk makes, on this range.
 */
export function rangeIntact(pages: Iterable<SealedTuple[]>, task: Omit<RangeTask, 'file'>): boolean {
  let prev = task.prevHash;
  let expected = task.afterSeq + 1;
  let cp = 0;
  for (const rows of pages) {
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (Number(row[1]) !== expected || row[12] !== prev || chainHashTuple(prev, row) !== row[13])
        return false;
      prev = row[13];
      const c = task.checkpoints[cp];
      if (c && c.seq === expected) {
        if (c.hash !== prev) return false;
        cp++;
      }
      expected++;
    }
  }
  return expected === task.untilSeq + 1 && cp === task.checkpoints.length;
}

/** rangeIntact in a worker thread (range-worker.ts); false if the thread fails in any way. */
export function rangeIntactInWorker(task: RangeTask): Promise<boolean> {
  return new Promise((resolve) => {
    const w = new Worker(new URL('./range-worker.ts', import.meta.url), {
      workerData: task,
      stdout: false,
      stderr: false,
    });
    let answer = false;
    w.once('message', (ok: unknown) => {
      answer = ok === true;
    });
    w.once('error', () => {
      answer = false;
    });
    w.once('exit', () => resolve(answer));
  });
}

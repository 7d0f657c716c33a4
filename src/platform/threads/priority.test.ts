import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { lowerThisThreadPriority } from './priority.ts';

/** A thread's nice value from /proc (field 19 of its stat line, counted after the command's ')'). */
function niceOf(tid: number): number {
  const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
}

describe('lowerThisThreadPriority', { skip: process.platform !== 'linux' && 'Linux only' }, () => {
  it('lowers the calling thread alone, not the process', async () => {
    const before = niceOf(process.pid);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      import(workerData).then(({ lowerThisThreadPriority }) => {
        const ok = lowerThisThreadPriority(7);
        const tid = Number(require('node:fs').readlinkSync('/proc/thread-self').split('/').pop());
        parentPort.postMessage({ ok, tid });
        setTimeout(() => {}, 2000);
      });`;
    const w = new Worker(code, { eval: true, workerData: new URL('./priority.ts', import.meta.url).href });
    try {
      const { ok, tid } = await new Promise<{ ok: boolean; tid: number }>((r) => w.once('message', r));
      assert.equal(ok, true);
      assert.equal(niceOf(tid), Math.min(19, before + 7), 'the worker thread runs 7 steps lower');
      assert.equal(niceOf(process.pid), before, 'the main thread keeps its priority');
      const others = readdirSync('/proc/self/task')
        .map(Number)
        .filter((t) => t !== tid);
      assert.ok(
        others.every((t) => niceOf(t) === before),
        'no other thread was lowered',
      );
    } finally {
      await w.terminate();
    }
  });
});

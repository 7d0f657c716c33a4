import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, describe, it } from 'node:test';
import { threadId } from 'node:worker_threads';
import type { Detector, Finding } from './detector.ts';
import { DetectorEngine } from './engine.ts';
import { DETECTORS as FIXTURE } from './engine-fixture.ts';
import { penTest } from './pen-test.ts';
import { call } from './test-support.ts';

const engines: DetectorEngine[] = [];
after(async () => {
  for (const e of engines) await e.close(2_000);
});
function engine(o: Partial<ConstructorParameters<typeof DetectorEngine>[0]> = {}): DetectorEngine {
  const e = new DetectorEngine({ detectors: [penTest], nowMs: () => 0, report: async () => {}, ...o });
  engines.push(e);
  return e;
}
const fixture = {
  detectors: FIXTURE as readonly Detector[],
  workerModule: new URL('./engine-fixture.ts', import.meta.url),
};
const edge = (path: string) => ({
  kind: 'edge' as const,
  atMs: 1,
  what: 'unknown_path' as const,
  ip: '127.0.0.9',
  path,
});

describe('detector engine (worker thread)', () => {
  it('hands batches over without evaluating them, reports each finding on this thread', async () => {
    const found: Finding[] = [];
    const e = engine({ report: async (_d, f) => void found.push(f) });
    e.offerCalls([call({ probe: 'sql' }), call({ probe: 'sql' }), call({ probe: 'sql' })]);
    assert.equal(e.stats().queued, 3, 'handed over, waiting');
    await e.idle();
    assert.equal(found.length, 1);
    assert.deepEqual(
      { processed: e.stats().processed, reported: e.stats().reported, queued: e.stats().queued },
      { processed: 3, reported: 1, queued: 0 },
    );
  });

  it('evaluates while this thread never yields: the counters move while it spins', async () => {
    const e = engine();
    await e.threadId();
    e.offerCalls(Array.from({ length: 5_000 }, () => call({ probe: 'sql' })));
    // A busy loop on this thread: an engine evaluating here could not make any progress.
    const until = Date.now() + 30_000;
    while (e.stats().processed < 5_000 && Date.now() < until) {}
    assert.equal(e.stats().processed, 5_000);
    const worker = await e.threadId();
    assert.ok(worker > 0 && worker !== threadId, `runs on thread ${worker}, not ${threadId}`);
    if (process.platform === 'linux') {
      // The worker runs 10 nice steps below this thread (engine-worker.ts): background work.
      const nice = (t: string) => {
        const stat = readFileSync(`/proc/self/task/${t}/stat`, 'utf8');
        return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[16]);
      };
      const mine = nice(String(process.pid));
      const lowered = readdirSync('/proc/self/task').filter((t) => nice(t) === Math.min(19, mine + 10));
      assert.ok(lowered.length >= 1, 'a thread of this process runs at the lower priority');
    }
  });

  it("a finding comes back from the worker's thread, with the thresholds set here", async () => {
    const found: Finding[] = [];
    const e = engine({ ...fixture, report: async (_d, f) => void found.push(f) });
    e.configure('thread_probe', { enabled: true, thresholds: { n: 7 } });
    e.offer(edge('/thread'));
    await e.idle();
    assert.equal(found.length, 1);
    assert.equal(found[0]!.title, `thread ${await e.threadId()}`);
    assert.notEqual(found[0]!.title, `thread ${threadId}`);
    assert.equal(found[0]!.summary, 'n=7', 'the setting made here reached the worker before the signal');
  });

  it('a crashed worker is started again and counted, keeps the settings, and the process lives on', async () => {
    const found: Finding[] = [];
    const e = engine({ ...fixture, report: async (_d, f) => void found.push(f) });
    e.configure('pen_test', { enabled: true, thresholds: { ...penTest.defaults, signatures: 2 } });
    const first = await e.threadId();
    e.offer(edge('/crash'));
    const until = Date.now() + 20_000;
    while (e.stats().restarts === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    assert.equal(e.stats().restarts, 1);
    const second = await e.threadId();
    assert.notEqual(second, first);
    e.offerCalls([call({ probe: 'sql' }), call({ probe: 'sql' })]);
    await e.idle();
    assert.equal(found.length, 1, 'the new worker runs with signatures = 2, set before the crash');
  });

  it('a full queue sheds the oldest signals and counts them; a failing report is counted', async () => {
    const e = engine({
      maxQueued: 10,
      report: async () => {
        throw new Error('down');
      },
    });
    e.offerCalls(Array.from({ length: 25 }, () => call({ probe: 'sql' })));
    assert.equal(e.stats().shed, 15);
    assert.equal(e.stats().queued, 10);
    await e.idle();
    assert.equal(e.stats().processed, 10);
    // Three findings for one subject: the first reported at once, the other two merged into one.
    assert.equal(e.stats().reportFailures, 2);
  });

  it('records that do not fit in the call ring are shed and counted, never written over; the ring frees as the worker decodes', async () => {
    // Each record reserves ~2.2 KB of an 8 KB ring: 2 000 of them in one batch cannot all fit.
    const e = engine({ ringBytes: 8 * 1024 });
    const records = (n: number) =>
      Array.from({ length: n }, () => ({
        ...call({ probe: null }),
        inputs: { query: '', bodyHead: 'x'.repeat(600), userAgent: null },
      }));
    e.offerCalls(records(2_000));
    const shed = e.stats().shed;
    assert.ok(shed > 0, 'some shed');
    await e.idle();
    assert.equal(e.stats().processed + shed, 2_000);
    // Decoded, the ring takes batches again.
    e.offerCalls(records(3));
    await e.idle();
    assert.equal(e.stats().shed, shed);
    assert.equal(e.stats().processed + shed, 2_003);
  });

  it('a disabled detector evaluates nothing', async () => {
    const found: Finding[] = [];
    const e = engine({ report: async (_d, f) => void found.push(f) });
    e.configure('pen_test', { enabled: false, thresholds: penTest.defaults });
    e.offerCalls(Array.from({ length: 5 }, () => call({ probe: 'sql' })));
    await e.idle();
    assert.equal(found.length, 0);
    assert.equal(e.stats().processed, 5);
  });

  it('batches are announced to the worker within milliseconds, unasked, and before any later message', async () => {
    const found: Finding[] = [];
    const e = engine({ report: async (_d, f) => void found.push(f) });
    await e.threadId();
    // A few records (below the count that is sent at once): the timer announces them.
    e.offerCalls([call({ probe: 'sql' }), call({ probe: 'sql' })]);
    const until = Date.now() + 10_000;
    while (e.stats().processed < 2 && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
    assert.equal(e.stats().processed, 2, 'evaluated without idle() or close()');
    // Calls not yet announced are sent before any later message: an idle request made at once
    // is answered after they are evaluated (sent after it, they would still be on their way).
    const e2 = engine();
    await e2.threadId();
    e2.offerCalls([call({ probe: 'sql' }), call({ probe: 'sql' }), call({ probe: 'sql' })]);
    await e2.idle();
    assert.equal(e2.stats().processed, 3);
    assert.equal(found.length, 0, 'nothing reported by the first engine meanwhile');
  });

  it('close waits for the drain, then ends the thread', async () => {
    const found: Finding[] = [];
    const e = new DetectorEngine({
      detectors: [penTest],
      nowMs: () => 0,
      report: async (_d, f) => void found.push(f),
    });
    e.offerCalls(Array.from({ length: 30 }, () => call({ probe: 'sql' })));
    await e.close();
    assert.equal(found.length, 2, 'the first finding, then the nine after it merged into one');
    assert.equal(found[0]!.count + found[1]!.count, 30);
    assert.equal(e.stats().processed, 30);
  });

  it('findings for one subject within the report interval are merged; other subjects report at once', async () => {
    const found: Finding[] = [];
    const e = engine({ report: async (_d, f) => void found.push(f) });
    const a = () => call({ probe: 'sql', client: { appId: 'app_a' } });
    const b = () => call({ probe: 'sql', client: { appId: 'app_b' } });
    e.offerCalls(Array.from({ length: 9 }, a));
    e.offerCalls([b(), b(), b()]);
    await e.idle();
    const ofA = found.filter((f) => f.subject.id === 'app_a');
    const ofB = found.filter((f) => f.subject.id === 'app_b');
    assert.equal(ofA.length, 2, 'app_a: its first finding, then the next two merged');
    assert.equal(ofA[1]!.count, 6);
    assert.ok(ofA[1]!.requestIds.length > 0 && ofA[1]!.requestIds.length <= 20);
    assert.equal(ofB.length, 1, 'app_b is reported at once, not held behind app_a');
    assert.equal(found.indexOf(ofB[0]!) < found.indexOf(ofA[1]!), true);
  });
});

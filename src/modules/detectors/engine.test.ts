import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from './detector.ts';
import { DetectorEngine } from './engine.ts';
import { penTest } from './pen-test.ts';
import { call } from './test-support.ts';

describe('detector engine', () => {
  it('queues without evaluating, evaluates after the turn, reports each finding', async () => {
    const found: Finding[] = [];
    const e = new DetectorEngine({
      detectors: [penTest],
      nowMs: () => 0,
      report: async (_d, f) => void found.push(f),
    });
    e.offerCalls([call({ probe: 'sql' }), call({ probe: 'sql' }), call({ probe: 'sql' })]);
    assert.equal(e.stats().processed, 0, 'nothing evaluated inside the offer');
    await e.idle();
    assert.equal(found.length, 1);
    assert.equal(e.stats().reported, 1);
  });
  it('a full queue sheds the oldest signals and counts them; a failing report is counted', async () => {
    const e = new DetectorEngine({
      detectors: [penTest],
      nowMs: () => 0,
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
    assert.equal(e.stats().reportFailures, 3);
  });
  it('a disabled detector evaluates nothing', async () => {
    const found: Finding[] = [];
    const e = new DetectorEngine({
      detectors: [penTest],
      nowMs: () => 0,
      report: async (_d, f) => void found.push(f),
    });
    e.configure('pen_test', { enabled: false, thresholds: penTest.defaults });
    e.offerCalls(Array.from({ length: 5 }, () => call({ probe: 'sql' })));
    await e.idle();
    assert.equal(found.length, 0);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CallRecord } from '../gateway/index.ts';
import { probeClassOf } from './call-classes.ts';
import { CallRing } from './call-ring.ts';
import { COUNTER, COUNTER_SLOTS, decodeCalls, type EncodedCalls } from './engine-wire.ts';
import { call } from './test-support.ts';

/** A feed record (unclassed, with inputs) carrying `id` as its request id. */
function fed(id: string, bodyHead: string | Buffer, refs: CallRecord['refs'] = {}): CallRecord {
  const { probe: _p, source: _s, ...bare } = call({ requestId: id, refs });
  return { ...bare, source: { ip: '10.1.2.3' }, inputs: { query: '', bodyHead, userAgent: null } };
}

/** The worker's side: decodes the oldest posted batch from the ring and gives its bytes back. */
function reader(ring: CallRing, counters: BigInt64Array) {
  const bytes = Buffer.from(ring.sab);
  return (v: EncodedCalls) => {
    const out = decodeCalls(v, bytes);
    Atomics.store(counters, COUNTER.ringRead, BigInt(v.end!));
    return out;
  };
}

describe('detectors call ring', () => {
  it('batches written while the reader lags arrive whole, in order, across the end; the rest is refused, not overwritten', () => {
    const heads = ['', '{"a":1}', "x' or 1=1", '<script>', '../../etc/passwd', 'ß€😀'];
    const record = fc.record({
      head: fc.oneof(
        fc.constantFrom(...heads),
        fc.string({ maxLength: 300 }),
        // Bytes as an entrance hands them over.
        fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
        fc.constantFrom(...heads).map((h) => Buffer.from(h)),
      ),
      refs: fc.dictionary(
        fc.constantFrom('stan', 'rrn', 'accountTo', 'rtpId', 'consumerNo'),
        fc.string({ minLength: 1, maxLength: 6 }),
      ),
    });
    // Each step writes a batch (as the engine does: runs until one is refused) or reads some.
    const step = fc.oneof(fc.array(record, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 4 }));
    fc.assert(
      fc.property(fc.array(step, { maxLength: 40 }), (steps) => {
        const counters = new BigInt64Array(new SharedArrayBuffer(COUNTER_SLOTS * 8));
        const ring = new CallRing(16 * 1024, counters);
        const read = reader(ring, counters);
        const posted: EncodedCalls[] = [];
        const expected: CallRecord[] = [];
        const got: ReturnType<typeof decodeCalls> = [];
        let id = 0;
        for (const s of steps) {
          if (typeof s === 'number') {
            for (let k = 0; k < s && posted.length > 0; k++) got.push(...read(posted.shift()!));
            continue;
          }
          const batch = s.map((x) => fed(`r${id++}`, x.head, { ...x.refs }));
          let from = 0;
          while (from < batch.length) {
            const v = ring.put(batch, from);
            if (v === null) break;
            posted.push(v);
            expected.push(...batch.slice(from, from + v.n));
            from += v.n;
          }
        }
        while (posted.length > 0) got.push(...read(posted.shift()!));
        assert.equal(got.length, expected.length);
        got.forEach((r, i) => {
          const e = expected[i]!;
          assert.equal(r.requestId, e.requestId);
          assert.equal(r.probe, probeClassOf(e.path, e.inputs!.bodyHead.toString()));
          assert.deepEqual(r.refs, e.refs);
        });
      }),
      { numRuns: 300 },
    );
  });

  it('a full ring refuses, and takes batches again once the reader has given bytes back', () => {
    const counters = new BigInt64Array(new SharedArrayBuffer(COUNTER_SLOTS * 8));
    const ring = new CallRing(8 * 1024, counters);
    const read = reader(ring, counters);
    const big = 'x'.repeat(600);
    const posted: EncodedCalls[] = [];
    let n = 0;
    for (;;) {
      const v = ring.put([fed(`r${n}`, big)], 0);
      if (v === null) break;
      posted.push(v);
      n++;
    }
    assert.ok(n >= 2 && n <= 8, `${n} records reserving ~2.2 KB each fit in 8 KB`);
    // Reading the oldest gives their bytes back: a record fits again (from the beginning).
    const ids: string[] = [];
    let again: EncodedCalls | null = null;
    while (again === null && posted.length > 0) {
      ids.push(...read(posted.shift()!).map((r) => r.requestId));
      again = ring.put([fed('again', big)], 0);
    }
    assert.ok(again !== null && ids.length >= 1);
    posted.push(again);
    ids.push(...posted.flatMap((p) => read(p).map((r) => r.requestId)));
    assert.deepEqual(ids, [...Array.from({ length: n }, (_, i) => `r${i}`), 'again']);
    // A record larger than the whole ring is refused, never written over what is unread.
    assert.equal(ring.put([fed('huge', 'y'.repeat(4 * 1024))], 0), null);
  });
});

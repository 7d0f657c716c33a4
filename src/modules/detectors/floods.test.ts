import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { floods } from './floods.ts';
import { calls, run } from './test-support.ts';

describe('floods', () => {
  it('5 000 calls in 10 s from one network open an incident; 4 999 do not', () => {
    assert.equal(
      run(
        floods,
        calls(5000, (i) => ({ source: { ip: `127.0.0.${(i % 250) + 1}` } }), 1),
      ).length,
      1,
    );
    assert.equal(
      run(
        floods,
        calls(4999, () => ({}), 1),
      ).length,
      0,
    );
  });
  it('100 refused bodies from one app open one; 99 do not', () => {
    assert.equal(
      run(
        floods,
        calls(100, () => ({ status: 400, shape: { bodyRefused: true } })),
      ).length,
      1,
    );
    assert.equal(
      run(
        floods,
        calls(99, () => ({ networkCode: '80' })),
      ).length,
      0,
    );
  });
  it("the edge's oversized / slow / connection counters: 200 from one address open one", () => {
    const edge = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        kind: 'edge' as const,
        atMs: 1_800_000_000_000 + i,
        what: 'oversized' as const,
        ip: '127.0.0.3',
        path: null,
      }));
    assert.equal(run(floods, edge(200)).length, 1);
    assert.equal(run(floods, edge(199)).length, 0);
  });
});

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
  it('refusals of every edge kind but unknown paths add up per address, batched counts weighing as many', () => {
    const at = 1_800_000_000_000;
    const batch = (
      what: 'slow' | 'too_deep' | 'unauthenticated' | 'rate_limited' | 'unknown_path',
      count: number,
    ) => ({
      kind: 'edge' as const,
      atMs: at,
      what,
      ip: '127.0.0.4',
      path: '/api/v1/x',
      count,
    });
    const f = run(floods, [
      batch('slow', 50),
      batch('too_deep', 50),
      batch('unauthenticated', 50),
      batch('rate_limited', 50),
    ]);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.count, 200);
    assert.match(f[0]!.title, /slow, too_deep, unauthenticated, rate_limited/);
    assert.equal(run(floods, [batch('slow', 100), batch('rate_limited', 99)]).length, 0);
    assert.equal(run(floods, [batch('unknown_path', 5000)]).length, 0, "unknown paths are scanning's");
  });
  it('5 000 connections opened in 10 s from one network are a connection flood; 4 999 are not', () => {
    const conns = (n: number) =>
      Array.from({ length: 10 }, (_, i) => ({
        kind: 'edge' as const,
        atMs: 1_800_000_000_000 + i * 1000,
        what: 'connection' as const,
        ip: `127.0.0.${i + 1}`,
        path: null,
        count: i === 9 ? n - 9 * 500 : 500,
      }));
    const f = run(floods, conns(5000));
    assert.equal(f.length, 1);
    assert.match(f[0]!.title, /Connection flood: 5000 connections in 10 s from 127\.0\.0\.0\/24/);
    assert.equal(run(floods, conns(4999)).length, 0);
  });
});

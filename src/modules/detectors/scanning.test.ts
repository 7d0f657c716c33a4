import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { scanning } from './scanning.ts';
import { calls, run } from './test-support.ts';

const walk = (n: number, notFoundEvery: number) =>
  calls(n, (i) => ({
    refs: { accountTo: String(1000000000000000 + i) },
    networkCode: i % notFoundEvery === 0 ? '00' : '02',
  }));

describe('scanning and enumeration', () => {
  it('title fetches walking 25 account numbers, mostly not found, open an incident with masked targets', () => {
    const f = run(scanning, walk(25, 5));
    assert.equal(f.length, 1);
    assert.equal(f[0]!.count, 25);
    const sample = f[0]!.samples[0] as { targets: string[] };
    assert.ok(sample.targets.every((t) => t.includes('*')));
  });
  it('24 targets (just under) open none; 25 mostly found open none', () => {
    assert.equal(run(scanning, walk(24, 5)).length, 0);
    assert.equal(run(scanning, walk(25, 1)).length, 0);
  });
  it('20 unknown operations (404) from one address open one; 19 do not', () => {
    const unknown = (n: number) =>
      calls(n, (i) => ({ status: 404, path: `/x/${i}`, client: { appId: null, orgId: null } }));
    assert.deepEqual(run(scanning, unknown(20))[0]?.subject, { kind: 'source_address', id: '127.0.0.1' });
    assert.equal(run(scanning, unknown(19)).length, 0);
  });
  it("the edge's unknown-path counter counts too", () => {
    const edge = Array.from({ length: 20 }, (_, i) => ({
      kind: 'edge' as const,
      atMs: 1_800_000_000_000 + i,
      what: 'unknown_path' as const,
      ip: '127.0.0.5',
      path: '/wp-admin',
    }));
    assert.equal(run(scanning, edge).length, 1);
    assert.equal(run(scanning, edge.slice(1)).length, 0);
  });
  it("the edge's batched counts weigh as many unknown paths, and add to the same address's 404 calls", () => {
    const batch = (count: number) => ({
      kind: 'edge' as const,
      atMs: 1_800_000_000_000,
      what: 'unknown_path' as const,
      ip: '127.0.0.1',
      path: '/.env',
      count,
    });
    const f = run(scanning, [batch(20)]);
    assert.equal(f.length, 1);
    assert.equal(f[0]!.count, 20);
    assert.deepEqual(f[0]!.samples, [{ path: '/.env' }]);
    assert.equal(run(scanning, [batch(19)]).length, 0);
    const unknownCalls = [...calls(10, () => ({ status: 404, client: { appId: null, orgId: null } }))];
    assert.equal(run(scanning, [batch(9), ...unknownCalls]).length, 0);
    assert.equal(run(scanning, [batch(10), ...unknownCalls]).length, 1);
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { cover } from './window.ts';

describe('cover', () => {
  it('splits any range into adjacent aligned pieces that cover it exactly', () => {
    const T = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 90 * 86_400_000 }),
        fc.integer({ min: 0, max: 40 * 86_400_000 }),
        fc.constantFrom('m', 'h', 'd'),
        (a, len, coarsest: 'm' | 'h' | 'd') => {
          const pieces = cover(T + a, T + a + len, coarsest);
          let at = T + a;
          for (const p of pieces) {
            assert.equal(p.fromMs, at);
            assert.ok(p.toMs > p.fromMs);
            if (p.grain !== 'raw') {
              const step = { m: 60_000, h: 3_600_000, d: 86_400_000 }[p.grain];
              assert.equal(p.fromMs % step, 0);
              assert.equal(p.toMs % step, 0);
              assert.ok('mhd'.indexOf(p.grain) <= 'mhd'.indexOf(coarsest));
            } else assert.ok(p.toMs - p.fromMs < 60_000);
            at = p.toMs;
          }
          assert.equal(at, len === 0 ? T + a : T + a + len);
          assert.ok(pieces.length <= 7);
        },
      ),
    );
  });

  it('reads no minute rollup before the first one kept (pruned minutes, straddled or not, are raw)', () => {
    const T = Date.UTC(2026, 0, 1);
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 3 * 86_400_000 }),
        fc.integer({ min: 0, max: 3 * 86_400_000 }),
        fc.integer({ min: 0, max: 4 * 86_400_000 }),
        fc.constantFrom('m', 'h', 'd'),
        (a, len, kept, coarsest: 'm' | 'h' | 'd') => {
          const pieces = cover(T + a, T + a + len, coarsest, T + kept);
          let at = T + a;
          for (const p of pieces) {
            assert.equal(p.fromMs, at);
            if (p.grain === 'm')
              assert.ok(p.fromMs >= T + kept, `minute piece from ${p.fromMs} < ${T + kept}`);
            at = p.toMs;
          }
          assert.equal(at, len === 0 ? T + a : T + a + len);
        },
      ),
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { penTest } from './pen-test.ts';
import { calls, run } from './test-support.ts';

describe('penetration-test signatures', () => {
  it('3 calls with signatures open an incident naming the classes, without the payload', () => {
    const classes = ['sql', 'script', 'traversal'] as const;
    const f = run(
      penTest,
      calls(3, (i) => ({ probe: classes[i] })),
    );
    assert.equal(f.length, 1);
    assert.match(f[0]!.title, /sql, script, traversal/);
    assert.equal(JSON.stringify(f[0]!.samples).includes('<script'), false);
  });
  it('2 (just under) open none; a scanner user agent counts', () => {
    assert.equal(
      run(
        penTest,
        calls(2, () => ({ probe: 'sql' })),
      ).length,
      0,
    );
    assert.equal(
      run(
        penTest,
        calls(3, () => ({ source: { userAgent: 'scanner' } })),
      ).length,
      1,
    );
  });
});

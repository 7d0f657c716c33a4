import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadTesting } from './load-testing.ts';
import { calls, run } from './test-support.ts';

describe('load and stress testing', () => {
  it('300 calls in 3 minutes, half refused for the rate limit, open an incident', () => {
    const f = run(
      loadTesting,
      calls(300, (i) => ({ status: i % 2 ? 429 : 200, errorCode: i % 2 ? 'rate_limited' : null }), 500),
    );
    assert.equal(f.length, 1);
    assert.match(f[0]!.title, /pinned at the limit/);
  });
  it('just under: 299 calls, or 300 with 49 % refused, open none', () => {
    assert.equal(
      run(
        loadTesting,
        calls(299, (i) => ({ status: i % 2 ? 429 : 200 }), 500),
      ).length,
      0,
    );
    assert.equal(
      run(
        loadTesting,
        calls(300, (i) => ({ status: i % 100 < 49 ? 429 : 200 }), 500),
      ).length,
      0,
    );
  });
  it('a burst of 500 refusals in 10 s, or 20 calls from a load tool, open one', () => {
    assert.equal(
      run(
        loadTesting,
        calls(500, () => ({ status: 429 }), 10),
        { minCalls: 100_000 },
      ).length,
      1,
    );
    assert.equal(
      run(
        loadTesting,
        calls(499, () => ({ status: 429 }), 10),
        { minCalls: 100_000 },
      ).length,
      0,
    );
    assert.equal(
      run(
        loadTesting,
        calls(20, () => ({ source: { userAgent: 'load_tool' } })),
      ).length,
      1,
    );
    assert.equal(
      run(
        loadTesting,
        calls(19, () => ({ source: { userAgent: 'load_tool' } })),
      ).length,
      0,
    );
  });
  it('a client at its plan rate (no 429s) opens none', () => {
    assert.equal(
      run(
        loadTesting,
        calls(2000, () => ({}), 90),
      ).length,
      0,
    );
  });
});

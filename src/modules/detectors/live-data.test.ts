import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { liveData } from './live-data.ts';
import { calls, run } from './test-support.ts';

describe('live data in the sandbox', () => {
  it("one flagged sandbox call opens an incident about the app (the guard's finding as evidence)", () => {
    const f = run(
      liveData,
      calls(1, () => ({ liveDataSuspected: true })),
    );
    assert.equal(f.length, 1);
    assert.equal(f[0]!.requestIds.length, 1);
  });
  it('with the threshold at 3, two (just under) open none; unflagged or production calls never do', () => {
    assert.equal(
      run(
        liveData,
        calls(2, () => ({ liveDataSuspected: true })),
        { calls: 3 },
      ).length,
      0,
    );
    assert.equal(
      run(
        liveData,
        calls(50, () => ({})),
      ).length,
      0,
    );
    assert.equal(
      run(
        liveData,
        calls(5, () => ({ liveDataSuspected: true, catalog: 'production' })),
      ).length,
      0,
    );
  });
});

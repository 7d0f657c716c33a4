import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { congestion } from './congestion.ts';
import { calls, run } from './test-support.ts';

const shed = (n: number, mineEvery: number) =>
  calls(n, (i) => ({
    status: 503,
    errorCode: 'gateway_overloaded',
    networkCode: null,
    client: { orgId: i % mineEvery === 0 ? 'org_a' : `org_${i}` },
  }));

describe('congestion contribution', () => {
  it('an organisation with 51 of 101 shed calls gets an incident about the organisation', () => {
    const f = run(congestion, shed(101, 2));
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.subject, { kind: 'organization', id: 'org_a' });
  });
  it('just under: 99 shed in all, or a third of them, open none', () => {
    assert.equal(run(congestion, shed(99, 2)).length, 0);
    assert.equal(run(congestion, shed(300, 3)).length, 0);
  });
});

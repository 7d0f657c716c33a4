import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatewaySteps } from './steps.ts';

describe('gateway pipeline', () => {
  it('runs its steps in the documented order', () => {
    assert.deepEqual(
      gatewaySteps.map((s) => s.name),
      ['authenticate', 'entitle', 'limit', 'congestion', 'idempotency', 'dispatch', 'recordUsage'],
    );
  });
});

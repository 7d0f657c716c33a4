import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CircuitBreaker } from './circuit-breaker.ts';

describe('circuit breaker', () => {
  const rig = () => {
    let t = 0;
    const b = new CircuitBreaker({ failureThreshold: 3, openMs: 5000, now: () => t });
    return { b, advance: (ms: number) => (t += ms) };
  };

  it('opens after the threshold of consecutive failures, not before; a success resets the count', () => {
    const { b } = rig();
    b.failure();
    b.failure();
    b.success();
    b.failure();
    b.failure();
    assert.equal(b.state, 'closed');
    assert.equal(b.admit(), null);
    b.failure();
    assert.equal(b.state, 'open');
    assert.equal(b.opened, 1);
  });

  it('open: fails fast with the seconds left; then one probe at a time', () => {
    const { b, advance } = rig();
    for (let i = 0; i < 3; i++) b.failure();
    assert.equal(b.admit(), 5);
    advance(3200);
    assert.equal(b.admit(), 2, 'seconds left, rounded up');
    advance(1800);
    assert.equal(b.state, 'half-open');
    assert.equal(b.admit(), null, 'the probe');
    assert.equal(b.admit(), 1, 'a second caller waits while the probe is out');
  });

  it('a failed probe opens it for another period; a good one closes it', () => {
    const { b, advance } = rig();
    for (let i = 0; i < 3; i++) b.failure();
    advance(5000);
    assert.equal(b.admit(), null);
    b.failure();
    assert.equal(b.state, 'open');
    assert.equal(b.admit(), 5);
    advance(5000);
    assert.equal(b.admit(), null);
    b.success();
    assert.equal(b.state, 'closed');
    assert.equal(b.admit(), null);
    assert.equal(b.opened, 1, 'a failed probe is the same outage');
  });
});

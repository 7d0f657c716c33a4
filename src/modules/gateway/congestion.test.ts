import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CongestionController, eventLoopDelaySignal } from './congestion.ts';
import type { GatewayError } from './gateway-errors.ts';

function tryAdmit(c: CongestionController, org: string): boolean {
  try {
    c.admit(org);
    return true;
  } catch (e) {
    assert.equal((e as GatewayError).status, 503);
    assert.equal((e as GatewayError).headers['retry-after'], '1');
    return false;
  }
}

describe('CongestionController', () => {
  it('admits everyone below the budget', () => {
    const c = new CongestionController({ maxConcurrent: 10 });
    for (let i = 0; i < 10; i++) assert.ok(tryAdmit(c, `org${i % 3}`));
    assert.equal(c.inFlight, 10);
  });

  it('when saturated, sheds the heavy organisation while a light one still passes', () => {
    const c = new CongestionController({ maxConcurrent: 10 });
    for (let i = 0; i < 9; i++) assert.ok(tryAdmit(c, 'heavy'));
    assert.ok(tryAdmit(c, 'light'));
    // Saturated: heavy holds 9 of 10; two active orgs → share 5 each.
    assert.equal(tryAdmit(c, 'heavy'), false);
    assert.equal(tryAdmit(c, 'heavy'), false);
    assert.ok(tryAdmit(c, 'light'));
    assert.ok(tryAdmit(c, 'light'));
    assert.ok(tryAdmit(c, 'newcomer'), 'an organisation with nothing in flight passes');
    assert.equal(c.shed, 2);
  });

  it('releasing brings the heavy organisation back once there is room', () => {
    const c = new CongestionController({ maxConcurrent: 4 });
    for (let i = 0; i < 4; i++) c.admit('heavy');
    assert.equal(tryAdmit(c, 'heavy'), false);
    c.release('heavy');
    assert.ok(tryAdmit(c, 'heavy'));
    for (let i = 0; i < 4; i++) c.release('heavy');
    assert.equal(c.inFlight, 0);
  });

  it('an organisation whose calls have all ended no longer splits the share', () => {
    const c = new CongestionController({ maxConcurrent: 4 });
    c.admit('gone');
    c.release('gone');
    assert.equal(c.activeOrganisations, 0);
    for (let i = 0; i < 4; i++) c.admit('heavy');
    // Saturated, two active organisations (heavy and light) → share 2 each: light gets two calls in.
    // Were 'gone' still counted, the share would be 1 and light's second call would be shed.
    assert.ok(tryAdmit(c, 'light'));
    assert.ok(tryAdmit(c, 'light'));
    assert.equal(c.activeOrganisations, 2);
    assert.equal(tryAdmit(c, 'light'), false);
    c.release('light');
    c.release('light');
    assert.equal(c.activeOrganisations, 1);
    c.release('light'); // a release without an admitted call changes nothing
    assert.equal(c.inFlight, 4);
  });

  it('event-loop lag halves the budget', () => {
    let lag = 0;
    const c = new CongestionController({ maxConcurrent: 8, maxLoopDelayMs: 100, loopDelayMs: () => lag });
    for (let i = 0; i < 4; i++) c.admit('a');
    lag = 250;
    assert.equal(tryAdmit(c, 'a'), false);
    assert.ok(tryAdmit(c, 'b'));
    lag = 0;
    assert.ok(tryAdmit(c, 'a'));
  });

  it('hard ceiling at twice the budget protects the process from many light organisations', () => {
    const c = new CongestionController({ maxConcurrent: 2 });
    let admitted = 0;
    for (let i = 0; i < 10; i++) if (tryAdmit(c, `org${i}`)) admitted++;
    assert.equal(admitted, 4);
  });

  it('the loop-delay signal reads a number', () => {
    const s = eventLoopDelaySignal(10);
    assert.equal(typeof s.read(), 'number');
    s.stop();
  });
});

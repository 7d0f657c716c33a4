import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { sourceNetwork } from '../../platform/http/source-network.ts';
import { RecentIds, subjectKeyOf } from './detector.ts';
import { networkOf } from './network.ts';
import { call } from './test-support.ts';

/** The detectors' shared helpers: evidence ids, subject keys, networks. */
describe('detector helpers', () => {
  it('RecentIds keeps the last ids per key, oldest first, and forgets a key once taken', () => {
    const ids = new RecentIds(3);
    for (let i = 1; i <= 8; i++) ids.add('a', `req_${i}`);
    ids.add('b', 'req_b');
    ids.add('b', null);
    assert.deepEqual(ids.take('a'), ['req_6', 'req_7', 'req_8']);
    assert.deepEqual(ids.take('a'), []);
    assert.deepEqual(ids.take('b'), ['req_b']);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 60 }), (keep, n) => {
        const r = new RecentIds(keep);
        const all = Array.from({ length: n }, (_, i) => `req_${i}`);
        for (const id of all) r.add('k', id);
        assert.deepEqual(r.take('k'), all.slice(-keep));
      }),
    );
  });

  it("a call's subject key is its app id, else its source address", () => {
    assert.equal(subjectKeyOf(call({ client: { appId: 'app_x' } })), 'app_x');
    assert.equal(subjectKeyOf(call({ client: { appId: null }, source: { ip: '10.1.2.3' } })), '10.1.2.3');
  });

  it('networkOf answers what sourceNetwork does, also past its memory of addresses', () => {
    const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
    const v6 = fc.ipV6();
    const any = fc.oneof(v4, v6, fc.string({ maxLength: 12 }));
    fc.assert(
      fc.property(fc.array(any, { minLength: 1, maxLength: 200 }), (ips) => {
        for (const ip of ips) assert.equal(networkOf(ip), sourceNetwork(ip), ip);
      }),
      { numRuns: 100 },
    );
  });
});

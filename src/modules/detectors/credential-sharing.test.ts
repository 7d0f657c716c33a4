import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { credentialSharing } from './credential-sharing.ts';
import { networkOf } from './network.ts';
import { calls, run } from './test-support.ts';

describe('credential sharing', () => {
  it('one client id from 4 networks within an hour opens an incident about the app', () => {
    const f = run(
      credentialSharing,
      calls(4, (i) => ({ source: { ip: `10.${i}.0.${i}` } })),
    );
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.subject, { kind: 'app', id: 'app_a' });
  });
  it('3 networks (just under) open none; many addresses of one /24 are one network', () => {
    assert.equal(
      run(
        credentialSharing,
        calls(9, (i) => ({ source: { ip: `10.${i % 3}.0.${i}` } })),
      ).length,
      0,
    );
    assert.equal(
      run(
        credentialSharing,
        calls(200, (i) => ({ source: { ip: `127.0.0.${i + 1}` } })),
      ).length,
      0,
    );
  });
  it('4 user-agent classes open one; 3 do not', () => {
    const agents = ['sdk', 'curl', 'browser', 'other'] as const;
    assert.equal(
      run(
        credentialSharing,
        calls(4, (i) => ({ source: { userAgent: agents[i] } })),
      ).length,
      1,
    );
    assert.equal(
      run(
        credentialSharing,
        calls(3, (i) => ({ source: { userAgent: agents[i] } })),
      ).length,
      0,
    );
  });
  it('networks: /24 for IPv4, /64 for IPv6, mapped IPv4 as IPv4', () => {
    assert.equal(networkOf('127.0.0.7'), '127.0.0.0/24');
    assert.equal(networkOf('::ffff:10.1.2.3'), '10.1.2.0/24');
    assert.equal(networkOf('2001:db8:0:1::5'), '2001:db8:0:1::/64');
    assert.equal(networkOf('2001:0db8:0000:0001:ffff::1'), '2001:db8:0:1::/64');
    assert.equal(networkOf('::1'), '0:0:0:0::/64');
  });
});

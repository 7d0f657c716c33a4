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
  it('20 calls with tokens issued to another network open an incident naming both networks; 19 do not', () => {
    const elsewhere = (n: number) =>
      calls(n, () => ({ client: { tokenNetwork: '127.0.0.0/24' }, source: { ip: '127.0.9.9' } }));
    const f = run(credentialSharing, elsewhere(20));
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.subject, { kind: 'app', id: 'app_a' });
    assert.equal(f[0]!.count, 20);
    const sample = f[0]!.samples[0] as { tokenIssuedTo: string; usedFrom: string };
    assert.equal(sample.tokenIssuedTo, '127.0.x.0/24');
    assert.equal(sample.usedFrom, '127.0.x.0/24');
    assert.match(f[0]!.summary, /other than the one each was issued to/);
    assert.equal(run(credentialSharing, elsewhere(19)).length, 0);
  });
  it('calls from the network the token was issued to, or with no issue network known, count nothing', () => {
    const home = calls(50, (i) => ({
      client: { tokenNetwork: i % 2 ? '127.0.0.0/24' : null },
      source: { ip: `127.0.0.${i + 1}` },
    }));
    assert.equal(run(credentialSharing, home, { elsewhereCalls: 1 }).length, 0);
  });
  it('networks: /24 for IPv4, /64 for IPv6, mapped IPv4 as IPv4', () => {
    assert.equal(networkOf('127.0.0.7'), '127.0.0.0/24');
    assert.equal(networkOf('::ffff:10.1.2.3'), '10.1.2.0/24');
    assert.equal(networkOf('2001:db8:0:1::5'), '2001:db8:0:1::/64');
    assert.equal(networkOf('2001:0db8:0000:0001:ffff::1'), '2001:db8:0:1::/64');
    assert.equal(networkOf('::1'), '0:0:0:0::/64');
  });
});

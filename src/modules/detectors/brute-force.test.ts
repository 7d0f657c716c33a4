import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bruteForce } from './brute-force.ts';
import type { Signal } from './detector.ts';
import { calls, run } from './test-support.ts';

const fail = (i: number, o: Partial<Extract<Signal, { kind: 'auth_failure' }>> = {}): Signal => ({
  kind: 'auth_failure',
  atMs: 1_800_000_000_000 + i * 1000,
  channel: 'client_secret',
  subject: 'cid_a',
  ip: `127.0.0.${(i % 200) + 1}`,
  orgId: 'org_a',
  appId: 'app_a',
  requestId: `req_${i}`,
  ...o,
});

describe('brute force', () => {
  it('10 wrong client secrets on one client id within 5 minutes open an incident about the app', () => {
    const f = run(
      bruteForce,
      Array.from({ length: 10 }, (_, i) => fail(i)),
    );
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.subject, { kind: 'app', id: 'app_a' });
    assert.equal(f[0]!.count, 10);
    assert.equal(f[0]!.requestIds.length, 10);
  });
  it('9 (just under) open none', () => {
    assert.equal(
      run(
        bruteForce,
        Array.from({ length: 9 }, (_, i) => fail(i)),
      ).length,
      0,
    );
  });
  it('failures spread beyond the window open none', () => {
    const spread = Array.from({ length: 12 }, (_, i) => ({
      ...fail(i),
      atMs: 1_800_000_000_000 + i * 60_000,
    }));
    assert.equal(run(bruteForce, spread).length, 0);
  });
  it('portal sign-ins and TOTP codes count per account; one address over many accounts counts per source', () => {
    const signin = Array.from({ length: 10 }, (_, i) =>
      fail(i, { channel: 'totp', subject: 'usr_1', appId: null, orgId: null }),
    );
    assert.deepEqual(run(bruteForce, signin)[0]!.subject, { kind: 'account', id: 'usr_1' });
    const spray = Array.from({ length: 20 }, (_, i) =>
      fail(i, { channel: 'signin', subject: `usr_${i}`, ip: '127.0.0.9', appId: null }),
    );
    const f = run(bruteForce, spray);
    assert.deepEqual(
      f.map((x) => x.subject),
      [{ kind: 'source_address', id: '127.0.0.9' }],
    );
  });
  it('gateway calls refused for a wrong token count; a threshold change applies to the next evaluation', () => {
    const refused = [
      ...calls(5, () => ({ status: 401, errorCode: 'gateway_invalid_token', networkCode: null })),
    ];
    assert.equal(run(bruteForce, refused).length, 0);
    assert.equal(run(bruteForce, refused, { perSubject: 5 }).length, 1);
  });
});

describe('brute force at the OAuth endpoints (channel token)', () => {
  const token = (i: number, o: Partial<Extract<Signal, { kind: 'auth_failure' }>> = {}) =>
    fail(i, { channel: 'token', ip: '127.0.0.9', ...o });
  it('10 failed client authentications on one known client id open an incident about its app; 9 do not', () => {
    const f = run(
      bruteForce,
      Array.from({ length: 10 }, (_, i) => token(i)),
    );
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.subject, { kind: 'app', id: 'app_a' });
    assert.match(f[0]!.title, /failed token checks/);
    assert.equal(
      run(
        bruteForce,
        Array.from({ length: 9 }, (_, i) => token(i)),
      ).length,
      0,
    );
  });
  it('unknown client ids from one address: the address, at perSource (20); 19 open none', () => {
    const guesses = (n: number) =>
      Array.from({ length: n }, (_, i) => token(i, { subject: `cid_${i}`, appId: null, orgId: null }));
    const f = run(bruteForce, guesses(20));
    assert.equal(f.length, 1);
    assert.deepEqual(f[0]!.subject, { kind: 'source_address', id: '127.0.0.9' });
    assert.equal(run(bruteForce, guesses(19)).length, 0);
  });
});

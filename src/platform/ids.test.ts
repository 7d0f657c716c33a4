import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isId, newId, randomToken } from './ids.ts';

test('ids are prefixed, 26 chars after the prefix, and sort by time', () => {
  const a = newId('usr', 1_700_000_000_000);
  const b = newId('usr', 1_700_000_000_001);
  assert.match(a, /^usr_[0-9a-z]{26}$/);
  assert.ok(a < b);
  assert.ok(isId(a, 'usr'));
  assert.ok(!isId(a, 'org'));
});

test('ids within one millisecond stay monotonic and unique', () => {
  const ids = Array.from({ length: 10_000 }, () => newId('req', 1_800_000_000_000));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
});

test('tokens carry at least 128 bits and do not collide in 100k draws', () => {
  const n = 100_000;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(randomToken(16));
  assert.equal(seen.size, n);
  assert.equal(Buffer.from(randomToken(), 'base64url').length, 32);
});

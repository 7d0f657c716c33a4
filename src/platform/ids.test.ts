import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  encode40,
  idAtOrAfter,
  idSeries,
  isId,
  newId,
  randomToken,
  seriesId,
  setIdStateForTest,
} from './ids.ts';

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

test('series ids: the same arguments give the same id; a series sorts by time, then index', () => {
  const s = idSeries();
  const a = seriesId('use', 1_800_000_000_000, s, 0);
  assert.ok(isId(a, 'use'));
  assert.equal(seriesId('use', 1_800_000_000_000, [s[0], s[1]], 0), a);
  const ids = Array.from({ length: 500 }, (_, i) => seriesId('use', 1_800_000_000_000 + (i >> 4), s, i));
  assert.equal(new Set(ids).size, ids.length);
  assert.deepEqual([...ids].sort(), ids);
  // The low half leaves room for any index below 2^39 without a carry into the high half.
  const top = seriesId('use', 1, [0, 2 ** 39 - 1], 2 ** 39 - 1);
  assert.ok(isId(top) && top.slice(14, 22) === '00000000');
  assert.notEqual(seriesId('use', 1_800_000_000_000, idSeries(), 0), a);
});

test('a time range of ids: id >= idAtOrAfter(a) and id < idAtOrAfter(b) exactly when a <= its time < b', () => {
  const ms = fc.integer({ min: 0, max: 2 ** 48 - 1 });
  // Times near each other as well as far apart: the edges are what matters.
  const near = fc.tuple(ms, fc.integer({ min: -3, max: 3 }), fc.integer({ min: -3, max: 3 }), fc.boolean());
  fc.assert(
    fc.property(near, fc.integer({ min: 0, max: 2 ** 39 - 1 }), ([t, da, db, frac], index) => {
      const a = Math.max(0, t + da) + (frac ? 0.5 : 0);
      const b = Math.max(0, t + db);
      const id = index % 2 ? seriesId('use', t, idSeries(), index) : newId('use', t);
      const inRange = id >= idAtOrAfter('use', a) && id < idAtOrAfter('use', b);
      assert.equal(inRange, t >= a && t < b);
    }),
    { numRuns: 5000 },
  );
  assert.equal(idAtOrAfter('use', -5), 'use_0000000000');
  assert.ok(newId('use', 2 ** 48 - 1) < idAtOrAfter('use', Number.POSITIVE_INFINITY));
  assert.ok(newId('use', 2 ** 48 - 1) < idAtOrAfter('use', 2 ** 48));
  assert.throws(() => idAtOrAfter('use', Date.parse('not a time')), RangeError);
});

test('tokens carry at least 128 bits and do not collide in 100k draws', () => {
  const n = 100_000;
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) seen.add(randomToken(16));
  assert.equal(seen.size, n);
  assert.equal(Buffer.from(randomToken(), 'base64url').length, 32);
});

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';
/** The 80-bit number behind an id's 16 random characters. */
function randomPart(id: string): bigint {
  let n = 0n;
  for (const c of id.slice(-16)) n = n * 32n + BigInt(ALPHABET.indexOf(c));
  return n;
}

test('the 40-bit encoder matches base32 of the number, most significant first', () => {
  const values = [0, 1, 31, 32, 1023, 1024, 2 ** 30 - 1, 2 ** 30, 2 ** 40 - 1];
  for (let i = 0; i < 1000; i++) values.push(Math.floor(Math.random() * 2 ** 40));
  for (const v of values) {
    assert.equal(
      encode40(v),
      v
        .toString(32)
        .padStart(8, '0')
        .replace(/[0-9a-v]/g, (d) => ALPHABET[Number.parseInt(d, 32)]),
    );
  }
});

test('ids of one millisecond count up by one through their 80 random bits, carries included', () => {
  const ms = 1_900_000_000_000;
  const seq = (n: number) => Array.from({ length: n }, () => newId('req', ms));
  newId('req', ms - 1); // a fresh millisecond: random start
  const plain = [newId('req', ms), ...seq(999)];
  for (let i = 1; i < plain.length; i++) assert.equal(randomPart(plain[i]) - randomPart(plain[i - 1]), 1n);
  // Across the boundary of the low 40 bits, and the wrap of all 80 (as one 80-bit counter would).
  for (const [h, l] of [
    [12345, 2 ** 40 - 2],
    [2 ** 40 - 1, 2 ** 40 - 2],
  ]) {
    setIdStateForTest(ms, h, l);
    const ids = seq(4);
    const start = (BigInt(h) << 40n) + BigInt(l);
    for (const [i, id] of ids.entries()) {
      assert.equal(randomPart(id), (start + BigInt(i + 1)) % 2n ** 80n);
      assert.ok(isId(id, 'req'));
    }
  }
});

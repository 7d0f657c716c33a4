import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import canonicalize from 'canonicalize';
import fc from 'fast-check';
import {
  CANONICAL_KEYS,
  type ChainedFields,
  canonicalEvent,
  canonicalTuple,
  chainHash,
  chainHashTuple,
  GENESIS,
} from './canonical.ts';

const text = fc.string({ unit: 'binary', maxLength: 40 });
const maybe = fc.option(text, { nil: null });
const event: fc.Arbitrary<ChainedFields> = fc.record({
  id: text,
  seq: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  at: text,
  actor_type: text,
  actor_id: maybe,
  action: text,
  target_type: maybe,
  target_id: maybe,
  org_id: maybe,
  ip: maybe,
  user_agent: maybe,
  details: fc.oneof(
    text,
    fc.jsonValue().map((v) => JSON.stringify(v)),
  ),
});

/** The object RFC 8785 canonicalises: the API's field names, the stored values. */
function asObject(e: ChainedFields) {
  return {
    id: e.id,
    seq: e.seq,
    at: e.at,
    actorType: e.actor_type,
    actorId: e.actor_id,
    action: e.action,
    targetType: e.target_type,
    targetId: e.target_id,
    orgId: e.org_id,
    ip: e.ip,
    userAgent: e.user_agent,
    details: e.details,
  };
}

test('canonicalEvent is byte for byte the RFC 8785 encoding (the canonicalize library) of the event', () => {
  fc.assert(
    fc.property(event, (e) => {
      assert.equal(canonicalEvent(e), canonicalize(asObject(e)));
    }),
    { numRuns: 2000 },
  );
});

test('the keys are written in UTF-16 code-unit order', () => {
  assert.deepEqual([...CANONICAL_KEYS].sort(), [...CANONICAL_KEYS]);
  assert.deepEqual(Object.keys(JSON.parse(canonicalEvent(fc.sample(event, 1)[0]!))), [...CANONICAL_KEYS]);
});

test('hash = SHA-256(prev_hash hex || canonical event), lowercase hex; the first event follows 64 zeros', () => {
  const e = fc.sample(event, 1)[0]!;
  const expected = createHash('sha256')
    .update(GENESIS + canonicalize(asObject(e)))
    .digest('hex');
  assert.equal(chainHash(GENESIS, e), expected);
  assert.equal(GENESIS, '0'.repeat(64));
});

test("an event read as an array (the verifier's read) encodes and hashes exactly as the object", () => {
  fc.assert(
    fc.property(event, (e) => {
      const t = [
        e.id,
        e.seq,
        e.at,
        e.actor_type,
        e.actor_id,
        e.action,
        e.target_type,
        e.target_id,
        e.org_id,
        e.ip,
        e.user_agent,
        e.details,
      ] as const;
      assert.equal(canonicalTuple(t), canonicalize(asObject(e)));
      assert.equal(chainHashTuple(GENESIS, t), chainHash(GENESIS, e));
    }),
    { numRuns: 1000 },
  );
});

test("strings that need escaping (quote, backslash, controls, surrogates) take JSON.stringify's path", () => {
  for (const v of [
    'a"b',
    'a\\b',
    'tab\there',
    '\u0000',
    '\u001f',
    '\u007f',
    'é',
    '\ud83d\ude00',
    '\ud800',
    'x\udfff',
    '',
  ]) {
    const e: ChainedFields = {
      id: v,
      seq: 1,
      at: v,
      actor_type: v,
      actor_id: v,
      action: v,
      target_type: null,
      target_id: v,
      org_id: v,
      ip: v,
      user_agent: v,
      details: v,
    };
    // JSON.stringify of the members in key order: what the encoder wrote before its fast path (the
    // canonicalize library rejects lone surrogates, which the stored text may still hold).
    const sorted = Object.fromEntries(Object.entries(asObject(e)).sort(([a], [b]) => (a < b ? -1 : 1)));
    assert.equal(canonicalEvent(e), JSON.stringify(sorted), JSON.stringify(v));
  }
});

import { hash } from 'node:crypto';

/**
 * The chain's hash (docs/audit.md "Canonical encoding"): an event's hash is
 * SHA-256(prev_hash || canonical(event)) as lowercase hex, where prev_hash is the previous
 * event's hash as 64 hex characters (GENESIS before the first event) and canonical(event) is the
 * RFC 8785 (JCS) encoding, in UTF-8, of the flat object
 *
 *   { action, actorId, actorType, at, details, id, ip, orgId, seq, targetId, targetType, userAgent }
 *
 * whose values are the stored columns: strings or null, `seq` an integer, and `details` the JSON
 * text exactly as stored (a string, so the hash covers the stored bytes, not a re-encoding). For a
 * flat object of strings, nulls and safe integers, JCS is its members in UTF-16 code-unit order of
 * the keys, each value as ECMAScript's JSON.stringify writes it; `canonicalEvent` writes exactly
 * that without building an object (the verifier calls it a million times), and a test checks it
 * byte for byte against the `canonicalize` library (the reference implementation of RFC 8785).
 */
export const GENESIS = '0'.repeat(64);

/** The hashed fields of an event, as the columns hold them. */
export type ChainedFields = {
  id: string;
  seq: number;
  at: string;
  actor_type: string;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  org_id: string | null;
  ip: string | null;
  user_agent: string | null;
  details: string;
};

/**
 * A value as JSON.stringify writes it. Most stored strings need no escape (no quote, backslash,
 * control character or surrogate), and for those JSON.stringify is exactly the string in quotes:
 * the fast path skips the general escaper; anything else goes through JSON.stringify itself.
 */
// biome-ignore lint/suspicious/noControlCharactersInRegex: the control characters are what JSON escapes
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;
function s(v: string | null): string {
  if (v === null) return 'null';
  return NEEDS_ESCAPE.test(v) ? JSON.stringify(v) : `"${v}"`;
}

/** The keys in UTF-16 order, as written below (checked by canonical.test.ts). */
export const CANONICAL_KEYS = [
  'action',
  'actorId',
  'actorType',
  'at',
  'details',
  'id',
  'ip',
  'orgId',
  'seq',
  'targetId',
  'targetType',
  'userAgent',
] as const;

export function canonicalEvent(e: ChainedFields): string {
  return canonicalOf(
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
  );
}

/**
 * The hashed fields in the order the verifier reads the columns (chain-store.ts `SealedTuple`):
 * the verifier reads rows as arrays, not objects (an object per row cost more than the hash).
 */
export type ChainedTuple = readonly [
  id: string,
  seq: number,
  at: string,
  actor_type: string,
  actor_id: string | null,
  action: string,
  target_type: string | null,
  target_id: string | null,
  org_id: string | null,
  ip: string | null,
  user_agent: string | null,
  details: string,
];

/** The tuple, possibly followed by more columns (the verifier's rows end with prev_hash and hash). */
type StartsWithChained = readonly [...ChainedTuple, ...unknown[]];

/** canonicalEvent of an event read as an array: the same string, by the same function. */
export function canonicalTuple(t: StartsWithChained): string {
  return canonicalOf(t[0], t[1], t[2], t[3], t[4], t[5], t[6], t[7], t[8], t[9], t[10], t[11]);
}

/** The one writer of the encoding: both entry points above call it, so they cannot drift. */
function canonicalOf(
  id: string,
  seq: number,
  at: string,
  actorType: string,
  actorId: string | null,
  action: string,
  targetType: string | null,
  targetId: string | null,
  orgId: string | null,
  ip: string | null,
  userAgent: string | null,
  details: string,
): string {
  if (!Number.isSafeInteger(seq)) throw new Error(`seq ${seq} is not a safe integer`);
  return `{"action":${s(action)},"actorId":${s(actorId)},"actorType":${s(actorType)},"at":${s(at)},"details":${s(details)},"id":${s(id)},"ip":${s(ip)},"orgId":${s(orgId)},"seq":${seq},"targetId":${s(targetId)},"targetType":${s(targetType)},"userAgent":${s(userAgent)}}`;
}

/**
 * SHA-256(prev_hash || canonical(event)), lowercase hex. One-shot `hash` over one string: no Hash
 * object and no intermediate Buffer per event (the string is UTF-8 encoded once, by the hash).
 */
export function chainHash(prevHash: string, e: ChainedFields): string {
  return hash('sha256', prevHash + canonicalEvent(e), 'hex');
}

/** chainHash of an event read as an array (the verifier's loop). */
export function chainHashTuple(prevHash: string, t: StartsWithChained): string {
  return hash('sha256', prevHash + canonicalTuple(t), 'hex');
}

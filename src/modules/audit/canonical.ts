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

const s = JSON.stringify;

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
  if (!Number.isSafeInteger(e.seq)) throw new Error(`seq ${e.seq} is not a safe integer`);
  return `{"action":${s(e.action)},"actorId":${s(e.actor_id)},"actorType":${s(e.actor_type)},"at":${s(e.at)},"details":${s(e.details)},"id":${s(e.id)},"ip":${s(e.ip)},"orgId":${s(e.org_id)},"seq":${e.seq},"targetId":${s(e.target_id)},"targetType":${s(e.target_type)},"userAgent":${s(e.user_agent)}}`;
}

/** SHA-256(prev_hash || canonical(event)), lowercase hex (one-shot: no Hash object per event). */
export function chainHash(prevHash: string, e: ChainedFields): string {
  return hash('sha256', prevHash + canonicalEvent(e), 'hex');
}

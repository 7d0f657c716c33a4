import type { CallRecord } from '../gateway/index.ts';
import type { ConformanceCase, FieldMatcher, RecordField } from './suite-schema.ts';

/**
 * What the conformance module keeps of one sandbox call of an app: the call record's fields a case
 * can name (suite-schema.ts RECORD_FIELDS), and no more — no bodies, no credentials.
 */
export type ObservedCall = {
  requestId: string;
  atMs: number;
  appId: string;
  orgId: string;
  productSlug: string;
  operationId: string;
  networkCode: string | null;
  status: number;
  replayed: boolean;
  refs: Record<string, string>;
  shape: { idempotencyKey: boolean; signed: boolean };
};

/** The observed call of a record, or null for calls no case can be about (not sandbox, no app). */
export function observedCallOf(r: CallRecord): ObservedCall | null {
  if (r.catalog !== 'sandbox' || r.client.appId === null || r.client.orgId === null) return null;
  return {
    requestId: r.requestId,
    atMs: r.atMs,
    appId: r.client.appId,
    orgId: r.client.orgId,
    productSlug: r.productSlug,
    operationId: r.operationId,
    networkCode: r.networkCode,
    status: r.status,
    replayed: r.replayed,
    refs: { ...r.refs },
    shape: { idempotencyKey: r.shape.idempotencyKey, signed: r.shape.signed === true },
  };
}

function fieldOf(c: ObservedCall, field: RecordField): string | number | boolean | undefined {
  switch (field) {
    case 'networkCode':
      return c.networkCode ?? undefined;
    case 'status':
      return c.status;
    case 'replayed':
      return c.replayed;
    case 'shape.idempotencyKey':
      return c.shape.idempotencyKey;
    case 'shape.signed':
      return c.shape.signed;
    default:
      return c.refs[field.slice('refs.'.length)];
  }
}

function holds(c: ObservedCall, m: FieldMatcher): boolean {
  const v = fieldOf(c, m.field);
  if (m.present !== undefined) return (v !== undefined) === m.present;
  if (m.oneOf !== undefined) return v !== undefined && m.oneOf.includes(String(v));
  return v === m.equals;
}

type Step = Pick<ConformanceCase, 'operations' | 'networkCodes' | 'match'>;

/**
 * Does the call satisfy a step (operation, answer code, every matcher)? A replayed answer (an
 * Idempotency-Key repeat) proves nothing new: the network did not answer it again.
 */
export function stepHolds(c: ObservedCall, s: Step): boolean {
  if (c.replayed || c.status >= 400) return false;
  if (!s.operations.includes(c.operationId)) return false;
  if (c.networkCode === null || !s.networkCodes.includes(c.networkCode)) return false;
  return s.match.every((m) => holds(c, m));
}

/**
 * The earlier call that completes a case for `c`, among `candidates` (the same app's calls): it
 * came first, satisfies the case's `after` step and every link. Null when none does.
 */
export function earlierMatch(
  c: ObservedCall,
  kase: ConformanceCase,
  candidates: readonly ObservedCall[],
): ObservedCall | null {
  const after = kase.after;
  if (!after) return null;
  for (const e of candidates) {
    if (e.requestId === c.requestId || e.appId !== c.appId || e.atMs > c.atMs) continue;
    if (!stepHolds(e, after)) continue;
    const linked = after.link.every((l) => {
      const mine = fieldOf(c, l.field);
      return mine !== undefined && mine === fieldOf(e, l.earlierField);
    });
    if (linked) return e;
  }
  return null;
}

import type { z } from 'zod';
import type { EdgeWhat } from '../../platform/http/edge-counters.ts';
import type { CallRecord, ClassedCallRecord } from '../gateway/index.ts';

export type Severity = 'low' | 'medium' | 'high' | 'critical';
export type SubjectKind = 'organization' | 'app' | 'account' | 'source_address';

/** A failed credential check outside the gateway's calls: the token endpoint and the portal. */
type AuthFailure = {
  kind: 'auth_failure';
  atMs: number;
  /** token: a token request refused; client_secret: a wrong secret; signin: a portal password; totp: a second factor. */
  channel: 'token' | 'client_secret' | 'signin' | 'totp';
  /** The client id or the account (user id, else a hash of the e-mail) the attempt named. */
  subject: string;
  ip: string;
  orgId: string | null;
  appId: string | null;
  requestId: string | null;
};

/**
 * What never reaches the pipeline, counted at the edge (platform/http/edge-counters.ts): `count`
 * events of one kind from one address within a flush interval (1 when absent), the first at `atMs`.
 */
type EdgeSignal = {
  kind: 'edge';
  atMs: number;
  what: EdgeWhat;
  ip: string;
  path: string | null;
  count?: number;
};

export type Signal = { kind: 'call'; r: ClassedCallRecord } | AuthFailure | EdgeSignal;

/** What a detector concludes: the engine turns it into an incident report (one live per subject). */
export type Finding = {
  subject: { kind: SubjectKind; id: string };
  orgId?: string | null;
  severity?: Severity;
  title: string;
  summary: string;
  count: number;
  requestIds: string[];
  /** Masked: no credentials, bodies or full account numbers (mask.ts). */
  samples: unknown[];
  windowStartMs: number;
  windowEndMs: number;
};

export type Thresholds = Record<string, number>;
export type Observer<T> = (s: Signal, t: T, report: (f: Finding) => void) => void;

/**
 * A detector: a documented rule over signals with operator-configurable thresholds (a zod schema
 * with bounds: an operator's bad value is a 422 naming the field). `create` makes its memory (the
 * engine makes one per run); the observer gets the thresholds in force at each signal, so a
 * change through the API applies to the next evaluation.
 */
export type Detector<T extends Thresholds = Thresholds> = {
  id: string;
  title: string;
  /** The rule, as docs/detectors.md and the operator's screen state it. */
  rule: string;
  /** The clause of the terms the behaviour concerns (kept with each incident). */
  termsClause: string;
  severity: Severity;
  thresholds: z.ZodType<T>;
  defaults: T;
  create(): Observer<T>;
};

export function defineDetector<T extends Thresholds>(d: Detector<T>): Detector {
  return d as unknown as Detector;
}

/** Who a call is about: its app when authentication knew it, else the caller's address. */
export function subjectOfCall(r: CallRecord): { kind: SubjectKind; id: string } {
  return r.client.appId ? { kind: 'app', id: r.client.appId } : { kind: 'source_address', id: r.source.ip };
}

/**
 * The key a detector counts a call's subject under: its app id, else its source address — a
 * string the record already holds, so no key is built per call. The two kinds cannot collide: an
 * app id ('app_…') never reads as an address.
 */
export function subjectKeyOf(r: CallRecord): string {
  return r.client.appId || r.source.ip;
}

/** A call as evidence: what it was and how it was answered, no body, no credentials. */
export function callSample(r: CallRecord, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    at: new Date(r.atMs).toISOString(),
    operationId: r.operationId,
    path: r.path,
    status: r.status,
    errorCode: r.errorCode,
    networkCode: r.networkCode,
    source: maskAddress(r.source.ip),
    userAgent: r.source.userAgent,
    ...extra,
  };
}

/** A finding about a call: its organisation, the call as the sample, the window ending at it. */
export function callFinding(r: CallRecord, f: Omit<Finding, 'orgId' | 'samples' | 'windowEndMs'>): Finding {
  return { ...f, orgId: r.client.orgId, samples: [callSample(r)], windowEndMs: r.atMs };
}

/** Masks a value's middle (an account or consumer number): first 2 and last 2 kept. */
export function maskValue(v: string): string {
  if (v.length <= 4) return '*'.repeat(v.length);
  return `${v.slice(0, 2)}${'*'.repeat(Math.min(v.length - 4, 12))}${v.slice(-2)}`;
}

/** An address as evidence: its network's prefix and the last part masked. */
function maskAddress(ip: string): string {
  const i = Math.max(ip.lastIndexOf('.'), ip.lastIndexOf(':'));
  return i < 0 ? ip : `${ip.slice(0, i + 1)}x`;
}

/**
 * A few recent request ids per key (the last `keep`), as evidence for the incident. Trimmed when a
 * key holds twice as many, so an add is a push (not a shift of every id held).
 */
export class RecentIds {
  readonly #m = new Map<string, string[]>();
  readonly #keep: number;
  constructor(keep = 10) {
    this.#keep = keep;
  }
  add(key: string, id: string | null): void {
    if (!id) return;
    let a = this.#m.get(key);
    if (!a) {
      if (this.#m.size > 50_000) this.#m.delete(this.#m.keys().next().value!);
      a = [];
      this.#m.set(key, a);
    }
    if (a.push(id) >= 2 * this.#keep) a.splice(0, this.#keep);
  }
  take(key: string): string[] {
    const a = this.#m.get(key) ?? [];
    this.#m.delete(key);
    return a.length > this.#keep ? a.slice(-this.#keep) : a;
  }
}

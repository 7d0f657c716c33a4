import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { auditVerificationView } from './contracts.ts';

/**
 * The audit chain's verifier (docs/audit.md). It streams sealed events in sequence order, recomputes
 * every hash, checks every signed checkpoint against the public key and names the first damage:
 * an edited, deleted, inserted or reordered event, a truncated tail (the chain ends before the
 * last checkpoint) or a recomputed chain (hashes that agree with each other but not with a
 * signature). Unsealed events (not chained yet) and unanchored ones (chained after the last
 * checkpoint) are counted, not reported as damage.
 */

/** The result of one verification, as `getAuditVerification` answers it. */
export type AuditVerification = z.infer<typeof auditVerificationView>;

/** The first damage found: its kind, the event (id null when it no longer exists) and its seq. */
export type AuditDamage = NonNullable<AuditVerification['firstDamage']>;

export type AuditDamageKind = AuditDamage['kind'];

/** Reported while a long verification runs (the CLI prints it). */
export type VerifyProgress = { checked: number; seq: number; lastSeq: number };

export type VerifyOptions = {
  /**
   * Start at this checkpoint's sequence number (the newest kept checkpoint at or before it); by
   * default the oldest kept checkpoint, or the first event when nothing was pruned.
   */
  fromSeq?: number;
  onProgress?: (p: VerifyProgress) => void;
};

/**
 * What the routes, the CLI and the worker use: `verify` runs a full verification and stores its
 * result; `latest` answers the stored result without scanning (a full scan per GET is too slow for
 * a large chain).
 */
export type AuditVerificationPort = {
  verify(opts?: VerifyOptions): Promise<AuditVerification>;
  latest(): Promise<AuditVerification>;
};

/** The state before any verification has run. */
export function neverVerified(): AuditVerification {
  return {
    verifiedAt: null,
    intact: true,
    firstDamage: null,
    fromSeq: 1,
    sealed: 0,
    unsealed: 0,
    unanchored: 0,
    lastCheckpoint: null,
    durationMs: 0,
  };
}

export class AuditVerifier implements AuditVerificationPort {
  readonly #clock: Clock;
  #last: AuditVerification = neverVerified();
  constructor(deps: { clock: Clock }) {
    this.#clock = deps.clock;
  }

  async verify(_opts: VerifyOptions = {}): Promise<AuditVerification> {
    // Filled in by the chain walk (issue 32, item 2); the signature above is the contract.
    this.#last = { ...neverVerified(), verifiedAt: new Date(this.#clock.nowMs()).toISOString() };
    return this.#last;
  }

  async latest(): Promise<AuditVerification> {
    return this.#last;
  }
}

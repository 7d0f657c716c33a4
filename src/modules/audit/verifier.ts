import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { chainHashTuple, GENESIS } from './canonical.ts';
import type { ChainStore, CheckpointRow, SealedRow, SealedTuple } from './chain-store.ts';
import { checkpointSignatureValid, type TrustedKeys } from './checkpoint-keys.ts';
import type { auditVerificationView } from './contracts.ts';
import { rangeIntactInWorker } from './range-check.ts';

/**
 * The audit chain's verifier (docs/audit.md). It streams sealed events in sequence order, recomputes
 * every hash, checks every signed checkpoint against the trusted public keys and names the first
 * damage: an edited, deleted, inserted or reordered event, a truncated tail (the chain ends before
 * the last checkpoint) or a recomputed chain (hashes that agree with each other but not with a
 * signature). Unsealed events (not chained yet) and unanchored ones (chained after the last
 * checkpoint) are counted, not reported as damage.
 */

/** The result of one verification, as `getAuditVerification` answers it. */
export type AuditVerification = z.infer<typeof auditVerificationView>;

/** The first damage found: its kind, the event (id null when it no longer exists) and its seq. */
export type AuditDamage = NonNullable<AuditVerification['firstDamage']>;

type AuditDamageKind = AuditDamage['kind'];

/** Reported while a long verification runs (the CLI prints it). */
type VerifyProgress = { checked: number; seq: number; lastSeq: number };

export type VerifyOptions = {
  /**
   * Start at the newest kept checkpoint before this sequence number (its signature is checked);
   * by default at the oldest kept checkpoint, or the first event when nothing was pruned.
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
function neverVerified(): AuditVerification {
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

/**
 * From how many anchored events on a SQLite file a second thread checks the first half of the
 * chain while this one walks the rest (below that, starting a thread costs more than it saves).
 */
const PARALLEL_FROM = 100_000;

export class AuditVerifier implements AuditVerificationPort {
  readonly #store: ChainStore;
  readonly #clock: Clock;
  readonly #keys: TrustedKeys;
  readonly #parallelFrom: number;
  constructor(deps: {
    store: ChainStore;
    clock: Clock;
    keys: TrustedKeys;
    /** PARALLEL_FROM unless given (tests split small chains; Infinity: never). */
    parallelFrom?: number;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#keys = deps.keys;
    this.#parallelFrom = deps.parallelFrom ?? PARALLEL_FROM;
  }

  async latest(): Promise<AuditVerification> {
    const json = await this.#store.loadVerification();
    return json ? (JSON.parse(json) as AuditVerification) : neverVerified();
  }

  async verify(opts: VerifyOptions = {}): Promise<AuditVerification> {
    const started = performance.now();
    const result = await this.#walk(opts, true);
    result.durationMs = Math.round(performance.now() - started);
    // A partial run (--from) says nothing about the part before it: only full runs are stored.
    if (opts.fromSeq === undefined) await this.#store.saveVerification(JSON.stringify(result));
    return result;
  }

  /**
   * One verification. With `split` (and a SQLite file, and a long anchored chain) a worker thread
   * checks the first half, up to a checkpoint in the middle, while this thread walks on from that
   * checkpoint (its signature checked first); when either half is not intact, the whole chain is
   * walked again in order, without splitting, so the damage named is the first one and described
   * exactly as a sequential run describes it.
   */
  async #walk(opts: VerifyOptions, split: boolean): Promise<AuditVerification> {
    const counts = await this.#store.counts();
    const checkpoints = await this.#store.checkpoints();
    const lastCp = checkpoints.at(-1) ?? null;
    const result: AuditVerification = {
      ...neverVerified(),
      verifiedAt: new Date(this.#clock.nowMs()).toISOString(),
      sealed: counts.sealed,
      unsealed: counts.unsealed,
      unanchored: Math.max(0, (counts.maxSeq ?? 0) - (lastCp?.seq ?? 0)),
      lastCheckpoint: lastCp && { seq: lastCp.seq, hash: lastCp.hash, at: lastCp.at, keyId: lastCp.key_id },
    };
    const damage = (d: AuditDamage): AuditVerification => ({ ...result, intact: false, firstDamage: d });

    // Where to start: the genesis, or a kept checkpoint (after pruning, or --from).
    let cpIndex = 0;
    let start: CheckpointRow | null = null;
    if (opts.fromSeq !== undefined) {
      for (const [i, c] of checkpoints.entries()) if (c.seq < opts.fromSeq) [start, cpIndex] = [c, i];
    } else if (counts.minSeq !== null && counts.minSeq > 1) {
      // Pruning keeps the checkpoint at its boundary: the oldest kept event must follow one.
      const boundary = counts.minSeq - 1;
      cpIndex = checkpoints.findIndex((c) => c.seq === boundary);
      start = checkpoints[cpIndex] ?? null;
      if (!start) {
        return damage({
          kind: 'deleted',
          eventId: null,
          seq: boundary,
          message: `the events before seq ${counts.minSeq} are missing and no checkpoint at seq ${boundary} marks them as pruned`,
        });
      }
    }
    if (start) {
      if (!checkpointSignatureValid(this.#keys, toSigned(start))) {
        return damage({
          kind: 'recomputed',
          eventId: null,
          seq: start.seq,
          message: `the checkpoint at seq ${start.seq} (the start) has no valid signature of a trusted key`,
        });
      }
      cpIndex += 1;
    }
    result.fromSeq = (start?.seq ?? 0) + 1;

    let prev = start?.hash ?? GENESIS;
    let expected = (start?.seq ?? 0) + 1;
    // The first event after the last checkpoint that matched: where a recomputed stretch begins.
    let segment: { id: string; seq: number } | null = null;
    let before: SealedTuple | null = null;
    let nextCp = checkpoints[cpIndex];
    let checked = 0;
    let firstHalf: Promise<boolean> | null = null;
    const file = split ? await this.#store.sqliteFile() : null;
    const remaining = checkpoints.length - cpIndex;
    if (file && remaining >= 2 && lastCp!.seq - (expected - 1) >= this.#parallelFrom) {
      const mid = cpIndex + Math.floor(remaining / 2) - 1;
      const half = checkpoints.slice(cpIndex, mid + 1);
      // The thread checks hashes against these checkpoints; their signatures are checked here.
      if (half.every((c) => checkpointSignatureValid(this.#keys, toSigned(c)))) {
        const m = checkpoints[mid]!;
        firstHalf = rangeIntactInWorker({
          file,
          afterSeq: expected - 1,
          untilSeq: m.seq,
          prevHash: prev,
          checkpoints: half.map((c) => ({ seq: c.seq, hash: c.hash })),
        });
        [prev, expected, cpIndex] = [m.hash, m.seq + 1, mid + 1];
        nextCp = checkpoints[cpIndex];
      }
    }
    // The result, once the first half's answer is in: any damage (or a failed half) is named by an
    // ordered walk of the whole chain.
    const done = async (r: AuditVerification): Promise<AuditVerification> => {
      if (firstHalf === null) return r;
      return (await firstHalf) && r.intact ? r : this.#walk(opts, false);
    };
    // Pages of rows as arrays (chain-store.ts `sealedPages`): the loop allocates nothing per event
    // but the canonical string and its hash.
    for await (const rows of this.#store.sealedPages(expected - 1)) {
      for (let i = 0; i < rows.length; i++) {
        const row = rows[i]!;
        const seq = Number(row[1]);
        if (seq !== expected || row[12] !== prev || chainHashTuple(prev, row) !== row[13]) {
          const next = rows[i + 1];
          return done(
            damage(
              await this.#diagnose(
                asRow(row),
                next ? asRow(next) : null,
                before && asRow(before),
                expected,
                prev,
              ),
            ),
          );
        }
        prev = row[13] as string;
        segment ??= { id: row[0], seq };
        if (nextCp && nextCp.seq === seq) {
          const signed = checkpointSignatureValid(this.#keys, toSigned(nextCp));
          if (!signed || nextCp.hash !== prev) {
            return done(
              damage({
                kind: 'recomputed',
                eventId: segment.id,
                seq: segment.seq,
                message: signed
                  ? `the chain up to seq ${seq} does not match its signed checkpoint: events from seq ${segment.seq} to ${seq} were changed and their hashes recomputed`
                  : `the checkpoint at seq ${seq} has no valid signature of a trusted key (forged or altered); it covers events from seq ${segment.seq}`,
              }),
            );
          }
          segment = null;
          nextCp = checkpoints[++cpIndex];
        }
        before = row;
        expected = seq + 1;
      }
      checked += rows.length;
      opts.onProgress?.({ checked, seq: expected - 1, lastSeq: counts.maxSeq ?? 0 });
    }
    if (nextCp) {
      return done(
        damage({
          kind: 'truncated',
          eventId: null,
          seq: expected,
          message: `the chain ends at seq ${expected - 1} but checkpoint ${lastCp!.seq} was signed later: events from seq ${expected} were removed`,
        }),
      );
    }
    return done(result);
  }

  /**
   * Names what is wrong with `row`, the first event that fails (expected seq `expected`, chained
   * after hash `prev`; `before` the last good event, `next` the one after `row`). Runs once, on
   * the first failure, so it may query.
   */
  async #diagnose(
    row: SealedRow,
    next: SealedRow | null,
    before: SealedRow | null,
    expected: number,
    prev: string,
  ): Promise<AuditDamage> {
    const seq = Number(row.seq);
    const at = (kind: AuditDamageKind, message: string, e: { id: string | null; seq: number } = row) => ({
      kind,
      eventId: e.id,
      seq: e.seq,
      message,
    });
    if (seq > expected) {
      return at(
        'deleted',
        `events from seq ${expected} to ${seq - 1} are missing (the chain resumes at ${row.id})`,
        {
          id: null,
          seq: expected,
        },
      );
    }
    if (seq < expected) return at('inserted', `a second event with seq ${seq}`);
    if (row.hash === null || row.prev_hash === null) {
      return at('inserted', 'a sequence number without a hash: the sealer writes the three together');
    }
    if (row.prev_hash === prev) return at('edited', 'its content does not match its hash');
    // The link to the previous event is broken: find out how.
    if (await this.#store.otherWithHash(row.hash, row.id)) {
      return at('inserted', 'a copy of another event (same hash) placed in the chain');
    }
    if (before && row.prev_hash === before.prev_hash) {
      return at('inserted', `the next event links past it, to the event at seq ${expected - 2}`, {
        id: before.id,
        seq: expected - 1,
      });
    }
    const predecessor = await this.#store.otherWithHash(row.prev_hash, row.id);
    if (predecessor) {
      return at(
        'reordered',
        `it follows ${predecessor.id} (now at seq ${predecessor.seq}), not the event at seq ${expected - 1}`,
      );
    }
    next ??= (await this.#store.eventsAfter(seq, 1))[0] ?? null;
    if (next === null || next.prev_hash === prev) {
      return at('inserted', `it does not link to the event at seq ${expected - 1}`);
    }
    if (before) {
      return at(
        'edited',
        'its hash was recomputed after a change: the next event still links to its old hash',
        {
          id: before.id,
          seq: expected - 1,
        },
      );
    }
    return at('edited', 'it does not link to the checkpoint it follows');
  }
}

/** The object form of a row, for the diagnosis (once, at the first failure). */
function asRow(t: SealedTuple): SealedRow {
  const [id, seq, at, actor_type, actor_id, action, target_type, target_id, org_id, ip, user_agent, details] =
    t;
  return {
    id,
    seq,
    at,
    actor_type,
    actor_id,
    action,
    target_type,
    target_id,
    org_id,
    ip,
    user_agent,
    details,
    prev_hash: t[12],
    hash: t[13],
  };
}

function toSigned(c: CheckpointRow) {
  return { seq: c.seq, hash: c.hash, at: c.at, keyId: c.key_id, signature: c.signature };
}

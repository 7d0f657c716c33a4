import type { Clock } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { chainHash, GENESIS } from './canonical.ts';
import type { ChainStore, SealUpdate } from './chain-store.ts';
import { type CheckpointSigner, checkpointPayload } from './checkpoint-keys.ts';

/**
 * The sealer: the chain's single writer (docs/audit.md "Sealing"). Callers insert unsealed events
 * inside their own transactions; after they commit, the sealer takes them in id order, gives each
 * the next sequence number and hash = SHA-256(prev_hash || canonical(event)), and signs a
 * checkpoint every CHECKPOINT_EVERY events or CHECKPOINT_AFTER_MS, whichever comes first. Only the
 * holder of the lease (a row in audit_chain_state, renewed on every pass) seals, so several
 * processes pointed at one PostgreSQL database never extend the chain at once; the unique index on
 * seq turns a lost race (an expired lease) into a rolled-back batch, never a fork.
 */
const CHECKPOINT_EVERY = 1000;
const CHECKPOINT_AFTER_MS = 5 * 60_000;
const LEASE_MS = 30_000;

export class AuditSealer {
  readonly #store: ChainStore;
  readonly #clock: Clock;
  readonly #signer: CheckpointSigner;
  readonly #owner: string;
  readonly #every: number;
  readonly #afterMs: number;
  #running: Promise<number> | null = null;

  constructor(deps: {
    store: ChainStore;
    clock: Clock;
    signer: CheckpointSigner;
    /** This process's name for the lease (host:pid:random). */
    owner: string;
    checkpointEvery?: number;
    checkpointAfterMs?: number;
  }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#signer = deps.signer;
    this.#owner = deps.owner;
    this.#every = deps.checkpointEvery ?? CHECKPOINT_EVERY;
    this.#afterMs = deps.checkpointAfterMs ?? CHECKPOINT_AFTER_MS;
  }

  /**
   * Seals every committed unsealed event and signs the checkpoints that fall due; resolves to the
   * number sealed (0 without the lease). Calls while one runs share it.
   */
  sealPending(): Promise<number> {
    this.#running ??= this.#sealAll().finally(() => {
      this.#running = null;
    });
    return this.#running;
  }

  async release(): Promise<void> {
    await this.#store.releaseLease(this.#owner);
  }

  async #sealAll(): Promise<number> {
    const now = this.#clock.nowMs();
    const held = await this.#store.acquireLease(
      this.#owner,
      new Date(now).toISOString(),
      new Date(now + LEASE_MS).toISOString(),
    );
    if (!held) return 0;
    let total = 0;
    for (;;) {
      const n = await this.#sealBatch();
      total += n;
      if (n === 0) break;
    }
    return total;
  }

  /** One transaction: seals up to the next checkpoint boundary, then signs it if due. */
  async #sealBatch(): Promise<number> {
    try {
      return await this.#store.transaction(async (trx) => {
        const tail = await this.#store.tail(trx);
        const last = await this.#store.lastCheckpoint(trx);
        const anchored = last?.seq ?? 0;
        let seq = tail?.seq ?? 0;
        let prev = tail?.hash ?? GENESIS;
        const room = this.#every - (seq - anchored);
        const rows = room > 0 ? await this.#store.unsealed(trx, Math.min(room, this.#every)) : [];
        const updates: SealUpdate[] = [];
        for (const row of rows) {
          seq += 1;
          const hash = chainHash(prev, { ...row, seq });
          updates.push({ id: row.id, seq, prev_hash: prev, hash });
          prev = hash;
        }
        if (updates.length > 0) await this.#store.seal(trx, updates);
        if (seq > anchored && (await this.#checkpointDue(trx, seq, anchored, last?.at ?? null))) {
          const at = new Date(this.#clock.nowMs()).toISOString();
          const keyId = this.#signer.keyId;
          const signature = this.#signer.sign(checkpointPayload({ seq, hash: prev, at, keyId }));
          await this.#store.insertCheckpoint(trx, { seq, hash: prev, at, key_id: keyId, signature });
        }
        return updates.length;
      });
    } catch (err) {
      // Another sealer extended the chain first (its lease had expired under us): nothing written.
      if (isUniqueViolation(err)) return 0;
      throw err;
    }
  }

  async #checkpointDue(
    trx: Parameters<ChainStore['tail']>[0],
    seq: number,
    anchored: number,
    lastAt: string | null,
  ): Promise<boolean> {
    if (seq - anchored >= this.#every) return true;
    // Time rule: measured from the last checkpoint, or from the first event when there is none.
    const since = lastAt ?? (await this.#store.atOf(anchored + 1, trx));
    return since !== null && this.#clock.nowMs() - Date.parse(since) >= this.#afterMs;
  }
}

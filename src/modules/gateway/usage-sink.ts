import { Worker } from 'node:worker_threads';
import type { Kysely } from 'kysely';
import type { DatabaseLocation } from '../../platform/db/database.ts';
import { installedOutcomeRules } from './outcome.ts';
import type { GatewayTables } from './tables.ts';
import { decodeBatch, type EncodedBatch } from './usage-codec.ts';
import { type ReducedRow, UsageWriter } from './usage-writer.ts';

/**
 * Where the usage recorder's batches (encoded: usage-codec.ts) go. `write` resolves once the batch
 * is committed, with the rows written in reduced form (usage-writer.ts), and rejects when it was
 * not (the recorder keeps the batch and writes it again; the inserts are idempotent). Two kinds:
 * - inline: the batch is written on the calling thread (the only choice for in-memory SQLite);
 * - worker: a worker thread with its own connection does the row building, masking and INSERTs,
 *   so none of that runs on the event loop that serves calls. The thread starts on the first batch.
 */
export type UsageSink = {
  readonly kind: 'inline' | 'worker';
  write(batch: EncodedBatch): Promise<Written>;
  close(): Promise<void>;
};

export function inlineUsageSink(db: Kysely<GatewayTables>, dialect: 'sqlite' | 'postgres'): UsageSink {
  const writer = new UsageWriter(db, dialect);
  return { kind: 'inline', write: (batch) => writer.write(decodeBatch(batch)), close: async () => {} };
}

/**
 * Rows the usage worker writes in one transaction at most when batches wait for it (usage-worker.ts).
 * Larger transactions share more rollup rows between calls. On SQLite they also hold the database's
 * one write lock longer: 5 000 rows take ~0.3-0.5 s on a quiet 2-core machine (docs/performance.md
 * item 44), well inside the 5 s other writers wait for it; 10 000 measured no steady gain. PostgreSQL
 * locks rows, not the database: 20 000.
 */
export const MAX_MERGED_ROWS = { sqlite: 5_000, postgres: 20_000 } as const;

/** Messages between the recorder's thread and the usage worker (usage-worker.ts). */
export type ToWorker = { type: 'write'; id: number; batch: EncodedBatch } | { type: 'close' };
export type FromWorker =
  | { id: number; ok: true; reduced: ReducedRow[]; transaction: number }
  | { id: number; ok: false; error: string };

/**
 * What a committed batch answers: the rows written in reduced form and, from the worker, the number
 * of the transaction that committed it (batches written together share one).
 */
export type Written = { reduced: ReducedRow[]; transaction?: number };

type Pending = { resolve: (r: Written) => void; reject: (err: Error) => void };

/**
 * Drops, from `batch`, the bodies that structured clone refuses (a value nested too deep for it —
 * it recurses —, a function, a symbol), keeping the reason: those records are written reduced and
 * the rest of the batch as it is. Only run after a hand-over failed: one clone per body.
 */
export function dropUncloneableBodies(batch: EncodedBatch): void {
  const kept: EncodedBatch['bodies'] = [];
  for (const entry of batch.bodies) {
    try {
      structuredClone(entry);
      kept.push(entry);
    } catch (err) {
      batch.dropped ??= [];
      batch.dropped.push([
        entry[0],
        `the bodies could not be handed to the usage writer: ${(err as Error).message}`.slice(0, 300),
      ]);
    }
  }
  batch.bodies = kept;
}

export class WorkerUsageSink implements UsageSink {
  readonly kind = 'worker' as const;
  readonly #location: DatabaseLocation;
  readonly #maxMergedRows: number | undefined;
  #worker: Worker | undefined;
  #nextId = 1;
  readonly #pending = new Map<number, Pending>();

  /** `maxMergedRows`: the most rows in one transaction (default MAX_MERGED_ROWS of the engine). */
  constructor(location: DatabaseLocation, opts: { maxMergedRows?: number } = {}) {
    this.#location = location;
    this.#maxMergedRows = opts.maxMergedRows;
  }

  #start(): Worker {
    const w = new Worker(new URL('./usage-worker.ts', import.meta.url), {
      // The outcome rules installed in this process (outcome.ts) go with it, as data.
      workerData: {
        location: this.#location,
        outcomeRules: installedOutcomeRules(),
        maxMergedRows: this.#maxMergedRows,
      },
      stdout: false,
      stderr: false,
    });
    // The thread keeps the process alive only while it holds batches not yet answered (or is closing):
    // an idle writer never stops a process from exiting, a pending batch always gets its answer.
    w.unref();
    w.on('message', (m: FromWorker) => {
      const p = this.#pending.get(m.id);
      if (!p) return;
      this.#pending.delete(m.id);
      if (this.#pending.size === 0) w.unref();
      if (m.ok) p.resolve({ reduced: m.reduced, transaction: m.transaction });
      else p.reject(new Error(m.error));
    });
    const fail = (err: Error) => {
      if (this.#worker === w) this.#worker = undefined;
      for (const p of this.#pending.values()) p.reject(err);
      this.#pending.clear();
    };
    w.on('error', fail);
    w.on('exit', (code) => fail(new Error(`usage worker exited (code ${code})`)));
    this.#worker = w;
    return w;
  }

  write(batch: EncodedBatch): Promise<Written> {
    const w = this.#worker ?? this.#start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      if (this.#pending.size === 0) w.ref();
      this.#pending.set(id, { resolve, reject });
      try {
        try {
          w.postMessage({ type: 'write', id, batch } satisfies ToWorker);
        } catch {
          // One record's bodies must not hold back the batch: drop those clone refuses, retry once.
          dropUncloneableBodies(batch);
          w.postMessage({ type: 'write', id, batch } satisfies ToWorker);
        }
      } catch (err) {
        this.#pending.delete(id);
        if (this.#pending.size === 0) w.unref();
        reject(err as Error);
      }
    });
  }

  /** Lets the worker finish what it was given, close its connection and exit. */
  async close(): Promise<void> {
    const w = this.#worker;
    if (!w) return;
    const exited = new Promise<void>((r) => w.once('exit', () => r()));
    w.ref();
    w.postMessage({ type: 'close' } satisfies ToWorker);
    const timer = setTimeout(() => void w.terminate(), 10_000);
    await exited;
    clearTimeout(timer);
  }
}

import type { Kysely } from 'kysely';
import { type Clock, systemClock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { GatewayTables } from './tables.ts';
import { BatchBuilder, type EncodedBatch, releaseBatch } from './usage-codec.ts';
import type { UsageSink } from './usage-sink.ts';
import { UsageStore } from './usage-store.ts';
import type { UsageRecord } from './usage-writer.ts';

/** Calls whose bodies the request log always keeps: every failure, replay or live-data suspicion. */
function keepsBodies(r: UsageRecord): boolean {
  return (
    r.status >= 400 ||
    r.errorCode !== null ||
    (r.networkCode !== null && r.networkCode !== '00') ||
    r.liveDataSuspected ||
    r.replayed
  );
}

export type UsageRecorderOptions = {
  /** Where batches are written (inline or the usage worker thread). */
  sink: UsageSink;
  /** For pruning old request-log bodies. */
  db: Kysely<GatewayTables>;
  clock: Clock;
  log: Logger;
  flushMs: number;
  /** Days the masked bodies are kept for the request log (usage rows are kept). */
  logRetentionDays?: number;
  /** Rows per transaction and INSERT statement (inline, the event loop runs between them). */
  batchSize?: number;
  /**
   * Upper bound on buffered rows while the database is down: beyond it the oldest are dropped, a
   * chunk (`batchSize` rows) at a time, and counted in `dropped`.
   */
  maxBuffered?: number;
  /**
   * Successful calls whose bodies are kept for the request log, per app and clock second (every
   * error's bodies are kept; every call keeps its usage row). 0 keeps no successful bodies.
   */
  logBodiesPerAppPerSecond?: number;
  /** How long `close` keeps writing while the database refuses, before giving up (default 3 s). */
  closeTimeoutMs?: number;
  /**
   * The wall clock of the recorder's own durations (how long writes have failed, the close
   * deadline); default the system clock. `clock` is the calls' time (retention, bodies per second).
   */
  wall?: Clock;
};

/**
 * Rows per transaction when a worker thread writes: fewer, larger transactions cost the worker less
 * per row (the measurements: docs/performance.md item 27).
 */
const WORKER_BATCH_ROWS = 500;

/** Default of `logBodiesPerAppPerSecond` (documented in docs/performance.md). */
const LOG_BODIES_PER_APP_PER_SECOND = 10;

/**
 * Usage records written in batches off the hot path. A call's record is added to an in-memory
 * chunk *before* its response is sent (as bytes in an off-heap buffer, not an object: usage-codec.ts); a
 * timer hands the chunks every `flushMs` (≤ 250 ms) to the sink (usage-sink.ts: normally a worker
 * thread), one transaction of at most `batchSize` rows each, where the bodies are masked and
 * serialised. Graceful shutdown (`close`) flushes everything, so every
 * response a client received has its row. On SIGKILL or power loss the rows still buffered — one
 * flush interval of calls, the chunks being written, and while the database refuses writes the
 * chunks kept for a retry (at most `maxBuffered` rows) — are lost; this is the documented bound
 * (docs/operations.md). Rows a failed write leaves are kept and written again at the next flush;
 * the writer's inserts are idempotent on the row ids the chunks carry, so a chunk written twice
 * (its answer lost) keeps one row per call. One record cannot hold back the others: the writer
 * stores a record it cannot write in a reduced form (usage-writer.ts), logged here once.
 */
export class UsageRecorder {
  readonly #o: Required<UsageRecorderOptions>;
  readonly #store: UsageStore;
  /** Records since the last flush, in chunks of at most `batchSize`. */
  #chunks: BatchBuilder[] = [];
  /** Encoded chunks a failed write left, oldest first; written first at the next flush. */
  #retry: EncodedBatch[] = [];
  /** Rows in `#chunks` and `#retry` (not those being written). */
  #buffered = 0;
  #timer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  /** The last flush queued; the next one starts after it. Never rejects. */
  #tail: Promise<void> = Promise.resolve();
  #busy = false;
  #closed = false;
  /** When writes started failing (one log line per outage, one when writes succeed again). */
  #failingSince: number | null = null;
  /** Successful bodies kept per app in the current second: appId → [second, count]. */
  #kept = new Map<string, [number, number]>();
  written = 0;
  dropped = 0;
  /** Rows written in reduced form (bodies dropped, reason kept), since start. */
  reduced = 0;
  /** Successful calls whose bodies were not kept (sampling), since start. */
  bodiesSkipped = 0;

  constructor(opts: UsageRecorderOptions) {
    this.#o = {
      logRetentionDays: 30,
      // The worker writes larger transactions (fewer commits, so the B-trees' last pages are
      // written to the WAL fewer times per row); inline chunks stay short, because the event loop
      // waits for each. 500 rows take the worker ~3 ms.
      batchSize: opts.sink.kind === 'worker' ? WORKER_BATCH_ROWS : 50,
      maxBuffered: 200_000,
      logBodiesPerAppPerSecond: LOG_BODIES_PER_APP_PER_SECOND,
      closeTimeoutMs: 3_000,
      wall: systemClock,
      ...opts,
    };
    this.#store = new UsageStore(opts.db);
  }

  start(): void {
    // A tick while a flush is still writing is skipped: the next one picks up what arrived meanwhile.
    this.#timer = setInterval(() => {
      if (!this.#busy) void this.flush();
    }, this.#o.flushMs);
    this.#timer.unref();
    const prune = () =>
      void this.prune().catch((err) => this.#o.log.warn({ err }, 'request-log prune failed'));
    this.#pruneTimer = setInterval(prune, 3_600_000);
    this.#pruneTimer.unref();
  }

  get pending(): number {
    return this.#buffered;
  }

  /**
   * Buffers a call's record. Its bodies go to the request log when the call failed (HTTP status
   * ≥ 400, a gateway error code, a network response code other than '00', live data suspected, a
   * replay) or while the app has had fewer than `logBodiesPerAppPerSecond` successful bodies kept in
   * this clock second; otherwise only the usage row is written (the request log still lists the call,
   * without bodies). Masking and storing every body cost more than the rest of the call.
   */
  record(r: UsageRecord): void {
    if (r.orgId && !keepsBodies(r)) {
      const sec = Math.floor(r.atMs / 1000);
      const key = r.appId ?? r.orgId;
      const k = this.#kept.get(key);
      if (k === undefined || k[0] !== sec) {
        if (this.#kept.size >= 10_000) this.#kept.clear();
        this.#kept.set(key, [sec, 1]);
        if (this.#o.logBodiesPerAppPerSecond < 1) this.#skipBodies(r);
      } else if (k[1] < this.#o.logBodiesPerAppPerSecond) {
        k[1]++;
      } else {
        this.#skipBodies(r);
      }
    }
    let chunk = this.#chunks[this.#chunks.length - 1];
    if (chunk === undefined || chunk.count >= this.#o.batchSize) {
      chunk = new BatchBuilder(this.#o.batchSize);
      this.#chunks.push(chunk);
    }
    chunk.add(r);
    this.#buffered++;
    this.#trim();
  }

  /** Drops the oldest whole chunks (a failed write's leftovers first) while over `maxBuffered`. */
  #trim(): void {
    while (this.#buffered > this.#o.maxBuffered) {
      const n = (this.#retry.shift() ?? this.#chunks.shift())?.count ?? 0;
      if (n === 0) break;
      this.#buffered -= n;
      this.dropped += n;
    }
  }

  #skipBodies(r: UsageRecord): void {
    r.requestHeaders = null;
    r.requestBody = undefined;
    r.responseBody = null;
    r.bodiesSkipped = true;
    this.bodiesSkipped++;
  }

  /**
   * Writes everything buffered so far. Flushes run one at a time, each after the ones before it, so
   * the promise resolves only when every record buffered before the call has been written (or kept
   * for a retry after a failure) — never while an earlier flush still holds some of them.
   */
  flush(): Promise<void> {
    const run = this.#tail.then(() => this.#flushNow());
    this.#tail = run;
    return run;
  }

  async #flushNow(): Promise<void> {
    if (this.#buffered === 0) return;
    // Encoded now: from here on only one string per chunk is held, until it is written.
    const batches = this.#retry.concat(this.#chunks.map((c) => c.encode()));
    this.#retry = [];
    this.#chunks = [];
    this.#buffered = 0;
    this.#busy = true;
    try {
      const { failed, error } = await this.#writeAll(batches);
      if (failed.length > 0) {
        // Kept for the next attempt (bounded by maxBuffered, like new records).
        this.#retry = failed.concat(this.#retry);
        const rows = failed.reduce((n, b) => n + b.count, 0);
        this.#buffered += rows;
        this.#trim();
        if (this.#failingSince === null) {
          this.#failingSince = this.#o.wall.nowMs();
          this.#o.log.error(
            { err: error?.message, rows },
            'usage writes failing; the rows are kept and written again at each flush',
          );
        }
      } else if (this.#failingSince !== null) {
        this.#o.log.info(
          { downMs: this.#o.wall.nowMs() - this.#failingSince, dropped: this.dropped },
          'usage writes succeed again',
        );
        this.#failingSince = null;
      }
    } finally {
      this.#busy = false;
    }
  }

  /**
   * One transaction per chunk. To the worker, every chunk is handed over at once and written there
   * in order; inline, the event loop runs between chunks, so a large flush (masking + synchronous
   * SQLite work) never stalls calls for long. Returns the chunks that were not written.
   */
  async #writeAll(batches: EncodedBatch[]): Promise<{ failed: EncodedBatch[]; error?: Error }> {
    if (this.#o.sink.kind === 'worker') {
      const results = await Promise.allSettled(batches.map((b) => this.#write(b)));
      const failed = batches.filter((_, k) => results[k].status === 'rejected');
      const first = results.find((r) => r.status === 'rejected') as PromiseRejectedResult | undefined;
      return { failed, error: first?.reason as Error | undefined };
    }
    for (let i = 0; i < batches.length; i++) {
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      try {
        await this.#write(batches[i]);
      } catch (err) {
        return { failed: batches.slice(i), error: err as Error };
      }
    }
    return { failed: [] };
  }

  async #write(batch: EncodedBatch): Promise<void> {
    const { reduced } = await this.#o.sink.write(batch);
    this.written += batch.count;
    releaseBatch(batch);
    for (const r of reduced) {
      this.reduced++;
      this.#o.log.warn(r, 'usage row stored without its bodies');
    }
  }

  /** Deletes request-log bodies older than the retention (usage rows stay). */
  async prune(): Promise<number> {
    const cutoff = new Date(this.#o.clock.nowMs() - this.#o.logRetentionDays * 86_400_000).toISOString();
    return this.#store.deleteRequestLogsBefore(cutoff);
  }

  /**
   * Stops the timers and writes every buffered record (graceful shutdown). While the database
   * refuses, it tries again every 100 ms for up to `closeTimeoutMs`; rows still unwritten then are
   * counted in `dropped` and logged.
   */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#pruneTimer);
    await this.#tail; // a flush in progress may hand rows back on failure
    const deadline = this.#o.wall.nowMs() + this.#o.closeTimeoutMs;
    await this.flush();
    while (this.#buffered > 0 && this.#o.wall.nowMs() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      await this.flush();
    }
    if (this.#buffered > 0) {
      this.dropped += this.#buffered;
      this.#o.log.error({ rows: this.#buffered }, 'usage rows not written before shutdown');
    }
    await this.#o.sink.close();
  }
}

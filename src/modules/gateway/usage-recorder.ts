import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { UsageSink } from './usage-sink.ts';
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
  db: Kysely<any>;
  clock: Clock;
  log: Logger;
  flushMs: number;
  /** Days the masked bodies are kept for the request log (usage rows are kept). */
  logRetentionDays?: number;
  /** Rows per transaction and INSERT statement (inline, the event loop runs between them). */
  batchSize?: number;
  /** Upper bound on buffered rows while the database is down (oldest dropped beyond it, logged). */
  maxBuffered?: number;
  /**
   * Successful calls whose bodies are kept for the request log, per app and clock second (every
   * error's bodies are kept; every call keeps its usage row). 0 keeps no successful bodies.
   */
  logBodiesPerAppPerSecond?: number;
};

/** Default of `logBodiesPerAppPerSecond` (documented in docs/performance.md). */
export const LOG_BODIES_PER_APP_PER_SECOND = 10;

/**
 * Usage records written in batches off the hot path. A call's record is pushed to an in-memory
 * buffer *before* its response is sent; a timer hands the buffer every `flushMs` (≤ 250 ms) to the
 * sink (usage-sink.ts: normally a worker thread), in transactions of `batchSize` rows, where the
 * bodies are masked and serialised. Graceful shutdown (`close`) flushes everything, so every
 * response a client received has its row. On SIGKILL or power loss the rows still buffered — at
 * most one flush interval of calls, plus the transaction being written — are lost; this is the
 * documented bound (docs/performance.md). Rows a failed write leaves are kept for the next flush.
 */
export class UsageRecorder {
  readonly #o: Required<UsageRecorderOptions>;
  #buffer: UsageRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  /** The last flush queued; the next one starts after it. Never rejects. */
  #tail: Promise<void> = Promise.resolve();
  #busy = false;
  #closed = false;
  /** Successful bodies kept per app in the current second: appId → [second, count]. */
  #kept = new Map<string, [number, number]>();
  written = 0;
  dropped = 0;
  /** Successful calls whose bodies were not kept (sampling), since start. */
  bodiesSkipped = 0;

  constructor(opts: UsageRecorderOptions) {
    this.#o = {
      logRetentionDays: 30,
      // The worker writes larger transactions (fewer commits); inline chunks stay short.
      batchSize: opts.sink.kind === 'worker' ? 250 : 50,
      maxBuffered: 200_000,
      logBodiesPerAppPerSecond: LOG_BODIES_PER_APP_PER_SECOND,
      ...opts,
    };
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
    return this.#buffer.length;
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
    this.#buffer.push(r);
    if (this.#buffer.length > this.#o.maxBuffered) {
      this.#buffer.shift();
      this.dropped++;
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
    if (this.#buffer.length === 0) return;
    const batch = this.#buffer;
    this.#buffer = [];
    this.#busy = true;
    try {
      await this.#writeInChunks(batch);
    } catch (e) {
      // Keep the unwritten rows for the next attempt (bounded by maxBuffered).
      const err = e as Error & { unwritten?: UsageRecord[] };
      const rest = err.unwritten ?? batch;
      this.#buffer = rest.concat(this.#buffer).slice(-this.#o.maxBuffered);
      this.#o.log.error({ err: err.message, rows: rest.length }, 'usage flush failed; will retry');
    } finally {
      this.#busy = false;
    }
  }

  /**
   * One transaction per chunk of `batchSize` rows. Inline, the event loop runs between chunks, so a
   * large flush (masking + synchronous SQLite work) never stalls calls for long; to the worker,
   * every chunk is handed over at once and written there in order. Chunks that failed are kept.
   */
  async #writeInChunks(batch: UsageRecord[]): Promise<void> {
    const size = this.#o.batchSize;
    if (this.#o.sink.kind === 'worker') {
      const chunks: UsageRecord[][] = [];
      for (let i = 0; i < batch.length; i += size) chunks.push(batch.slice(i, i + size));
      const results = await Promise.allSettled(chunks.map((c) => this.#write(c)));
      const failed = results.flatMap((r, k) => (r.status === 'rejected' ? [k] : []));
      if (failed.length > 0) {
        const first = results[failed[0]] as PromiseRejectedResult;
        throw Object.assign(first.reason as Error, { unwritten: failed.flatMap((k) => chunks[k]) });
      }
      return;
    }
    for (let i = 0; i < batch.length; i += size) {
      if (i > 0) await new Promise<void>((r) => setImmediate(r));
      try {
        await this.#write(batch.slice(i, i + size));
      } catch (err) {
        throw Object.assign(err as Error, { unwritten: batch.slice(i) });
      }
    }
  }

  async #write(batch: UsageRecord[]): Promise<void> {
    await this.#o.sink.write(batch);
    this.written += batch.length;
  }

  /** Deletes request-log bodies older than the retention (usage rows stay). */
  async prune(): Promise<number> {
    const cutoff = new Date(this.#o.clock.nowMs() - this.#o.logRetentionDays * 86_400_000).toISOString();
    const r = await this.#o.db.deleteFrom('gateway_request_logs').where('at', '<', cutoff).executeTakeFirst();
    return Number(r.numDeletedRows ?? 0);
  }

  /** Stops the timers and writes every buffered record (graceful shutdown). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#pruneTimer);
    await this.#tail; // a flush in progress may hand rows back on failure
    for (let attempt = 0; attempt < 5 && this.#buffer.length > 0; attempt++) await this.flush();
    await this.#o.sink.close();
  }
}

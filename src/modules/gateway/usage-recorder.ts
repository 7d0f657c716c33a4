import { CompiledQuery, type Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import { maskedJson } from './masking.ts';

/**
 * Usage records written in batches off the hot path. A call's record is pushed to an in-memory
 * buffer *before* its response is sent; a timer flushes the buffer every `flushMs` (≤ 250 ms) in one
 * transaction. Graceful shutdown (`close`) flushes everything, so every response a client received
 * has its row. On SIGKILL or power loss the rows still in the buffer — at most one flush interval
 * of calls — are lost; this is the documented bound (docs/performance.md). Bodies are masked and
 * serialised at flush time, not on the request path.
 */
export type UsageRecord = {
  atMs: number;
  orgId: string | null;
  appId: string | null;
  productSlug: string | null;
  operationId: string | null;
  catalog: string;
  method: string;
  path: string;
  status: number;
  errorCode: string | null;
  networkCode: string | null;
  latencyUs: number;
  clientIp: string;
  endUserHash: string | null;
  requestId: string;
  bytesIn: number;
  bytesOut: number;
  replayed: boolean;
  liveDataSuspected: boolean;
  requestHeaders: Record<string, string | string[] | undefined> | null;
  requestBody: unknown;
  /** The response body (the object when there is one, else the payload text). */
  responseBody: unknown;
  /** Set by the recorder when the bodies were not kept (sampling): no request-log row. */
  bodiesSkipped?: boolean;
};

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

const USAGE_COLUMNS = [
  'id',
  'at',
  'org_id',
  'app_id',
  'product_slug',
  'operation_id',
  'catalog',
  'method',
  'path',
  'status',
  'error_code',
  'network_code',
  'latency_us',
  'client_ip',
  'end_user_hash',
  'request_id',
  'bytes_in',
  'bytes_out',
  'replayed',
  'live_data_suspected',
] as const;
const LOG_COLUMNS = [
  'id',
  'at',
  'org_id',
  'app_id',
  'request_headers',
  'request_body',
  'response_body',
] as const;

const KEPT_HEADERS = [
  'content-type',
  'accept',
  'user-agent',
  'x-ibm-client-id',
  'x-client-id',
  'idempotency-key',
  'x-end-user-id',
];

export type UsageRecorderOptions = {
  db: Kysely<any>;
  /** Placeholder style of the engine: SQLite `?`, PostgreSQL `$n`. */
  dialect?: 'sqlite' | 'postgres';
  clock: Clock;
  log: Logger;
  flushMs: number;
  /** Days the masked bodies are kept for the request log (usage rows are kept). */
  logRetentionDays?: number;
  /** Rows per transaction and INSERT statement (the event loop runs between them). */
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

export class UsageRecorder {
  readonly #o: Required<UsageRecorderOptions>;
  #buffer: UsageRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
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
      batchSize: 50,
      maxBuffered: 200_000,
      dialect: 'sqlite',
      logBodiesPerAppPerSecond: LOG_BODIES_PER_APP_PER_SECOND,
      ...opts,
    };
  }

  start(): void {
    this.#timer = setInterval(() => void this.flush(), this.#o.flushMs);
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

  /** Writes everything buffered so far (one flush at a time). */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing.then(() => (this.#buffer.length ? this.flush() : undefined));
    if (this.#buffer.length === 0) return Promise.resolve();
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#writeInChunks(batch)
      .catch((err: Error & { unwritten?: UsageRecord[] }) => {
        // Keep the unwritten rows for the next attempt (bounded by maxBuffered).
        const rest = err.unwritten ?? batch;
        this.#buffer = rest.concat(this.#buffer).slice(-this.#o.maxBuffered);
        this.#o.log.error({ err: err.message, rows: rest.length }, 'usage flush failed; will retry');
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    return this.#flushing;
  }

  /**
   * One transaction per chunk of `batchSize` rows, yielding to the event loop between chunks, so a
   * large flush (masking + synchronous SQLite work) never stalls requests for long.
   */
  async #writeInChunks(batch: UsageRecord[]): Promise<void> {
    const size = this.#o.batchSize;
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
    const usage: unknown[][] = [];
    const logs: unknown[][] = [];
    for (const r of batch) {
      const id = newId('use', r.atMs);
      const at = new Date(r.atMs).toISOString();
      usage.push([
        id,
        at,
        r.orgId,
        r.appId,
        r.productSlug,
        r.operationId,
        r.catalog,
        r.method,
        r.path.slice(0, 500),
        r.status,
        r.errorCode,
        r.networkCode,
        Math.round(r.latencyUs),
        r.clientIp,
        r.endUserHash,
        r.requestId,
        r.bytesIn,
        r.bytesOut,
        r.replayed ? 1 : 0,
        r.liveDataSuspected ? 1 : 0,
      ]);
      if (r.orgId && !r.bodiesSkipped) {
        logs.push([
          id,
          at,
          r.orgId,
          r.appId,
          r.requestHeaders ? maskedJson(pickHeaders(r.requestHeaders)) : null,
          maskedJson(r.requestBody),
          maskedJson(r.responseBody),
        ]);
      }
    }
    await this.#o.db.transaction().execute(async (trx) => {
      await trx.executeQuery(this.#insert('gateway_usage', USAGE_COLUMNS, usage));
      if (logs.length > 0) await trx.executeQuery(this.#insert('gateway_request_logs', LOG_COLUMNS, logs));
    });
    this.written += usage.length;
  }

  // One multi-row INSERT per batch, its text cached per table and row count: building the query
  // through the query builder cost more than the database's own work.
  readonly #sqlCache = new Map<string, string>();
  #insert(table: string, columns: readonly string[], rows: unknown[][]): CompiledQuery {
    const key = `${table}|${rows.length}`;
    let text = this.#sqlCache.get(key);
    if (!text) {
      const pg = this.#o.dialect === 'postgres';
      let n = 0;
      const tuples: string[] = [];
      for (let r = 0; r < rows.length; r++) {
        tuples.push(`(${columns.map(() => (pg ? `$${++n}` : '?')).join(', ')})`);
      }
      text = `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`;
      if (this.#sqlCache.size > 64) this.#sqlCache.clear();
      this.#sqlCache.set(key, text);
    }
    return CompiledQuery.raw(text, rows.flat());
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
    for (let attempt = 0; attempt < 5 && (this.#buffer.length > 0 || this.#flushing); attempt++) {
      await this.flush();
    }
  }
}

function pickHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_HEADERS) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

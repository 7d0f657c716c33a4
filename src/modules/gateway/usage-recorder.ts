import type { Kysely } from 'kysely';
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
  /** The response payload as sent (JSON text). */
  responseBody: string | null;
};

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
  clock: Clock;
  log: Logger;
  flushMs: number;
  /** Days the masked bodies are kept for the request log (usage rows are kept). */
  logRetentionDays?: number;
  /** Rows per INSERT statement. */
  batchSize?: number;
  /** Upper bound on buffered rows while the database is down (oldest dropped beyond it, logged). */
  maxBuffered?: number;
};

export class UsageRecorder {
  readonly #o: Required<UsageRecorderOptions>;
  #buffer: UsageRecord[] = [];
  #timer: NodeJS.Timeout | undefined;
  #pruneTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #closed = false;
  written = 0;
  dropped = 0;

  constructor(opts: UsageRecorderOptions) {
    this.#o = { logRetentionDays: 30, batchSize: 200, maxBuffered: 200_000, ...opts };
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

  record(r: UsageRecord): void {
    this.#buffer.push(r);
    if (this.#buffer.length > this.#o.maxBuffered) {
      this.#buffer.shift();
      this.dropped++;
    }
  }

  /** Writes everything buffered so far (one flush at a time). */
  flush(): Promise<void> {
    if (this.#flushing) return this.#flushing.then(() => (this.#buffer.length ? this.flush() : undefined));
    if (this.#buffer.length === 0) return Promise.resolve();
    const batch = this.#buffer;
    this.#buffer = [];
    this.#flushing = this.#write(batch)
      .catch((err) => {
        // Keep the rows for the next attempt (bounded by maxBuffered).
        this.#buffer = batch.concat(this.#buffer).slice(-this.#o.maxBuffered);
        this.#o.log.error(
          { err: (err as Error).message, rows: batch.length },
          'usage flush failed; will retry',
        );
      })
      .finally(() => {
        this.#flushing = undefined;
      });
    return this.#flushing;
  }

  async #write(batch: UsageRecord[]): Promise<void> {
    const usage: Record<string, unknown>[] = [];
    const logs: Record<string, unknown>[] = [];
    for (const r of batch) {
      const id = newId('use', r.atMs);
      const at = new Date(r.atMs).toISOString();
      usage.push({
        id,
        at,
        org_id: r.orgId,
        app_id: r.appId,
        product_slug: r.productSlug,
        operation_id: r.operationId,
        catalog: r.catalog,
        method: r.method,
        path: r.path.slice(0, 500),
        status: r.status,
        error_code: r.errorCode,
        network_code: r.networkCode,
        latency_us: Math.round(r.latencyUs),
        client_ip: r.clientIp,
        end_user_hash: r.endUserHash,
        request_id: r.requestId,
        bytes_in: r.bytesIn,
        bytes_out: r.bytesOut,
        replayed: r.replayed ? 1 : 0,
        live_data_suspected: r.liveDataSuspected ? 1 : 0,
      });
      if (r.orgId) {
        logs.push({
          id,
          at,
          org_id: r.orgId,
          app_id: r.appId,
          request_headers: r.requestHeaders ? maskedJson(pickHeaders(r.requestHeaders)) : null,
          request_body: maskedJson(r.requestBody),
          response_body: maskedJson(r.responseBody),
        });
      }
    }
    const size = this.#o.batchSize;
    await this.#o.db.transaction().execute(async (trx) => {
      for (let i = 0; i < usage.length; i += size) {
        await trx
          .insertInto('gateway_usage')
          .values(usage.slice(i, i + size))
          .execute();
      }
      for (let i = 0; i < logs.length; i += size) {
        await trx
          .insertInto('gateway_request_logs')
          .values(logs.slice(i, i + size))
          .execute();
      }
    });
    this.written += usage.length;
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

import { CompiledQuery, type Kysely } from 'kysely';
import { newId } from '../../platform/ids.ts';
import { maskedJson } from './masking.ts';

/**
 * Turns a batch of usage records into rows and writes them in one transaction: one multi-row
 * INSERT into `gateway_usage` and, for the calls whose bodies are kept, one into
 * `gateway_request_logs` with the headers and bodies masked. Used in-thread or inside the usage
 * worker thread (usage-worker.ts); either way the caller learns of success only after the commit.
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

/** Request headers worth keeping in the request log (never credentials). */
const KEPT_HEADERS = [
  'content-type',
  'accept',
  'user-agent',
  'x-ibm-client-id',
  'x-client-id',
  'idempotency-key',
  'x-end-user-id',
];

export class UsageWriter {
  readonly #db: Kysely<any>;
  readonly #pg: boolean;
  // One multi-row INSERT per batch, its text cached per table and row count: building the query
  // through the query builder cost more than the database's own work.
  readonly #sqlCache = new Map<string, string>();

  constructor(db: Kysely<any>, dialect: 'sqlite' | 'postgres') {
    this.#db = db;
    this.#pg = dialect === 'postgres';
  }

  /** Writes the batch in one transaction; all rows or none. */
  async write(batch: UsageRecord[]): Promise<void> {
    const usage: unknown[] = [];
    const logs: unknown[] = [];
    let lastMs = Number.NaN;
    let at = '';
    for (const r of batch) {
      const id = newId('use', r.atMs);
      // Calls of one batch mostly share their millisecond: format each millisecond once.
      if (r.atMs !== lastMs) {
        lastMs = r.atMs;
        at = new Date(r.atMs).toISOString();
      }
      usage.push(
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
      );
      if (r.orgId && !r.bodiesSkipped) {
        logs.push(
          id,
          at,
          r.orgId,
          r.appId,
          r.requestHeaders ? maskedJson(pickHeaders(r.requestHeaders)) : null,
          maskedJson(r.requestBody),
          maskedJson(r.responseBody),
        );
      }
    }
    await this.#db.transaction().execute(async (trx) => {
      await trx.executeQuery(this.#insert('gateway_usage', USAGE_COLUMNS, usage));
      if (logs.length > 0) await trx.executeQuery(this.#insert('gateway_request_logs', LOG_COLUMNS, logs));
    });
  }

  #insert(table: string, columns: readonly string[], values: unknown[]): CompiledQuery {
    const rows = values.length / columns.length;
    const key = `${table}|${rows}`;
    let text = this.#sqlCache.get(key);
    if (!text) {
      let n = 0;
      const tuples: string[] = [];
      for (let r = 0; r < rows; r++) {
        tuples.push(`(${columns.map(() => (this.#pg ? `$${++n}` : '?')).join(', ')})`);
      }
      text = `insert into ${table} (${columns.join(', ')}) values ${tuples.join(', ')}`;
      if (this.#sqlCache.size > 64) this.#sqlCache.clear();
      this.#sqlCache.set(key, text);
    }
    return CompiledQuery.raw(text, values);
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

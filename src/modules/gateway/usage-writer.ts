import { CompiledQuery, type Kysely } from 'kysely';
import { newId } from '../../platform/ids.ts';
import { maskedJson } from './masking.ts';

/**
 * Turns a batch of usage records into rows and writes them in one transaction: multi-row INSERTs
 * into `gateway_usage` and, for the calls whose bodies are kept, into `gateway_request_logs` with
 * the headers and bodies masked. Used in-thread or inside the usage worker thread
 * (usage-worker.ts); either way the caller learns of success only after the commit.
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

/** The largest INSERT, in rows (a power of two): 64 × 20 columns stays under PostgreSQL's 65 535 parameters. */
const MAX_ROWS_PER_INSERT = 64;

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
  // Multi-row INSERTs, their text cached per table and row count (`#inserts` keeps the counts to
  // seven): building the query through the query builder cost more than the database's own work.
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
      for (const q of this.#inserts('gateway_usage', USAGE_COLUMNS, usage)) await trx.executeQuery(q);
      for (const q of this.#inserts('gateway_request_logs', LOG_COLUMNS, logs)) await trx.executeQuery(q);
    });
  }

  /**
   * The rows as INSERTs of 64, 32, …, 1 rows (the binary digits of the count, largest first), so
   * that only seven statement texts per table exist. With one statement per batch size, each new
   * size (batches hold 1 to 500 rows) was parsed and prepared again (up to 10 000 parameters),
   * ~4 % of the usage worker's time under load.
   */
  #inserts(table: string, columns: readonly string[], values: unknown[]): CompiledQuery[] {
    const out: CompiledQuery[] = [];
    let rows = values.length / columns.length;
    let at = 0;
    for (let size = MAX_ROWS_PER_INSERT; rows > 0; size >>= 1) {
      while (rows >= size) {
        const end = at + size * columns.length;
        out.push(this.#insert(table, columns, values.slice(at, end)));
        at = end;
        rows -= size;
      }
    }
    return out;
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

import type { Kysely } from 'kysely';
import { newId } from '../../platform/ids.ts';
import { maskedJson } from './masking.ts';
import { classifyOutcome, installedOutcomeRules, type OutcomeRules } from './outcome.ts';
import type { GatewayTables } from './tables.ts';
import { LOG_COLUMNS, USAGE_COLUMNS, UsageStore } from './usage-store.ts';

/**
 * Turns a batch of usage records into rows and writes them (through usage-store.ts): multi-row
 * INSERTs into `gateway_usage` (with each call's outcome — approved, declined, failed — decided
 * here by the provider's rules, outcome.ts, so the serving thread never spends time on it) and, for the calls whose bodies are kept, into
 * `gateway_request_logs` with the headers and bodies masked. Used in-thread or inside the usage
 * worker thread (usage-worker.ts); either way the caller learns of success only after the commit.
 *
 * One record can never block the others:
 * - a record whose bodies cannot be serialised is written in a reduced form: its usage row, and a
 *   request-log row without bodies that keeps the reason;
 * - a batch the database refuses for a reason other than being unreachable is split in halves,
 *   each written on its own, down to the row it refuses, which is then written reduced (bodies
 *   dropped, text fields cleaned, numbers clamped to what the columns hold; the reason kept);
 * - a failure that says the database itself is failing (unreachable, busy, out of space), or a
 *   reduced row refused too, is thrown: the caller keeps the batch and writes it again later;
 * - every INSERT is idempotent on the row's own id (`on conflict do nothing`; ids are fixed when
 *   the record is buffered, usage-codec.ts), so a batch written again after a lost answer, or
 *   whose halves were partly written before a failure, never duplicates a row.
 */
export type UsageRecord = {
  /** The row id (set by the codec from its chunk's id series); absent → a new id here. */
  id?: string;
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
  /** Why the bodies were dropped on the way (they could not be handed over): stored reduced. */
  droppedReason?: string;
};

/** A row written in reduced form, for the caller to log (one line per row). */
export type ReducedRow = { requestId: string; orgId: string | null; reason: string };

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

/**
 * One record of a batch being written: where its column values are in the batch's flat value
 * lists (`u`, `l`; -1: no request-log row), or its own values once it is reduced.
 */
type Row = {
  rec: UsageRecord;
  id: string;
  at: string;
  u: number;
  l: number;
  /** The reduced form's values (set when the record is reduced), and why. */
  own: { usage: unknown[]; log: unknown[] | null } | null;
  reason: string | null;
};

/** A batch's values as the INSERTs take them: every row's, in order, flat (built once). */
type Values = { usage: unknown[]; logs: unknown[] };

export class UsageWriter {
  readonly #store: UsageStore;
  readonly #rules: OutcomeRules;
  #lastMs = Number.NaN;
  #lastAt = '';

  /** `rules`: how network codes read (default: the rules installed in this process, outcome.ts). */
  constructor(db: Kysely<GatewayTables>, dialect: 'sqlite' | 'postgres', rules?: OutcomeRules) {
    this.#store = new UsageStore(db, dialect);
    this.#rules = rules ?? installedOutcomeRules();
  }

  /**
   * Writes the batch: in one transaction when the database takes it whole, else in parts (see
   * above). Resolves once every row is committed, with the rows written in reduced form; rejects
   * when the database is failing (some parts may be committed: writing the batch again is safe).
   */
  async write(batch: UsageRecord[]): Promise<{ reduced: ReducedRow[] }> {
    // The values go straight into the flat lists the INSERTs take (no list per row: the common
    // case, a batch written whole, copies nothing); a part of the batch is gathered only on failure.
    const all: Values = { usage: [], logs: [] };
    const rows: Row[] = new Array(batch.length);
    for (let i = 0; i < batch.length; i++) rows[i] = this.#row(batch[i], all);
    await this.#writeRows(rows, all, all);
    const reduced: ReducedRow[] = [];
    for (const r of rows) {
      if (r.reason !== null)
        reduced.push({ requestId: r.rec.requestId, orgId: r.rec.orgId, reason: r.reason });
    }
    return { reduced };
  }

  /**
   * Rows in one transaction (`values`: theirs, when already gathered); a refusal that is not the
   * database failing splits them in halves.
   */
  async #writeRows(rows: Row[], all: Values, values?: Values): Promise<void> {
    if (rows.length === 0) return;
    try {
      await this.#transaction(values ?? gather(rows, all));
      return;
    } catch (err) {
      if (isTransient(err)) throw err;
      if (rows.length > 1) {
        const half = rows.length >> 1;
        await this.#writeRows(rows.slice(0, half), all);
        await this.#writeRows(rows.slice(half), all);
        return;
      }
      // The one row the database refuses. If its reduced form is refused too, the database is
      // what fails: thrown, and the batch is written again later.
      reduce(rows[0], `the database refused the row: ${errorText(err)}`, this.#rules);
      await this.#transaction(gather(rows, all));
    }
  }

  /** Both tables' rows in one transaction (usage-store.ts). */
  #transaction(v: Values): Promise<void> {
    return this.#store.insertBatch(v.usage, v.logs);
  }

  /**
   * Appends a record's column values to `all` and returns where they are; a record whose values
   * cannot be made is reduced (its own values, also appended), never thrown.
   */
  #row(r: UsageRecord, all: Values): Row {
    const id = r.id ?? newId('use', Number.isFinite(r.atMs) ? r.atMs : Date.now());
    // Calls of one batch mostly share their millisecond: format each millisecond once.
    if (r.atMs !== this.#lastMs) {
      this.#lastMs = r.atMs;
      this.#lastAt = isoTime(r.atMs);
    }
    const row: Row = { rec: r, id, at: this.#lastAt, u: all.usage.length, l: -1, own: null, reason: null };
    const u = all.usage;
    const l = all.logs;
    try {
      if (r.droppedReason !== undefined) throw new Dropped(r.droppedReason);
      // Bodies first: they are what may fail to serialise.
      const log =
        r.orgId && !r.bodiesSkipped
          ? [
              r.requestHeaders ? maskedJson(pickHeaders(r.requestHeaders)) : null,
              maskedJson(bodyText(r.requestBody)),
              maskedJson(bodyText(r.responseBody)),
            ]
          : null;
      u.push(
        id,
        row.at,
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
        classifyOutcome(this.#rules, r.operationId, r.status, r.networkCode),
      );
      if (log) {
        row.l = l.length;
        l.push(id, row.at, r.orgId, r.appId, log[0], log[1], log[2], null);
      }
    } catch (err) {
      u.length = row.u; // anything pushed before the failure
      reduce(
        row,
        err instanceof Dropped ? err.message : `the bodies could not be stored: ${errorText(err)}`,
        this.#rules,
      );
      row.u = u.length;
      for (const v of row.own!.usage) u.push(v);
      if (row.own!.log) {
        row.l = l.length;
        for (const v of row.own!.log) l.push(v);
      }
    }
    return row;
  }
}

/**
 * Turns `row` into its reduced form: no bodies (a request-log row keeps the reason, for a call
 * of an organisation), and usage values every engine accepts — text without NUL characters or
 * unpaired surrogates, cut to 500 characters ('' where the column needs a value), whole numbers
 * within a 32-bit integer column's range (0 for anything else).
 */
function reduce(row: Row, reason: string, rules: OutcomeRules): void {
  const r = row.rec;
  row.reason = reason.slice(0, 500);
  const orgId = cleanText(r.orgId);
  row.own = {
    usage: [
      row.id,
      row.at,
      orgId,
      cleanText(r.appId),
      cleanText(r.productSlug),
      cleanText(r.operationId),
      cleanText(r.catalog) ?? '',
      cleanText(r.method) ?? '',
      cleanText(r.path) ?? '',
      int32(r.status),
      cleanText(r.errorCode),
      cleanText(r.networkCode),
      int32(r.latencyUs),
      cleanText(r.clientIp),
      cleanText(r.endUserHash),
      cleanText(r.requestId) ?? '',
      int32(r.bytesIn),
      int32(r.bytesOut),
      r.replayed === true ? 1 : 0,
      r.liveDataSuspected === true ? 1 : 0,
      // A status that is not a number reads as failed (NaN < 400 is false).
      classifyOutcome(rules, cleanText(r.operationId), Number(r.status), cleanText(r.networkCode)),
    ],
    log: orgId ? [row.id, row.at, orgId, cleanText(r.appId), null, null, null, cleanText(row.reason)] : null,
  };
}

/** The values of `rows` (a part of the batch whose flat values are `all`), in order. */
function gather(rows: Row[], all: Values): Values {
  const out: Values = { usage: [], logs: [] };
  for (const row of rows) {
    if (row.own) {
      for (const v of row.own.usage) out.usage.push(v);
      if (row.own.log) for (const v of row.own.log) out.logs.push(v);
      continue;
    }
    for (let k = 0; k < USAGE_COLUMNS.length; k++) out.usage.push(all.usage[row.u + k]);
    if (row.l >= 0) for (let k = 0; k < LOG_COLUMNS.length; k++) out.logs.push(all.logs[row.l + k]);
  }
  return out;
}

/** A record that arrives with its bodies dropped on the way (`droppedReason`): written reduced. */
class Dropped extends Error {}

function cleanText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  return String(v).replaceAll('\0', '').toWellFormed().slice(0, 500);
}

function int32(v: unknown): number {
  const n = Math.round(Number(v));
  return Number.isFinite(n) ? Math.min(Math.max(n, -2_147_483_648), 2_147_483_647) : 0;
}

/** ISO time of `ms`; a value that is not a time is written as the epoch rather than failing the row. */
function isoTime(ms: number): string {
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
}

/** A body as JSON text: a string as it is, anything else serialised (this throws for a value too deep to serialise). */
function bodyText(body: unknown): string | null {
  if (body === undefined || body === null) return null;
  if (typeof body === 'string') return body;
  return JSON.stringify(body) ?? null;
}

function errorText(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).slice(0, 300);
}

/** System error codes of a connection that failed, not of a row. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** SQLite primary result codes of a database that is failing: BUSY, LOCKED, NOMEM, IOERR, FULL, CANTOPEN. */
const SQLITE_TRANSIENT = new Set([5, 6, 7, 10, 13, 14]);

/**
 * Whether `err` says the database is failing rather than refusing these rows: then splitting the
 * batch would only repeat the failure. PostgreSQL: SQLSTATE classes 08 (connection), 40
 * (serialization, deadlock), 53 (insufficient resources), 57 (operator intervention, statement
 * time-out), 58 (system error); SQLite: the codes above; either: a network error, a pool or
 * connection that is closed or timed out. Anything else is taken as possibly this batch's fault.
 */
export function isTransient(err: unknown): boolean {
  const e = err as { code?: unknown; errcode?: unknown; message?: unknown } | null;
  if (!e || typeof e !== 'object') return false;
  const code = typeof e.code === 'string' ? e.code : '';
  if (NETWORK_CODES.has(code)) return true;
  if (/^(08|40|53|57|58)[0-9A-Z]{3}$/.test(code)) return true;
  if (typeof e.errcode === 'number' && SQLITE_TRANSIENT.has(e.errcode & 0xff)) return true;
  const message = typeof e.message === 'string' ? e.message : '';
  return /connection|terminated|timeout|timed out|destroyed|not open|closed|ECONN/i.test(message);
}

function pickHeaders(h: Record<string, string | string[] | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of KEPT_HEADERS) {
    const v = h[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  }
  return out;
}

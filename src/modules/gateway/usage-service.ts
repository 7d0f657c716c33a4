import { type Kysely, sql } from 'kysely';
import type { z } from 'zod';
import { exceedsJsonDepth } from '../../platform/http/json-depth.ts';
import type { requestLogItemView, timeseriesPointView } from './contracts.ts';

/**
 * Read side of the usage records: per-app usage for the apps module, a searchable request log
 * and a time series for the portal. Every query is scoped by the caller's organisation.
 */
export type AppUsage = {
  appId: string;
  fromMs: number;
  toMs: number;
  calls: number;
  errors: number;
  distinctEndUsers: number;
  operations: Array<{
    operationId: string;
    calls: number;
    errors: number;
    avgLatencyMs: number;
    maxLatencyMs: number;
  }>;
};

export type RequestLogQuery = {
  appId?: string;
  operationId?: string;
  /** 'success' (< 400), 'error' (≥ 400) or one status code. */
  status?: 'success' | 'error' | number;
  requestId?: string;
  /** Free text searched in the request id, path, network code and the masked bodies. */
  q?: string;
  fromMs?: number;
  toMs?: number;
  limit?: number;
  /** Cursor: the `id` of the last item of the previous page. */
  before?: string;
};

/** One request-log row as the portal shows it (contracts.ts: one definition). */
export type RequestLogItem = z.infer<typeof requestLogItemView>;

export type TimeseriesPoint = z.infer<typeof timeseriesPointView>;

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/**
 * A stored body as a value when it is JSON within the nesting bound, else as its text. Bodies are
 * stored as text; one nested deeper than MAX_JSON_DEPTH (a refused gateway call keeps the text it
 * sent, rows written before the bound existed) is never parsed: the response serialiser, and the
 * browser after it, walk a parsed value recursively, and thousands of levels overflow their stacks.
 */
function parseJson(text: string | null): unknown {
  if (text === null) return null;
  if (exceedsJsonDepth(text)) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export class UsageService {
  readonly #db: Kysely<any>;
  /** Writes buffered records first, so a read right after a call sees it. */
  readonly #beforeRead: () => Promise<void>;
  constructor(db: Kysely<any>, beforeRead: () => Promise<void> = async () => {}) {
    this.#db = db;
    this.#beforeRead = beforeRead;
  }

  async getAppUsage(appId: string, fromMs: number, toMs: number): Promise<AppUsage> {
    await this.#beforeRead();
    const rows = await this.#db
      .selectFrom('gateway_usage')
      .where('app_id', '=', appId)
      .where('at', '>=', iso(fromMs))
      .where('at', '<', iso(toMs))
      .select([
        'operation_id',
        sql<number>`count(*)`.as('calls'),
        sql<number>`sum(case when status >= 400 then 1 else 0 end)`.as('errors'),
        sql<number>`avg(latency_us)`.as('avg_us'),
        sql<number>`max(latency_us)`.as('max_us'),
      ])
      .groupBy('operation_id')
      .orderBy('operation_id')
      .execute();
    const eu = await this.#db
      .selectFrom('gateway_usage')
      .where('app_id', '=', appId)
      .where('at', '>=', iso(fromMs))
      .where('at', '<', iso(toMs))
      .where('end_user_hash', 'is not', null)
      .select(sql<number>`count(distinct end_user_hash)`.as('n'))
      .executeTakeFirst();
    const operations = rows.map((r) => ({
      operationId: String(r.operation_id ?? 'unknown'),
      calls: Number(r.calls),
      errors: Number(r.errors ?? 0),
      avgLatencyMs: Math.round(Number(r.avg_us ?? 0)) / 1000,
      maxLatencyMs: Math.round(Number(r.max_us ?? 0)) / 1000,
    }));
    return {
      appId,
      fromMs,
      toMs,
      calls: operations.reduce((s, o) => s + o.calls, 0),
      errors: operations.reduce((s, o) => s + o.errors, 0),
      distinctEndUsers: Number(eu?.n ?? 0),
      operations,
    };
  }

  async listRequestLogs(
    orgId: string,
    q: RequestLogQuery,
  ): Promise<{ items: RequestLogItem[]; next: string | null }> {
    await this.#beforeRead();
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
    let query = this.#db
      .selectFrom('gateway_usage as u')
      .leftJoin('gateway_request_logs as l', 'l.id', 'u.id')
      .where('u.org_id', '=', orgId)
      .select([
        'u.id',
        'u.at',
        'u.app_id',
        'u.operation_id',
        'u.method',
        'u.path',
        'u.status',
        'u.error_code',
        'u.network_code',
        'u.latency_us',
        'u.request_id',
        'u.client_ip',
        'l.request_headers',
        'l.request_body',
        'l.response_body',
        'l.dropped_reason',
      ]);
    if (q.appId) query = query.where('u.app_id', '=', q.appId);
    if (q.operationId) query = query.where('u.operation_id', '=', q.operationId);
    if (q.requestId) query = query.where('u.request_id', '=', q.requestId);
    if (q.status === 'success') query = query.where('u.status', '<', 400);
    else if (q.status === 'error') query = query.where('u.status', '>=', 400);
    else if (typeof q.status === 'number') query = query.where('u.status', '=', q.status);
    if (q.fromMs !== undefined) query = query.where('u.at', '>=', iso(q.fromMs));
    if (q.toMs !== undefined) query = query.where('u.at', '<', iso(q.toMs));
    if (q.before) query = query.where('u.id', '<', q.before);
    if (q.q) {
      const like = `%${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
      query = query.where((eb) =>
        eb.or([
          eb(sql`lower(u.request_id)`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(u.path)`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(coalesce(u.network_code, ''))`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(coalesce(l.request_body, ''))`, 'like', sql`${like} escape '\\'`),
          eb(sql`lower(coalesce(l.response_body, ''))`, 'like', sql`${like} escape '\\'`),
        ]),
      );
    }
    const rows = await query
      .orderBy('u.id', 'desc')
      .limit(limit + 1)
      .execute();
    const items = rows.slice(0, limit).map((r) => ({
      id: r.id,
      at: r.at,
      appId: r.app_id,
      operationId: r.operation_id,
      method: r.method,
      path: r.path,
      status: Number(r.status),
      errorCode: r.error_code,
      networkCode: r.network_code,
      latencyMs: Number(r.latency_us) / 1000,
      requestId: r.request_id,
      clientIp: r.client_ip,
      requestHeaders: parseJson(r.request_headers),
      requestBody: parseJson(r.request_body),
      responseBody: parseJson(r.response_body),
      droppedReason: r.dropped_reason ?? null,
    }));
    return { items, next: rows.length > limit ? items[items.length - 1].id : null };
  }

  async getUsageTimeseries(
    orgId: string,
    q: { appId?: string; fromMs: number; toMs: number; bucket: 'hour' | 'day' },
  ): Promise<TimeseriesPoint[]> {
    await this.#beforeRead();
    const width = q.bucket === 'hour' ? 13 : 10;
    const bucket = sql<string>`substr(at, 1, ${sql.lit(width)})`;
    let query = this.#db
      .selectFrom('gateway_usage')
      .where('org_id', '=', orgId)
      .where('at', '>=', iso(q.fromMs))
      .where('at', '<', iso(q.toMs));
    if (q.appId) query = query.where('app_id', '=', q.appId);
    const rows = await query
      .select([
        bucket.as('b'),
        sql<number>`count(*)`.as('calls'),
        sql<number>`sum(case when status >= 400 then 1 else 0 end)`.as('errors'),
        sql<number>`avg(latency_us)`.as('avg_us'),
      ])
      .groupBy(bucket)
      .orderBy(bucket)
      .execute();
    return rows.map((r) => ({
      t: q.bucket === 'hour' ? `${r.b}:00:00.000Z` : `${r.b}T00:00:00.000Z`,
      calls: Number(r.calls),
      errors: Number(r.errors ?? 0),
      avgLatencyMs: Math.round(Number(r.avg_us ?? 0)) / 1000,
    }));
  }
}

import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { exceedsJsonDepth } from '../../platform/http/json-depth.ts';
import type { requestLogItemView, timeseriesPointView } from './contracts.ts';
import type { GatewayTables } from './tables.ts';
import { UsageStore } from './usage-store.ts';

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
  readonly #store: UsageStore;
  /** Writes buffered records first, so a read right after a call sees it. */
  readonly #beforeRead: () => Promise<void>;
  constructor(db: Kysely<GatewayTables>, beforeRead: () => Promise<void> = async () => {}) {
    this.#store = new UsageStore(db);
    this.#beforeRead = beforeRead;
  }

  async getAppUsage(appId: string, fromMs: number, toMs: number): Promise<AppUsage> {
    await this.#beforeRead();
    const rows = await this.#store.appUsageByOperation(appId, iso(fromMs), iso(toMs));
    const distinct = await this.#store.distinctEndUsers(appId, iso(fromMs), iso(toMs));
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
      distinctEndUsers: Number(distinct ?? 0),
      operations,
    };
  }

  async listRequestLogs(
    orgId: string,
    q: RequestLogQuery,
  ): Promise<{ items: RequestLogItem[]; next: string | null }> {
    await this.#beforeRead();
    const limit = Math.min(Math.max(q.limit ?? 50, 1), 200);
    const rows = await this.#store.requestLogRows(
      orgId,
      {
        appId: q.appId,
        operationId: q.operationId,
        status: q.status,
        requestId: q.requestId,
        like: q.q ? `%${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%` : undefined,
        fromIso: q.fromMs !== undefined ? iso(q.fromMs) : undefined,
        toIso: q.toMs !== undefined ? iso(q.toMs) : undefined,
        before: q.before,
      },
      limit + 1,
    );
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
    const rows = await this.#store.usageBuckets(orgId, {
      appId: q.appId,
      fromIso: iso(q.fromMs),
      toIso: iso(q.toMs),
      width,
    });
    return rows.map((r) => ({
      t: q.bucket === 'hour' ? `${r.b}:00:00.000Z` : `${r.b}T00:00:00.000Z`,
      calls: Number(r.calls),
      errors: Number(r.errors ?? 0),
      avgLatencyMs: Math.round(Number(r.avg_us ?? 0)) / 1000,
    }));
  }
}

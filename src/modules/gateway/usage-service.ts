import type { Kysely } from 'kysely';
import type { z } from 'zod';
import { exceedsJsonDepth } from '../../platform/http/json-depth.ts';
import type { requestLogItemView, timeseriesPointView } from './contracts.ts';
import { classifyOutcome, type Outcome, type OutcomeRules } from './outcome.ts';
import { type Analytics, AnalyticsService, type AnalyticsWindow } from './rollups/analytics.ts';
import { addSums, columnIndex, emptySums, rollupDelta, type Sums } from './rollups/rollup-delta.ts';
import { RollupReader } from './rollups/rollup-reader.ts';
import { RAW_COLUMNS, RollupStore } from './rollups/rollup-store.ts';
import type { GatewayTables } from './tables.ts';
import { UsageStore } from './usage-store.ts';

/**
 * Read side of the usage records: per-app usage for the apps module, a searchable request log
 * and a time series for the portal. Every query is scoped by the caller's organisation. Calls are
 * counted by outcome (outcome.ts): approved, declined by the network (with its codes), failed
 * (HTTP ≥ 400 or a time-out); `errors` is kept as the failed count for older clients.
 */
type OutcomeCounts = { approved: number; declined: number; failed: number };
export type AppUsage = OutcomeCounts & {
  appId: string;
  fromMs: number;
  toMs: number;
  calls: number;
  /** = failed (the count before outcomes existed: HTTP ≥ 400). */
  errors: number;
  distinctEndUsers: number;
  operations: Array<
    OutcomeCounts & {
      operationId: string;
      calls: number;
      errors: number;
      avgLatencyMs: number;
      maxLatencyMs: number;
    }
  >;
  /** The declined calls per operation and network code, most first. */
  declines: Array<{ operationId: string; networkCode: string | null; calls: number }>;
};

export type RequestLogQuery = {
  appId?: string;
  operationId?: string;
  /** 'success' (< 400), 'error' (≥ 400) or one status code. */
  status?: 'success' | 'error' | number;
  outcome?: Outcome;
  /** The network's response code (exact). */
  networkCode?: string;
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

const RAW_INDEX = columnIndex(RAW_COLUMNS);

/** How long raw usage rows and the minute and hour rollups are kept, in days (config.ts). */
export type UsageRetention = { rawDays: number; minuteDays: number; hourDays: number };

type AnalyticsQuery = { window: AnalyticsWindow; orgId?: string; appId?: string; nowMs: number };

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
  readonly #reader: RollupReader;
  readonly #analytics: AnalyticsService;
  #retention: UsageRetention | null = null;
  /** Writes buffered records first, so a read right after a call sees it. */
  readonly #beforeRead: () => Promise<void>;
  readonly #db: Kysely<GatewayTables>;
  constructor(db: Kysely<GatewayTables>, beforeRead: () => Promise<void> = async () => {}) {
    this.#db = db;
    this.#store = new UsageStore(db);
    const minutesFromMs = () => (this.#retention ? Date.now() - this.#retention.minuteDays * 86_400_000 : 0);
    this.#reader = new RollupReader(db, minutesFromMs);
    this.#analytics = new AnalyticsService(db, minutesFromMs);
    this.#beforeRead = beforeRead;
  }

  /** Traffic analytics of a window (rollups/analytics.ts): the gateway, an organisation, an app. */
  async getAnalytics(q: AnalyticsQuery): Promise<Analytics> {
    await this.#beforeRead();
    return this.#analytics.get(q);
  }

  /** The same as CSV. */
  async analyticsCsv(q: AnalyticsQuery): Promise<string> {
    await this.#beforeRead();
    return this.#analytics.csv(q);
  }

  /**
   * An app's calls in [fromMs, toMs), from the rollups (exact; rollups/window.ts). `orgId`: the
   * app's organisation (its rollups are kept under it); looked up from its newest call when absent.
   */
  async getAppUsage(appId: string, fromMs: number, toMs: number, orgId?: string): Promise<AppUsage> {
    await this.#beforeRead();
    const org = orgId ?? (await this.#reader.orgOfApp(appId));
    const groups = org
      ? await this.#reader.read({
          scope: 'app',
          orgId: org,
          appId,
          fromMs,
          toMs,
          by: ['operation_id', 'network_code'],
        })
      : [];
    const byOp = new Map<string, Sums>();
    for (const g of groups) {
      const op = g.operation_id || 'unknown';
      let s = byOp.get(op);
      if (!s) {
        s = emptySums();
        byOp.set(op, s);
      }
      addSums(s, g);
    }
    const operations = [...byOp.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([operationId, s]) => ({
        operationId,
        calls: s.calls,
        approved: s.approved,
        declined: s.declined,
        failed: s.failed,
        errors: s.failed,
        avgLatencyMs: Math.round(s.lat_sum / s.calls) / 1000,
        maxLatencyMs: Math.round(s.lat_max) / 1000,
      }));
    const sum = (k: 'calls' | 'approved' | 'declined' | 'failed') => operations.reduce((s, o) => s + o[k], 0);
    const declines = groups
      .filter((g) => g.declined > 0)
      .map((g) => ({
        operationId: g.operation_id || 'unknown',
        networkCode: g.network_code || null,
        calls: g.declined,
      }))
      .sort(
        (x, y) =>
          y.calls - x.calls ||
          x.operationId.localeCompare(y.operationId) ||
          String(x.networkCode).localeCompare(String(y.networkCode)),
      );
    return {
      appId,
      fromMs,
      toMs,
      calls: sum('calls'),
      approved: sum('approved'),
      declined: sum('declined'),
      failed: sum('failed'),
      errors: sum('failed'),
      distinctEndUsers: org ? await this.#reader.distinctUsers({ orgId: org, appId, fromMs, toMs }) : 0,
      operations,
      declines,
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
        outcome: q.outcome,
        networkCode: q.networkCode,
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
      // A row the back-fill has not reached yet reads as its status says.
      outcome: (r.outcome ?? (Number(r.status) >= 400 ? 'failed' : 'approved')) as Outcome,
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

  /** Calls per hour or day of an organisation (or one of its apps), from the rollups (exact). */
  async getUsageTimeseries(
    orgId: string,
    q: { appId?: string; fromMs: number; toMs: number; bucket: 'hour' | 'day' },
  ): Promise<TimeseriesPoint[]> {
    await this.#beforeRead();
    const groups = await this.#reader.read({
      scope: q.appId ? 'app_t' : 'org_t',
      orgId,
      appId: q.appId ?? '*',
      fromMs: q.fromMs,
      toMs: q.toMs,
      by: ['bucket'],
      series: q.bucket === 'hour' ? 'h' : 'd',
    });
    return groups
      .sort((x, y) => (String(x.bucket) < String(y.bucket) ? -1 : 1))
      .map((g) => ({
        t: q.bucket === 'hour' ? `${g.bucket}:00:00.000Z` : `${g.bucket}T00:00:00.000Z`,
        calls: g.calls,
        approved: g.approved,
        declined: g.declined,
        failed: g.failed,
        errors: g.failed,
        avgLatencyMs: Math.round(g.lat_sum / g.calls) / 1000,
      }));
  }

  /**
   * Back-fills the outcome of rows written before the column existed (migration
   * 202612070220_gateway_usage_outcome), `batchSize` rows at a time in id order, each batch its own
   * short statements (never one transaction over the table, which would lock it). Resumable and
   * safe to run in several processes at once: only rows still without an outcome are read and set.
   * Stops early when `shouldStop()` says so; resolves with how many rows it set.
   */
  async backfillOutcomes(
    rules: OutcomeRules,
    opts: { batchSize?: number; shouldStop?: () => boolean } = {},
  ): Promise<number> {
    const batchSize = opts.batchSize ?? 1000;
    let after = '';
    let done = 0;
    for (;;) {
      if (opts.shouldStop?.()) return done;
      const rows = await this.#store.rowsWithoutOutcome(after, batchSize);
      if (rows.length === 0) return done;
      const byOutcome = new Map<Outcome, string[]>();
      for (const r of rows) {
        const o = classifyOutcome(rules, r.operation_id, Number(r.status), r.network_code);
        const ids = byOutcome.get(o);
        if (ids) ids.push(r.id);
        else byOutcome.set(o, [r.id]);
      }
      for (const [o, ids] of byOutcome) await this.#store.setOutcome(ids, o);
      done += rows.length;
      after = rows[rows.length - 1].id;
      if (rows.length < batchSize) return done;
    }
  }

  /**
   * Adds the rows written before the rollups existed (migration 202612070330_gateway_usage_rollups
   * noted the newest id then) to the rollups, `batchSize` rows a transaction in id order, the cursor
   * moved in the same transaction (a lost race with another process adds nothing). Outcomes are
   * classified here for rows the outcome back-fill has not reached. Resumable; resolves with how
   * many rows it added.
   */
  async backfillRollups(
    rules: OutcomeRules,
    opts: { batchSize?: number; shouldStop?: () => boolean; dialect?: 'sqlite' | 'postgres' } = {},
  ): Promise<number> {
    const store = new RollupStore(opts.dialect ?? 'sqlite');
    const batchSize = opts.batchSize ?? 2000;
    let done = 0;
    for (;;) {
      if (opts.shouldStop?.()) return done;
      const state = await store.backfillState(this.#db);
      if (!state || state.afterId >= state.uptoId) return done;
      const values = await store.rawRowsById(this.#db, state.afterId, state.uptoId, batchSize);
      const ix = RAW_INDEX;
      const n = values.length / ix.width;
      const lastId = n > 0 ? String(values[(n - 1) * ix.width + ix.id]) : state.uptoId;
      for (let at = 0; at < values.length; at += ix.width) {
        if (values[at + ix.outcome] == null) {
          values[at + ix.outcome] = classifyOutcome(
            rules,
            values[at + ix.op] as string | null,
            Number(values[at + ix.status]),
            values[at + ix.network] as string | null,
          );
        }
      }
      if (await store.backfillStep(this.#db, rollupDelta(values, ix), state.afterId, lastId)) done += n;
    }
  }

  /**
   * Retention (issue 31 item 4): raw usage rows older than `rawDays` (0: kept) go in batches of
   * 1,000, minute rollups older than `minuteDays`, hour rollups and sketches older than `hourDays`;
   * day rollups and sketches are kept. Reads of a range whose minute rollups are gone read those
   * minutes from the raw rows (rollup-reader.ts), so keep raw rows at least as long as minutes.
   */
  async pruneUsage(r: UsageRetention, nowMs: number): Promise<{ raw: number; rollups: number }> {
    this.#retention = r;
    const before = (days: number) => new Date(nowMs - days * 86_400_000).toISOString();
    let raw = 0;
    if (r.rawDays > 0) {
      for (let n = 1; n > 0 && raw < 1_000_000; raw += n)
        n = await this.#store.deleteUsageBefore(before(r.rawDays), 1000);
    }
    const store = new RollupStore();
    const rollups =
      (await store.prune(this.#db, 'm', before(r.minuteDays).slice(0, 16))) +
      (await store.prune(this.#db, 'h', before(r.hourDays).slice(0, 13)));
    return { raw, rollups };
  }
}

import type { Kysely } from 'kysely';
import { writeCsv } from '../../../platform/csv.ts';
import type { GatewayTables } from '../tables.ts';
import { quantileMs } from './histogram.ts';
import { addSums, emptySums, type Grain, type Sums } from './rollup-delta.ts';
import { type Group, RollupReader } from './rollup-reader.ts';

/**
 * Traffic analytics over the rollups (issue 31) for the operator (the whole gateway, or drilled
 * down to one organisation and one app) and for an organisation's members: calls by outcome,
 * errors by HTTP status and network code, p50 / p99 latency (histogram.ts: within a factor 1.16),
 * 429s and shed calls, top organisations / apps / operations, distinct end users (hll.ts: ~1.6 %
 * standard error). Windows are rolling — the last hour, 24 hours, 7 or 30 days up to now — and
 * counted exactly (rollup-reader.ts); a 1 h window's distinct users read the hours it touches.
 * A window starts on the whole minute (1 h, 24 h) or hour (7 d, 30 d) at or before now minus its
 * length, so it spans its length and at most a minute or an hour more (`from` says where): its
 * oldest edge is then whole rollup buckets, never raw rows — minute rollups are kept 8 days by
 * default, and a 30 d window's oldest partial hour would otherwise be summed from the raw rows
 * by every read of the request.
 */
export const WINDOWS = ['1h', '24h', '7d', '30d'] as const;
export type AnalyticsWindow = (typeof WINDOWS)[number];
const MINUTE = 60_000;
const HOUR = 3_600_000;
const WINDOW: Record<AnalyticsWindow, { ms: number; series: Grain; start: number }> = {
  '1h': { ms: HOUR, series: 'm', start: MINUTE },
  '24h': { ms: 24 * HOUR, series: 'h', start: MINUTE },
  '7d': { ms: 7 * 24 * HOUR, series: 'h', start: HOUR },
  '30d': { ms: 30 * 24 * HOUR, series: 'd', start: HOUR },
};
const TOP = 10;

type Counts = {
  calls: number;
  approved: number;
  declined: number;
  failed: number;
  http429: number;
  shed: number;
};
export type Analytics = {
  window: AnalyticsWindow;
  from: string;
  to: string;
  orgId: string | null;
  appId: string | null;
  totals: Counts & {
    p50Ms: number | null;
    p99Ms: number | null;
    avgMs: number | null;
    distinctEndUsers: number;
  };
  series: Array<Counts & { t: string }>;
  byStatus: Array<{ status: number; calls: number }>;
  byNetworkCode: Array<Counts & { networkCode: string }>;
  byOperation: Array<Counts & { operationId: string; p50Ms: number | null; p99Ms: number | null }>;
  topOrganizations: Array<Counts & { orgId: string }>;
  topApps: Array<Counts & { orgId: string; appId: string }>;
};

function counts(s: Sums): Counts {
  return {
    calls: s.calls,
    approved: s.approved,
    declined: s.declined,
    failed: s.failed,
    http429: s.c429,
    shed: s.shed,
  };
}

function seriesTime(bucket: string, grain: Grain): string {
  return grain === 'm'
    ? `${bucket}:00.000Z`
    : grain === 'h'
      ? `${bucket}:00:00.000Z`
      : `${bucket}T00:00:00.000Z`;
}

/** Groups summed by one of their fields, most calls first. */
function rollBy(groups: Group[], field: 'operation_id' | 'network_code' | 'status'): Map<string, Sums> {
  const out = new Map<string, Sums>();
  for (const g of groups) {
    const k = String(g[field] ?? '');
    let s = out.get(k);
    if (!s) {
      s = emptySums();
      out.set(k, s);
    }
    addSums(s, g);
  }
  return new Map([...out.entries()].sort(([, a], [, b]) => b.calls - a.calls));
}

export class AnalyticsService {
  readonly #reader: RollupReader;
  /** `minutesFromMs`: since when minute rollups are kept (older minutes are read raw). */
  constructor(db: Kysely<GatewayTables>, minutesFromMs?: () => number) {
    this.#reader = new RollupReader(db, minutesFromMs);
  }

  /** The analytics of the gateway (no orgId), one organisation, or one of its apps. */
  async get(q: {
    window: AnalyticsWindow;
    orgId?: string;
    appId?: string;
    nowMs: number;
  }): Promise<Analytics> {
    const w = WINDOW[q.window];
    const toMs = q.nowMs + 1;
    const fromMs = Math.floor((toMs - w.ms) / w.start) * w.start;
    const org = q.orgId;
    const app = org !== undefined ? q.appId : undefined;
    const level = app !== undefined ? 'app' : org !== undefined ? 'org' : 'all';
    const scope = { orgId: org ?? '*', appId: app ?? '*' };
    const range = { fromMs, toMs };
    // Each read is one statement over the window's pieces; the detail rows only for the two
    // breakdowns (status, network code), the latency from the per-operation rows, the series and
    // top-N lists from the totals rows.
    const detail = await this.#reader.read({
      scope: level,
      ...scope,
      ...range,
      by: ['status', 'network_code'],
      light: true,
    });
    const ops = await this.#reader.read({ scope: `${level}_o`, ...scope, ...range, by: ['operation_id'] });
    const series = await this.#reader.read({
      scope: `${level}_t`,
      ...scope,
      ...range,
      by: ['bucket'],
      series: w.series,
      light: true,
    });
    // The top organisations' ranking bounds every app of theirs (rollup-reader.ts topWithin).
    const orgRank =
      org === undefined
        ? await this.#reader.rank(
            { scope: 'org_t', appId: '*', ...range, by: ['org_id'], light: true, key: 'org_id' },
            TOP,
          )
        : { top: [], wide: [] };
    const topApps =
      app !== undefined
        ? []
        : org === undefined
          ? await this.#reader.topWithin({ ...range, light: true }, TOP, orgRank.wide)
          : await this.#reader.top(
              { scope: 'app_t', orgId: org, ...range, by: ['org_id', 'app_id'], light: true, key: 'app_id' },
              TOP,
            );
    const topOrgs = orgRank.top;
    const total = emptySums();
    for (const g of ops) addSums(total, g);
    return {
      window: q.window,
      from: new Date(fromMs).toISOString(),
      to: new Date(toMs).toISOString(),
      orgId: org ?? null,
      appId: app ?? null,
      totals: {
        ...counts(total),
        p50Ms: quantileMs(total.hist, 0.5),
        p99Ms: quantileMs(total.hist, 0.99),
        avgMs: total.calls ? Math.round(total.lat_sum / total.calls) / 1000 : null,
        distinctEndUsers: await this.#reader.distinctUsers({ ...scope, ...range }),
      },
      series: series
        .sort((a, b) => (String(a.bucket) < String(b.bucket) ? -1 : 1))
        .map((g) => ({ t: seriesTime(String(g.bucket), w.series), ...counts(g) })),
      byStatus: [...rollBy(detail, 'status').entries()]
        .filter(([status]) => Number(status) >= 400)
        .map(([status, s]) => ({ status: Number(status), calls: s.calls })),
      byNetworkCode: [...rollBy(detail, 'network_code').entries()]
        .filter(([code]) => code !== '')
        .map(([networkCode, s]) => ({ networkCode, ...counts(s) })),
      byOperation: [...rollBy(ops, 'operation_id').entries()].map(([op, s]) => ({
        operationId: op || 'unknown',
        ...counts(s),
        p50Ms: quantileMs(s.hist, 0.5),
        p99Ms: quantileMs(s.hist, 0.99),
      })),
      topOrganizations: topOrgs.map((g) => ({ orgId: String(g.org_id), ...counts(g) })),
      topApps: topApps.map((g) => ({ orgId: String(g.org_id), appId: String(g.app_id), ...counts(g) })),
    };
  }

  /** The analytics as CSV: one section per table, each `section,key,…counts` (platform/csv.ts). */
  async csv(q: { window: AnalyticsWindow; orgId?: string; appId?: string; nowMs: number }): Promise<string> {
    const a = await this.get(q);
    const head = ['section', 'key', 'calls', 'approved', 'declined', 'failed', 'http429', 'shed'];
    const row = (section: string, key: string, c: Counts) => [
      section,
      key,
      c.calls,
      c.approved,
      c.declined,
      c.failed,
      c.http429,
      c.shed,
    ];
    return writeCsv([
      head,
      row('total', `${a.from}/${a.to}`, a.totals),
      ...a.series.map((p) => row('series', p.t, p)),
      ...a.byOperation.map((o) => row('operation', o.operationId, o)),
      ...a.byNetworkCode.map((o) => row('network_code', o.networkCode, o)),
      ...a.byStatus.map((s) => ['status', String(s.status), s.calls]),
      ...a.topOrganizations.map((o) => row('organization', o.orgId, o)),
      ...a.topApps.map((o) => row('app', `${o.orgId}/${o.appId}`, o)),
    ]);
  }
}

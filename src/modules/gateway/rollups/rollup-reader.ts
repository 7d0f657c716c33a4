import type { Kysely } from 'kysely';
import { idAtOrAfter } from '../../../platform/ids.ts';
import type { GatewayTables } from '../tables.ts';
import { LATENCY_BUCKETS, LATENCY_COLUMNS } from './histogram.ts';
import type { Hll } from './hll.ts';
import { addSums, emptySums, type Grain, HIST_SCOPES, type Scope, type Sums } from './rollup-delta.ts';
import { type GroupField, RollupStore } from './rollup-store.ts';
import { bucketText, cover } from './window.ts';

/**
 * Reads any time range from the rollups, exactly (window.ts `cover`: day, hour and minute rollups,
 * raw rows for the sub-minute edges), grouped as asked. Every analytics and usage read goes
 * through here; distinct end users come from the hour / day sketches that touch the range
 * (a range's edges may add the users of up to an hour either side; documented).
 */
export type Group = Sums & Partial<Record<GroupField, string>>;

const BUCKET_LEN: Record<Grain, number> = { m: 16, h: 13, d: 10 };
/** How many organisations `topWithin` reads app by app before it ranks every app instead. */
const MAX_ORGS = 62;
const byCalls = (a: Group, b: Group) => b.calls - a.calls;

export type ReadQuery = {
  scope: Scope;
  orgId?: string;
  appId?: string;
  /** Only these values of a field (the exact pass of a top-N list). */
  only?: { field: 'org_id' | 'app_id'; values: readonly string[] };
  fromMs: number;
  toMs: number;
  by: readonly GroupField[];
  /** Group `bucket` at this grain (and read nothing coarser). */
  series?: Grain;
  /** Counts only (no histogram, even from a per-operation scope). */
  light?: boolean;
};

export class RollupReader {
  readonly #db: Kysely<GatewayTables>;
  readonly #store: RollupStore;
  readonly #minutesFromMs: () => number;
  constructor(db: Kysely<GatewayTables>, minutesFromMs: () => number = () => 0) {
    this.#db = db;
    this.#store = new RollupStore();
    this.#minutesFromMs = minutesFromMs;
  }

  async read(q: ReadQuery): Promise<Group[]> {
    const groups = new Map<string, Group>();
    const keyOf = (get: (f: GroupField) => string): [string, Partial<Record<GroupField, string>>] => {
      const fields: Partial<Record<GroupField, string>> = {};
      for (const f of q.by) fields[f] = get(f);
      return [q.by.map((f) => fields[f]).join('|'), fields];
    };
    const add = (get: (f: GroupField) => string, sums: Sums) => {
      const [key, fields] = keyOf(get);
      let g = groups.get(key);
      if (!g) {
        g = { ...emptySums(), ...fields };
        groups.set(key, g);
      }
      addSums(g, sums);
    };
    const cut = q.series ? BUCKET_LEN[q.series] : 99;
    const hist = !q.light && HIST_SCOPES.has(q.scope);
    const pieces = cover(q.fromMs, q.toMs, q.series ?? 'd', this.#minutesFromMs());
    // Every piece in one statement: the rollups' and the raw edges' (under a minute each, or
    // minutes whose rollups were pruned), summed together.
    const rows = await this.#store.sums(
      this.#db,
      {
        scope: q.scope,
        orgId: q.orgId,
        appId: q.appId,
        only: q.only,
        pieces: pieces.map((p) =>
          p.grain === 'raw'
            ? { grain: p.grain, from: idAtOrAfter('use', p.fromMs), to: idAtOrAfter('use', p.toMs) }
            : { grain: p.grain, from: bucketText(p.fromMs, p.grain), to: bucketText(p.toMs, p.grain) },
        ),
        bucketLen: q.series ? cut : undefined,
        hist,
      },
      q.by,
    );
    for (const r of rows) {
      add((f) => String(r[f]), {
        calls: Number(r.calls ?? 0),
        approved: Number(r.approved ?? 0),
        declined: Number(r.declined ?? 0),
        failed: Number(r.failed ?? 0),
        c429: Number(r.c429 ?? 0),
        shed: Number(r.shed ?? 0),
        lat_sum: Number(r.lat_sum ?? 0),
        lat_max: Number(r.lat_max ?? 0),
        hist: hist ? LATENCY_COLUMNS.map((c) => Number(r[c] ?? 0)) : new Array(LATENCY_BUCKETS).fill(0),
      });
    }
    return [...groups.values()].filter((g) => g.calls > 0);
  }

  /**
   * The `n` groups of a totals scope with the most calls over [fromMs, toMs), with exact counts,
   * without summing every app's rows of every piece (a threshold algorithm): the whole hours (days,
   * past two days) around the range — a superset, so no group has more calls in the range than
   * there — rank candidates;
   * the 3n best are read exactly (by the primary key); when no group outside them reaches the n-th
   * exact count there, that is the answer, else the whole range is read as before. `wide` is that
   * ranking (every group's calls over the superset, most first): upper bounds for `topWithin`.
   */
  async rank(
    q: Omit<ReadQuery, 'only' | 'series'> & { key: 'org_id' | 'app_id' },
    n: number,
  ): Promise<{ top: Group[]; wide: Group[] }> {
    // Whole hours around a range of up to two days, whole days around a longer one.
    const step = q.toMs - q.fromMs > 2 * 86_400_000 ? 86_400_000 : 3_600_000;
    const wide = (
      await this.read({
        ...q,
        fromMs: Math.floor(q.fromMs / step) * step,
        toMs: Math.ceil(q.toMs / step) * step,
      })
    ).sort(byCalls);
    const k = 3 * n;
    const candidates = wide.slice(0, k).map((g) => String(g[q.key]));
    const exact =
      candidates.length === 0
        ? []
        : (await this.read({ ...q, only: { field: q.key, values: candidates } })).sort(byCalls);
    const nth = exact.length >= n ? exact[n - 1].calls : 0;
    if (wide.length <= k || wide[k].calls <= nth) return { top: exact.slice(0, n), wide };
    return { top: (await this.read(q)).sort(byCalls).slice(0, n), wide };
  }

  /** `rank`'s top `n` alone. */
  async top(
    q: Omit<ReadQuery, 'only' | 'series'> & { key: 'org_id' | 'app_id' },
    n: number,
  ): Promise<Group[]> {
    return (await this.rank(q, n)).top;
  }

  /**
   * The `n` apps with the most calls over the range, across organisations, given `orgs`: every
   * organisation's calls over a superset of the range, most first (`rank(...).wide` of org_t) —
   * an upper bound on each of its apps. Apps are read exactly organisation by organisation (2, 4,
   * 8, … at a time, on the app_t index that leads with the organisation) until the n-th app found
   * has at least as many calls as the next organisation's bound: no app of the rest can then enter
   * the list (ties in any order). On flat traffic (more than MAX_ORGS organisations needed) it
   * falls back to `top` over every app.
   */
  async topWithin(
    q: Omit<ReadQuery, 'only' | 'series' | 'scope' | 'orgId' | 'by'>,
    n: number,
    orgs: readonly Group[],
  ): Promise<Group[]> {
    const apps = { ...q, scope: 'app_t' as const, by: ['org_id', 'app_id'] as const };
    const found: Group[] = [];
    let next = 0;
    for (let take = 2; next < orgs.length && next < MAX_ORGS; take *= 2) {
      const values = orgs.slice(next, next + take).map((g) => String(g.org_id));
      next += values.length;
      found.push(...(await this.read({ ...apps, only: { field: 'org_id', values } })));
      found.sort(byCalls);
      const nth = found.length >= n ? found[n - 1].calls : 0;
      if (next >= orgs.length || nth >= orgs[next].calls) return found.slice(0, n);
    }
    if (next >= orgs.length) return found.slice(0, n);
    return this.top({ ...apps, key: 'app_id' }, n);
  }

  /**
   * Distinct end users of a scope over [fromMs, toMs): the merged sketches of the hours (ranges up
   * to two days) or days (longer) that touch it.
   */
  async distinctUsers(q: { orgId?: string; appId?: string; fromMs: number; toMs: number }): Promise<number> {
    const grain: Grain = q.toMs - q.fromMs > 2 * 86_400_000 ? 'd' : 'h';
    const step = grain === 'd' ? 86_400_000 : 3_600_000;
    const sketch: Hll = await this.#store.users(this.#db, {
      grain,
      orgId: q.orgId ?? '*',
      appId: q.appId ?? '*',
      from: bucketText(Math.floor(q.fromMs / step) * step, grain),
      to: bucketText(Math.ceil(q.toMs / step) * step, grain),
    });
    return sketch.estimate();
  }

  orgOfApp(appId: string): Promise<string | null> {
    return this.#store.orgOfApp(this.#db, appId);
  }
}

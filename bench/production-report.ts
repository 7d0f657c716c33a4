/**
 * What `darwaza bench --production` prints: the rows' medians, the ratios (median of the rounds'
 * ratios, each round measuring every server back to back), the setup, and, per proxied row, where
 * the limit was: the server's core, or the core the upstream shares with wrk.
 */
export type RowKey = 'upstream' | 'nginx' | 'peer' | 'darwaza';

export const ROW_NAMES: Record<RowKey, string> = {
  upstream: '(c) upstream alone',
  nginx: '(a) nginx proxy_pass',
  peer: '(b) nginx + Lua peer',
  darwaza: '(d) Darwaza gateway',
};

export type Row = {
  key: RowKey;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  non2xx: number;
  errors: number;
  /** CPU of the server under test per request (all its threads); for (c), the upstream's. */
  serverCpuUs: number;
  /** The server's CPU per second while idle just before the run (µs/s). */
  serverIdleUsPerSecond: number;
  /**
   * serverCpuUs net of that idle rate over the run: what the calls themselves cost. At a low rate
   * (a loaded machine) a gateway's fixed background work would otherwise weigh on every call.
   */
  serverCpuUsNet: number;
  /** CPU of the upstream process per request. */
  upstreamCpuUs: number;
  /** CPU of wrk per request. */
  wrkCpuUs: number;
  /** Share of a core (0–1) the server process used over the run; for (c) 0. */
  serverShare: number;
  /** Share of a core the upstream and wrk used together over the run. */
  loadShare: number;
  /** Busy share of the server core and of the load core, every process on the machine counted. */
  serverCoreBusy: number;
  loadCoreBusy: number;
};

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per row, the median of each figure over the rounds; errors and non-2xx: the worst round. */
export function medianRows(rounds: Row[][]): Row[] {
  const keys = rounds[0].map((r) => r.key);
  return keys.map((key) => {
    const runs = rounds.map((r) => r.find((x) => x.key === key)).filter((x): x is Row => !!x);
    const pick = (f: (r: Row) => number, digits = 0) => {
      const k = 10 ** digits;
      return Math.round(median(runs.map(f)) * k) / k;
    };
    return {
      key,
      rps: pick((r) => r.rps),
      p50: pick((r) => r.p50, 2),
      p99: pick((r) => r.p99, 2),
      total: pick((r) => r.total),
      non2xx: Math.max(...runs.map((r) => r.non2xx)),
      errors: Math.max(...runs.map((r) => r.errors)),
      serverCpuUs: pick((r) => r.serverCpuUs, 1),
      serverIdleUsPerSecond: pick((r) => r.serverIdleUsPerSecond),
      serverCpuUsNet: pick((r) => r.serverCpuUsNet, 1),
      upstreamCpuUs: pick((r) => r.upstreamCpuUs, 1),
      wrkCpuUs: pick((r) => r.wrkCpuUs, 1),
      serverShare: pick((r) => r.serverShare, 2),
      loadShare: pick((r) => r.loadShare, 2),
      serverCoreBusy: pick((r) => r.serverCoreBusy, 2),
      loadCoreBusy: pick((r) => r.loadCoreBusy, 2),
    };
  });
}

export function table(rows: Row[]): string {
  const head = [
    'server',
    'req/s',
    'p50 ms',
    'p99 ms',
    'requests',
    'non-2xx',
    'errors',
    'server µs/req',
    'net of idle',
    'upstream µs/req',
    'wrk µs/req',
    'server core ours/all',
    'load core ours/all',
  ];
  const pct = (ours: number, all: number) => `${Math.round(ours * 100)}/${Math.round(all * 100)} %`;
  const lines = rows.map((r) => [
    ROW_NAMES[r.key],
    String(r.rps),
    r.p50.toFixed(2),
    r.p99.toFixed(2),
    String(r.total),
    String(r.non2xx),
    String(r.errors),
    r.key === 'upstream' ? '—' : r.serverCpuUs.toFixed(1),
    r.key === 'upstream' ? '—' : r.serverCpuUsNet.toFixed(1),
    r.upstreamCpuUs.toFixed(1),
    r.wrkCpuUs.toFixed(1),
    r.key === 'upstream' ? '—' : pct(r.serverShare, r.serverCoreBusy),
    pct(r.loadShare, r.loadCoreBusy),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols: string[]) =>
    cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

export type Ratio = { name: string; of: RowKey; to: RowKey; median: number; rounds: number[] };

const PAIRS: Array<[string, RowKey, RowKey]> = [
  ['Darwaza / peer', 'darwaza', 'peer'],
  ['Darwaza / nginx', 'darwaza', 'nginx'],
  ['peer / nginx', 'peer', 'nginx'],
];

/**
 * Per pair, per round (servers measured back to back) and their median: the throughput ratio,
 * then the same ratio from CPU per request (`… (CPU)`: the other server's µs per request over this
 * one's, i.e. the ratio of what each would serve with its core to itself), and that from CPU net
 * of each server's idle background (`… (CPU net of idle)`). The CPU ratios move less when other
 * processes take the cores' time, since they do not count waiting.
 */
export function ratios(rounds: Row[][]): Ratio[] {
  const out: Ratio[] = [];
  const kinds: Array<[string, (a: Row, b: Row) => number | null]> = [
    ['', (a, b) => (b.rps > 0 ? a.rps / b.rps : null)],
    [' (CPU)', (a, b) => (a.serverCpuUs > 0 ? b.serverCpuUs / a.serverCpuUs : null)],
    [' (CPU net of idle)', (a, b) => (a.serverCpuUsNet > 0 ? b.serverCpuUsNet / a.serverCpuUsNet : null)],
  ];
  for (const [suffix, f] of kinds) {
    for (const [name, of, to] of PAIRS) {
      const each = rounds
        .map((r) => {
          const a = r.find((x) => x.key === of);
          const b = r.find((x) => x.key === to);
          const v = a && b ? f(a, b) : null;
          return v === null ? null : Math.round(v * 100) / 100;
        })
        .filter((x): x is number => x !== null);
      if (each.length)
        out.push({
          name: `${name}${suffix}`,
          of,
          to,
          median: Math.round(median(each) * 100) / 100,
          rounds: each,
        });
    }
  }
  return out;
}

/** A process (or pair) using this share of its core (or more) over a run is taken as saturating it. */
const SATURATED = 0.9;
/** Other processes using more than this share of a pinned core disturbed the run. */
const DISTURBED = 0.15;

/**
 * Where each proxied row's limit was. The upstream alone (c) ran with wrk on the same core as in
 * every proxied row, so its throughput is the ceiling that core allows; a proxied row close to it
 * (≥ 90 %) with the upstream and wrk using that core was held by the upstream side, not by the
 * server under test. Shares are of our own processes' CPU (from /proc), so other tenants' load is
 * not taken for ours; when others took a pinned core's time, the line says so.
 */
export function bottlenecks(rows: Row[]): string[] {
  const alone = rows.find((r) => r.key === 'upstream');
  const out: string[] = [];
  for (const r of rows) {
    const others = [
      ['server', r.serverCoreBusy - r.serverShare],
      ['load', r.loadCoreBusy - r.loadShare],
    ] as const;
    const noise = others
      .filter(([, x]) => x > DISTURBED)
      .map(([core, x]) => `other processes took ${Math.round(x * 100)} % of the ${core} core`);
    if (r.key === 'upstream' || !alone) {
      if (noise.length) out.push(`${ROW_NAMES[r.key]}: ${noise.join('; ')}`);
      continue;
    }
    const share = alone.rps > 0 ? r.rps / alone.rps : 0;
    const serverFull = r.serverShare >= SATURATED;
    const loadFull = r.loadShare >= SATURATED;
    let verdict: string;
    if (loadFull && share >= 0.9)
      verdict = 'the upstream side (upstream + wrk fill their core; near the upstream alone)';
    else if (serverFull && loadFull) verdict = 'both sides (server and upstream + wrk each fill their core)';
    else if (serverFull) verdict = 'the server under test (it fills its core)';
    else if (loadFull) verdict = 'the upstream side (upstream + wrk fill their core)';
    else verdict = 'neither side filling its core (waiting: latency or other processes)';
    out.push(
      `${ROW_NAMES[r.key]}: ${Math.round(share * 100)} % of the upstream alone; server ${Math.round(
        r.serverShare * 100,
      )} % of its core, upstream + wrk ${Math.round(r.loadShare * 100)} % of theirs → limited by ${verdict}${
        noise.length ? `; ${noise.join('; ')}` : ''
      }`,
    );
  }
  return out;
}

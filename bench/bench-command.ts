import { type ChildProcess, fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliCommand } from '../src/cli/command.ts';
import { SERVE_NODE_FLAGS } from '../src/platform/node-flags.ts';
import { type GeneratorName, type LoadGenerator, pickGenerator } from './load-generators.ts';
import { productionBench, productionUsage } from './production.ts';

/**
 * darwaza bench: raw node:http vs the gateway's full pipeline, measured in one run on this machine
 * with one load generator (wrk when installed, else autocannon: load-generators.ts) at fixed
 * concurrency, each server in its own process (CPU per request is the server's own
 * process.cpuUsage delta). Repeats the gateway with Redis when REDIS_URL is set.
 */
type Ready = { port: number; method: string; path: string; headers: Record<string, string>; body: string };
type Row = {
  name: string;
  rps: number;
  p50: number;
  p99: number;
  total: number;
  ok: number;
  non2xx: number;
  errors: number;
  cpuUsPerRequest: number;
  /** Of which kernel (system) time: socket reads and writes, SQLite file I/O. */
  sysUsPerRequest: number;
  /** Of which the serving (main) thread's; the rest is the workers' (usage writer, detectors) and V8's helpers. */
  servingUsPerRequest: number;
  /** Gateway only: calls answered (warm-up and run) whose usage row was not written when the run ended. */
  usageBacklog?: number;
  /** Gateway only: seconds after the run until every answered call's usage row was written (cap 30). */
  usageDrainS?: number;
};

function startServer(kind: 'raw' | 'gateway', redisUrl = ''): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = fork(resolve(import.meta.dirname, 'bench-server.ts'), [kind, redisUrl], {
    execPath: process.execPath,
    // Both servers run with the young-generation size `npm start` uses (docs/operations.md).
    execArgv: [...process.execArgv, ...SERVE_NODE_FLAGS],
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  return new Promise((res, rej) => {
    child.once('exit', (code) => rej(new Error(`${kind} server exited (${code})`)));
    child.on('message', (m: { ready?: Ready; error?: string }) => {
      if (m.ready) res({ child, ready: m.ready });
      if (m.error) rej(new Error(m.error));
    });
  });
}

/** Usage rows the server has written (null: not a gateway). */
function usageRowsOf(child: ChildProcess): Promise<number | null> {
  return new Promise((res) => {
    const on = (m: { usage?: number | null }) => {
      if (m.usage !== undefined) {
        child.off('message', on);
        res(m.usage);
      }
    };
    child.on('message', on);
    child.send('usage');
  });
}

/**
 * Whether the usage writer kept up: the answered calls without a usage row when the run ended,
 * then how long until all of them had one (polled every 100 ms, up to 30 s).
 */
async function usageLag(
  child: ChildProcess,
  calls: number,
): Promise<{ backlog: number; drainS: number } | null> {
  const t0 = performance.now();
  let rows = await usageRowsOf(child);
  if (rows === null) return null;
  const backlog = Math.max(0, calls - rows);
  while (rows !== null && rows < calls && performance.now() - t0 < 30_000) {
    await new Promise((r) => setTimeout(r, 100));
    rows = await usageRowsOf(child);
  }
  return { backlog, drainS: Math.round((performance.now() - t0) / 100) / 10 };
}

/** The server process's CPU and its main (serving) thread's, so far. */
function cpuOf(child: ChildProcess): Promise<{ cpu: NodeJS.CpuUsage; main: NodeJS.CpuUsage }> {
  return new Promise((res) => {
    const on = (m: { cpu?: NodeJS.CpuUsage; main?: NodeJS.CpuUsage }) => {
      if (m.cpu && m.main) {
        child.off('message', on);
        res({ cpu: m.cpu, main: m.main });
      }
    };
    child.on('message', on);
    child.send('cpu');
  });
}

async function stopServer(child: ChildProcess): Promise<void> {
  child.removeAllListeners('exit');
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.send('stop');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(t);
}

async function measure(
  name: string,
  kind: 'raw' | 'gateway',
  load: LoadGenerator,
  opts: { connections: number; duration: number; warmup: number; redisUrl?: string },
): Promise<Row> {
  const { child, ready } = await startServer(kind, opts.redisUrl);
  try {
    const target = {
      url: `http://127.0.0.1:${ready.port}${ready.path}`,
      method: ready.method,
      headers: ready.headers,
      body: ready.body,
      connections: opts.connections,
    };
    const warm = await load.run({ ...target, duration: opts.warmup });
    const { cpu: cpu0, main: main0 } = await cpuOf(child);
    const r = await load.run({ ...target, duration: opts.duration });
    const { cpu: cpu1, main: main1 } = await cpuOf(child);
    const total = r.total;
    const lag = await usageLag(child, warm.total + r.total);
    return {
      name,
      rps: Math.round(r.rps),
      p50: r.p50Ms,
      p99: r.p99Ms,
      total,
      ok: r.ok,
      non2xx: r.non2xx,
      errors: r.errors,
      cpuUsPerRequest:
        total > 0 ? Math.round((cpu1.user + cpu1.system - cpu0.user - cpu0.system) / total) : 0,
      sysUsPerRequest: total > 0 ? Math.round((cpu1.system - cpu0.system) / total) : 0,
      servingUsPerRequest:
        total > 0 ? Math.round((main1.user + main1.system - main0.user - main0.system) / total) : 0,
      ...(lag ? { usageBacklog: lag.backlog, usageDrainS: lag.drainS } : {}),
    };
  } finally {
    await stopServer(child);
  }
}

function table(rows: Row[]): string {
  const head = [
    'server',
    'req/s',
    'p50 ms',
    'p99 ms',
    'requests',
    '2xx',
    'non-2xx',
    'errors',
    'CPU µs/req',
    'of it sys',
    'serving thread',
  ];
  const lines = rows.map((r) =>
    [
      r.name,
      r.rps,
      r.p50,
      r.p99,
      r.total,
      r.ok,
      r.non2xx,
      r.errors,
      r.cpuUsPerRequest,
      r.sysUsPerRequest,
      r.servingUsPerRequest,
    ].map(String),
  );
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cols: string[]) =>
    cols.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(head), ...lines.map(fmt)].join('\n');
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Per server, the median of each figure over the rounds (the run itself is kept in the JSON). */
function medianRow(runs: Row[]): Row {
  const pick = (f: (r: Row) => number) => Math.round(median(runs.map(f)));
  return {
    name: runs[0].name,
    rps: pick((r) => r.rps),
    p50: Math.round(median(runs.map((r) => r.p50)) * 10) / 10,
    p99: Math.round(median(runs.map((r) => r.p99)) * 10) / 10,
    total: pick((r) => r.total),
    ok: pick((r) => r.ok),
    non2xx: Math.max(...runs.map((r) => r.non2xx)),
    errors: Math.max(...runs.map((r) => r.errors)),
    cpuUsPerRequest: pick((r) => r.cpuUsPerRequest),
    sysUsPerRequest: pick((r) => r.sysUsPerRequest),
    servingUsPerRequest: pick((r) => r.servingUsPerRequest),
    ...(runs[0].usageBacklog !== undefined
      ? {
          usageBacklog: pick((r) => r.usageBacklog ?? 0),
          usageDrainS: Math.max(...runs.map((r) => r.usageDrainS ?? 0)),
        }
      : {}),
  };
}

/** Added to the CLI by bin/darwaza.mjs (src never imports bench/). */
export const benchCommand: CliCommand = {
  name: 'bench',
  summary: 'Benchmark the gateway against a raw node:http server (prints the ratio)',
  usage: `darwaza bench [--connections 50] [--duration 6] [--warmup 2] [--rounds 5] [--generator auto|wrk|autocannon]
             [--json out/bench.json] [--no-redis]

Runs, one after the other, a raw node:http server and the gateway (full pipeline: bearer token,
entitlement, rate limit with a budget never reached, usage records) on a sandbox operation, each
in its own process, driven by one load generator at fixed concurrency: wrk when it is installed
(Debian: apt-get install wrk), autocannon otherwise, or the one --generator names. With REDIS_URL
set, the gateway is measured again with its limits in Redis. Repeats that --rounds times (shared
machines are noisy: one round in a few is slowed by other tenants, and a median of five rounds
stays put with two such rounds) and prints, per server, the median requests/s, p50/p99 latency
and server CPU µs per request, and the gateway/raw ratio of each round (raw and gateway measured
back to back) with their median.

${productionUsage}`,
  async run(args) {
    // The production path against nginx and an nginx + Lua peer: its own options (production.ts).
    if (args.includes('--production')) return productionBench(args.filter((a) => a !== '--production'));
    const { values } = parseArgs({
      args,
      options: {
        connections: { type: 'string', default: '50' },
        duration: { type: 'string', default: '6' },
        warmup: { type: 'string', default: '2' },
        rounds: { type: 'string', default: '5' },
        generator: { type: 'string', default: 'auto' },
        json: { type: 'string' },
        'no-redis': { type: 'boolean' },
      },
    });
    const opts = {
      connections: Number(values.connections),
      duration: Number(values.duration),
      warmup: Number(values.warmup),
    };
    const rounds = Math.max(1, Math.min(20, Math.floor(Number(values.rounds)) || 1));
    const say = (s: string) => process.stderr.write(`bench: ${s}\n`);
    const wanted = values.generator as string;
    if (!['auto', 'wrk', 'autocannon'].includes(wanted)) {
      say(`--generator must be auto, wrk or autocannon (got "${wanted}")`);
      return 2;
    }
    let load: LoadGenerator;
    try {
      load = pickGenerator(wanted as 'auto' | GeneratorName);
    } catch (err) {
      say((err as Error).message);
      return 2;
    }
    say(
      `${load.describe}: ${opts.connections} connections, ${opts.duration} s per run after ${opts.warmup} s warm-up, ${rounds} round(s)`,
    );
    if (load.name === 'autocannon' && wanted === 'auto') {
      say(
        'wrk is not installed, so autocannon drives the load (it needs more CPU per response; see docs/performance.md)',
      );
    }
    const redisUrl = process.env.REDIS_URL && !values['no-redis'] ? process.env.REDIS_URL : '';
    const runs: Row[][] = [];
    for (let round = 1; round <= rounds; round++) {
      const tag = rounds > 1 ? `round ${round}/${rounds}: ` : '';
      const row: Row[] = [];
      say(`${tag}raw node:http …`);
      row.push(await measure('raw node:http', 'raw', load, opts));
      say(`${tag}gateway (memory state) …`);
      row.push(await measure('gateway (memory)', 'gateway', load, opts));
      if (redisUrl) {
        say(`${tag}gateway (Redis state) …`);
        row.push(await measure('gateway (redis)', 'gateway', load, { ...opts, redisUrl }));
      }
      runs.push(row);
    }
    const rows = runs[0].map((_, k) => medianRow(runs.map((r) => r[k])));
    const note = `load generator: ${load.describe}${rounds > 1 ? `; medians of ${rounds} rounds` : ''}`;
    process.stdout.write(`${table(rows)}\n(${note})\n\n`);
    const ratios: Record<string, number> = {};
    const perRound: Record<string, number[]> = {};
    for (let k = 1; k < rows.length; k++) {
      const name = rows[k].name;
      perRound[name] = runs.map((r) => Math.round((r[k].rps / r[0].rps) * 100) / 100);
      ratios[name] = Math.round(median(perRound[name]) * 100) / 100;
      const each = rounds > 1 ? ` (rounds: ${perRound[name].map((x) => x.toFixed(2)).join(' / ')})` : '';
      process.stdout.write(`ratio ${name} / raw: ${ratios[name].toFixed(2)}${each}\n`);
    }
    for (const r of rows.filter((x) => x.usageBacklog !== undefined)) {
      // Issue 31: does the usage writer (worker thread, rollups included) keep up at this rate?
      process.stdout.write(
        `usage writer, ${r.name}: ${r.usageBacklog} calls without their usage row when the run ended (median; ${((r.usageBacklog ?? 0) / Math.max(1, r.rps)).toFixed(2)} s of traffic at ${r.rps} req/s), all written ${r.usageDrainS} s later at most\n`,
      );
    }
    if (values.json) {
      mkdirSync(resolve(values.json, '..'), { recursive: true });
      writeFileSync(
        values.json,
        JSON.stringify(
          {
            at: new Date().toISOString(),
            generator: load.describe,
            opts,
            rounds,
            rows,
            ratios,
            perRound,
            runs,
          },
          null,
          2,
        ),
      );
    }
    return 0;
  },
};

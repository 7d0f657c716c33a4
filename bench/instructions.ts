import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';
import { SERVE_NODE_FLAGS } from '../src/platform/node-flags.ts';

/**
 * Instructions per call, counted by valgrind's callgrind: a measure of the servers' own work that
 * a noisy shared machine does not move. Timed runs of one build on these VMs vary by ±20 % from one
 * run to the next (docs/performance.md), which hides changes worth a few per cent; the serving
 * thread's instruction count varies by ~1 % between runs of one build. It counts user-space
 * instructions only: the kernel's share (socket reads and writes) and cache misses are not in it,
 * so it says which build does less work, not how much faster it is.
 *
 *   node bench/instructions.ts [--kind gateway|raw] [--warmup 10000] [--calls 8000] [--idle 10]
 *
 * The server (bench/bench-server.ts, the same as `darwaza bench`) runs under callgrind with
 * instrumentation off; after `--warmup` calls from 50 keep-alive connections it is switched on for
 * `--calls` calls, then off. The warm-up is long because under valgrind V8's optimising compiler
 * (a helper thread, run one thread at a time with the rest) brings functions to their top tier
 * late: a build counted ~12 % more per call after 4 000 warm-up calls than after 10 000, and more
 * so beside a busy worker thread (docs/performance.md item 45). Prints instructions per call for the serving thread (callgrind's
 * thread 1) and for all other threads together (the usage worker, V8's helpers). A development
 * tool (needs `apt-get install valgrind`); under valgrind a call takes ~3 ms, so anything driven by
 * the clock (the request log's bodies kept per second, timers) weighs more than in a timed run.
 *
 * The clock's share is measured too: before the calls, instrumentation runs for `--idle` seconds
 * with no call (timers only: the event-loop delay histogram's reset, refreshes, sweepers), and the
 * line "net of the clock" subtracts that rate times the measured run's wall time. Valgrind runs a
 * process's threads one at a time, so a build whose other threads do more (a worker evaluating
 * every call) takes longer per call and pays more timer work per call on the serving thread
 * without doing more per call: compare builds on the net figure (docs/performance.md item 41).
 */
const { values: args } = parseArgs({
  options: {
    kind: { type: 'string', default: 'gateway' },
    warmup: { type: 'string', default: '10000' },
    calls: { type: 'string', default: '8000' },
    idle: { type: 'string', default: '10' },
  },
});
const kind = args.kind === 'raw' ? 'raw' : 'gateway';
const warmup = Number(args.warmup);
const calls = Number(args.calls);
const idleS = Number(args.idle);
if (!(calls > 0) || !(warmup >= 0) || !(idleS >= 0))
  throw new Error('--calls, --warmup and --idle take whole numbers');
try {
  execFileSync('valgrind', ['--version'], { stdio: 'ignore' });
} catch {
  console.error('instructions: valgrind is not installed (apt-get install -y valgrind)');
  process.exit(2);
}

type Ready = { port: number; path: string; headers: Record<string, string>; body: string };
const dir = mkdtempSync(join(tmpdir(), 'darwaza-callgrind-'));
const child = spawn(
  'valgrind',
  [
    '--tool=callgrind',
    '--instr-atstart=no',
    '--separate-threads=yes',
    `--callgrind-out-file=${join(dir, 'cg.out')}`,
    process.execPath,
    ...SERVE_NODE_FLAGS,
    resolve(import.meta.dirname, 'bench-server.ts'),
    kind,
    '',
  ],
  { stdio: ['ignore', 'ignore', 'ignore', 'ipc'] },
);
const control = (...a: string[]) =>
  execFileSync('callgrind_control', [...a, String(child.pid)], { stdio: 'ignore' });

/** Instructions in dump `part` (a file per thread, written by the valgrind process: wait for them). */
async function totals(minFiles: number, part: string): Promise<{ serving: number; others: number }> {
  let files: string[] = [];
  for (let i = 0, seen = -1; i < 100 && (files.length < minFiles || files.length !== seen); i++) {
    seen = files.length;
    await new Promise((r) => setTimeout(r, 300));
    files = readdirSync(dir).filter((f) => f.startsWith(`cg.out${part}`));
  }
  let serving = 0;
  let others = 0;
  for (const f of files) {
    const m = /^totals:\s+(\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
    if (!m) continue;
    if (f.endsWith('-01')) serving += Number(m[1]);
    else others += Number(m[1]);
  }
  return { serving, others };
}

try {
  console.error(`instructions: starting the ${kind} server under callgrind (about a minute) …`);
  const ready = await new Promise<Ready>((res, rej) => {
    child.once('exit', (code) => rej(new Error(`the server exited (${code})`)));
    child.on('message', (m: { ready?: Ready; error?: string }) => {
      if (m.ready) res(m.ready);
      if (m.error) rej(new Error(m.error));
    });
  });
  const pool = new Pool(`http://127.0.0.1:${ready.port}`, { connections: 50, pipelining: 1 });
  const drive = async (n: number, label: string) => {
    let left = n;
    let done = 0;
    const tick = setInterval(() => console.error(`instructions: ${label} ${done}/${n}`), 10_000);
    const one = async () => {
      while (left-- > 0) {
        const r = await pool.request({
          method: 'POST',
          path: ready.path,
          headers: ready.headers,
          body: ready.body,
        });
        await r.body.text();
        if (r.statusCode !== 200) throw new Error(`a call answered ${r.statusCode}`);
        done++;
      }
    };
    await Promise.all(Array.from({ length: 50 }, one)).finally(() => clearInterval(tick));
  };
  await drive(warmup, 'warm-up');
  // Dump 1: the clock's share alone (no call for --idle seconds); dump 2: the measured calls.
  const idleStart = Date.now();
  control('-i', 'on');
  if (idleS > 0) {
    console.error(`instructions: ${idleS} s without calls (the timers' share) …`);
    await new Promise((r) => setTimeout(r, idleS * 1000));
  }
  control('-d');
  const idleMs = Date.now() - idleStart;
  const t0 = Date.now();
  await drive(calls, 'measured');
  control('-i', 'off');
  const runMs = Date.now() - t0;
  control('-d');
  await pool.close();
  const idle = await totals(2, '.1-');
  const run = await totals(2, '.2-');
  const perS = (n: number) => (n / idleMs) * 1000;
  const k = (n: number) => `${(n / calls / 1000).toFixed(1)}k`;
  const netServing = run.serving - perS(idle.serving) * (runMs / 1000);
  const netOthers = run.others - perS(idle.others) * (runMs / 1000);
  console.log(
    `${kind}: instructions per call: serving thread ${k(run.serving)}, other threads ${k(run.others)}, total ${k(run.serving + run.others)} (${calls} calls in ${(runMs / 1000).toFixed(1)} s)`,
  );
  if (idleS > 0)
    console.log(
      `${kind}: net of the clock (${(perS(idle.serving) / 1e6).toFixed(2)} M/s on the serving thread and ${(perS(idle.others) / 1e6).toFixed(2)} M/s on the others without calls): serving thread ${k(netServing)}, other threads ${k(netOthers)}`,
    );
} finally {
  if (child.connected) child.send('stop');
  await new Promise((r) => setTimeout(r, 1000));
  child.kill();
  // INSTRUCTIONS_KEEP=dir: keep callgrind's files there (callgrind_annotate cg.out.1-01 for the serving thread).
  if (process.env.INSTRUCTIONS_KEEP) execFileSync('cp', ['-r', dir, process.env.INSTRUCTIONS_KEEP]);
  rmSync(dir, { recursive: true, force: true });
}

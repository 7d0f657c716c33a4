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
 *   node bench/instructions.ts [--kind gateway|raw] [--warmup 4000] [--calls 8000]
 *
 * The server (bench/bench-server.ts, the same as `darwaza bench`) runs under callgrind with
 * instrumentation off; after `--warmup` calls from 50 keep-alive connections it is switched on for
 * `--calls` calls, then off. Prints instructions per call for the serving thread (callgrind's
 * thread 1) and for all other threads together (the usage worker, V8's helpers). A development
 * tool (needs `apt-get install valgrind`); under valgrind a call takes ~3 ms, so anything driven by
 * the clock (the request log's bodies kept per second, timers) weighs more than in a timed run.
 */
const { values: args } = parseArgs({
  options: {
    kind: { type: 'string', default: 'gateway' },
    warmup: { type: 'string', default: '4000' },
    calls: { type: 'string', default: '8000' },
  },
});
const kind = args.kind === 'raw' ? 'raw' : 'gateway';
const warmup = Number(args.warmup);
const calls = Number(args.calls);
if (!(calls > 0) || !(warmup >= 0)) throw new Error('--calls and --warmup take whole numbers');
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
  control('-i', 'on');
  await drive(calls, 'measured');
  control('-i', 'off');
  control('-d');
  await pool.close();
  // The valgrind process writes the dump, a file per thread: wait until no more appear.
  let files: string[] = [];
  for (let i = 0, seen = -1; i < 100 && (files.length === 0 || files.length !== seen); i++) {
    seen = files.length;
    await new Promise((r) => setTimeout(r, 300));
    files = readdirSync(dir).filter((f) => f.startsWith('cg.out.1'));
  }
  let serving = 0;
  let others = 0;
  for (const f of files) {
    const m = /^totals:\s+(\d+)/m.exec(readFileSync(join(dir, f), 'utf8'));
    if (!m) continue;
    if (f.endsWith('-01')) serving += Number(m[1]);
    else others += Number(m[1]);
  }
  const k = (n: number) => `${(n / calls / 1000).toFixed(1)}k`;
  console.log(
    `${kind}: instructions per call: serving thread ${k(serving)}, other threads ${k(others)}, total ${k(serving + others)} (${calls} calls)`,
  );
} finally {
  if (child.connected) child.send('stop');
  await new Promise((r) => setTimeout(r, 1000));
  child.kill();
  rmSync(dir, { recursive: true, force: true });
}

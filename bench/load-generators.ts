import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * The two load generators `darwaza bench` can drive a server with, behind one shape. Both run a
 * closed loop at fixed concurrency (each connection sends its next request when the last answer
 * arrived) against one URL with one method, header set and body.
 *
 * - wrk (C, one thread): the lighter of the two. On a 2-core machine the generator shares the CPU
 *   with the server under test, so the less it needs, the less it takes from the server's own
 *   helper threads (the gateway's usage writer and V8's GC helpers; the raw server has none).
 * - autocannon (Node.js, from the project's dependencies): always available; parses responses in
 *   JavaScript, so it needs more CPU per response, the more so the more header lines a response has.
 *
 * `auto` picks wrk when it is on the PATH (Debian: `apt-get install wrk`) and autocannon otherwise.
 */
export type GeneratorName = 'wrk' | 'autocannon';

export type Target = {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  connections: number;
  /** Seconds. */
  duration: number;
};

export type LoadResult = {
  rps: number;
  total: number;
  ok: number;
  non2xx: number;
  /** Connection errors and time-outs. */
  errors: number;
  p50Ms: number;
  p99Ms: number;
};

export type LoadGenerator = {
  name: GeneratorName;
  /** e.g. "wrk 4.1.0, 1 thread" — printed with the results. */
  describe: string;
  run(t: Target): Promise<LoadResult>;
};

/** The installed wrk's version, or null when there is none on the PATH. */
export function wrkVersion(): string | null {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  if (r.error) return null;
  const m = /wrk\s+(\S+)/.exec(`${r.stdout}${r.stderr}`);
  return m ? m[1] : null;
}

export function pickGenerator(wanted: 'auto' | GeneratorName): LoadGenerator {
  if (wanted === 'autocannon') return autocannonGenerator();
  const version = wrkVersion();
  if (version) return wrkGenerator(version);
  if (wanted === 'wrk') {
    throw new Error('wrk is not installed (Debian: apt-get install wrk); use --generator autocannon');
  }
  return autocannonGenerator();
}

type AutocannonResult = {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  '2xx': number;
  non2xx: number;
  errors: number;
  timeouts: number;
};

function autocannonGenerator(): LoadGenerator {
  const autocannon = createRequire(import.meta.url)('autocannon') as (
    o: Record<string, unknown>,
  ) => Promise<AutocannonResult>;
  const version = (createRequire(import.meta.url)('autocannon/package.json') as { version: string }).version;
  return {
    name: 'autocannon',
    describe: `autocannon ${version}`,
    async run(t) {
      const r = await autocannon({ ...t });
      return {
        rps: r.requests.average,
        total: r.requests.total,
        ok: r['2xx'],
        non2xx: r.non2xx,
        errors: r.errors + r.timeouts,
        p50Ms: r.latency.p50,
        p99Ms: r.latency.p99,
      };
    },
  };
}

/** A Lua long string holding `s` verbatim (no escapes to get wrong). */
export function luaString(s: string): string {
  let eq = '';
  while (s.includes(`]${eq}]`) || s.endsWith(`]${eq}`)) eq += '=';
  // Lua drops a newline right after the opening bracket: give it one to drop.
  return `[${eq}[${s.startsWith('\n') ? '\n' : ''}${s}]${eq}]`;
}

/** The wrk script that sends the target's method, headers and body. */
export function wrkScript(t: Pick<Target, 'method' | 'headers' | 'body'>): string {
  const lines = [`wrk.method = ${luaString(t.method)}`, `wrk.body = ${luaString(t.body)}`];
  for (const [k, v] of Object.entries(t.headers))
    lines.push(`wrk.headers[ ${luaString(k)} ] = ${luaString(v)}`);
  return `${lines.join('\n')}\n`;
}

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000, m: 60_000 };

/** Reads wrk's report (run with --latency). Throws when a figure it needs is missing. */
export function parseWrkReport(out: string): LoadResult {
  const num = (re: RegExp, what: string) => {
    const m = re.exec(out);
    if (!m) throw new Error(`wrk report without ${what}:\n${out}`);
    return m;
  };
  const total = Number(num(/(\d+) requests in /, 'a request count')[1]);
  const rps = Number(num(/Requests\/sec:\s+([\d.]+)/, 'requests/sec')[1]);
  const pct = (p: string) => {
    const m = num(new RegExp(`^\\s*${p}%\\s+([\\d.]+)(us|ms|s|m)\\s*$`, 'm'), `the ${p}% latency`);
    return Number(m[1]) * UNIT_MS[m[2]];
  };
  const non = /Non-2xx or 3xx responses: (\d+)/.exec(out);
  const non2xx = non ? Number(non[1]) : 0;
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
  const errors = sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0;
  return { rps, total, ok: total - non2xx, non2xx, errors, p50Ms: pct('50'), p99Ms: pct('99') };
}

function wrkGenerator(version: string): LoadGenerator {
  return {
    name: 'wrk',
    describe: `wrk ${version}, 1 thread`,
    async run(t) {
      const dir = mkdtempSync(join(tmpdir(), 'darwaza-wrk-'));
      try {
        const script = join(dir, 'request.lua');
        writeFileSync(script, wrkScript(t));
        const args = [
          '-t1',
          `-c${t.connections}`,
          `-d${Math.max(1, Math.ceil(t.duration))}s`,
          '--timeout',
          '10s',
          '--latency',
          '-s',
          script,
          t.url,
        ];
        const out = await new Promise<string>((res, rej) =>
          execFile('wrk', args, { encoding: 'utf8' }, (err, stdout, stderr) => {
            // wrk reports a script error on stderr and then runs without the script: refuse that.
            if (err || stderr.trim()) rej(new Error(`wrk failed: ${err?.message ?? ''}\n${stderr}`));
            else res(stdout);
          }),
        );
        return parseWrkReport(out);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
}

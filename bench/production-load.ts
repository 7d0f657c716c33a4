import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type LoadResult, parseWrkReport, type Target, wrkScript } from './load-generators.ts';
import { processCpuUs } from './production-procs.ts';

/**
 * wrk for `darwaza bench --production`: the same closed loop as load-generators.ts's (one thread,
 * fixed connections, the target's method, headers and body from a Lua script, --latency), run
 * under taskset on the load core, so it never takes CPU from the server under test. Also returns
 * the CPU wrk itself used (read from /proc every 100 ms while it runs: the last reading, so at most
 * ~100 ms of its CPU is missed).
 */
export async function runWrkPinned(cpu: number, t: Target): Promise<LoadResult & { wrkCpuUs: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'darwaza-wrk-'));
  try {
    const script = join(dir, 'request.lua');
    writeFileSync(script, wrkScript(t));
    const args = [
      '-c',
      String(cpu),
      'wrk',
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
    const child = spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let wrkCpuUs = 0;
    child.stdout.on('data', (d: Buffer) => {
      stdout += d;
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d;
    });
    const poll = setInterval(() => {
      try {
        if (child.pid) wrkCpuUs = processCpuUs(child.pid);
      } catch {}
    }, 100);
    const code = await new Promise<number | null>((res) => child.once('close', (c) => res(c)));
    clearInterval(poll);
    // wrk reports a script error on stderr and then runs without the script: refuse that.
    if (code !== 0 || stderr.trim()) throw new Error(`wrk failed (exit ${code}):\n${stderr}`);
    const out = stdout;
    return { ...parseWrkReport(out), wrkCpuUs };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

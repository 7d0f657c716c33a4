import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';

/**
 * Process plumbing of `darwaza bench --production`: start a program pinned to one core (taskset,
 * before it runs, so every thread it ever makes stays there), wait for its port, read its CPU time
 * and the cores' busy time from /proc, stop it. Linux only, as the production bench is.
 */
export type Pinned = {
  child: ChildProcess;
  pid: number;
  /** Kills the process (SIGTERM, SIGKILL after 5 s) and waits for it to exit. */
  stop(): Promise<void>;
};

const live = new Set<Pinned>();

/** The pinned processes started and not yet exited (for a cleanup on SIGINT/SIGTERM). */
export function livePinned(): Pinned[] {
  return [...live];
}

/** Starts `cmd args` with its affinity set to `cpu` from the first instruction. */
export function spawnPinned(
  cpu: number,
  cmd: string,
  args: string[],
  opts: { stdio?: Array<'ignore' | 'inherit' | 'pipe' | 'ipc'>; env?: NodeJS.ProcessEnv } = {},
): Pinned {
  // taskset execs the program: the pid (and the IPC channel, when asked for) are the program's.
  const child = spawn('taskset', ['-c', String(cpu), cmd, ...args], {
    stdio: opts.stdio ?? ['ignore', 'ignore', 'pipe'],
    env: opts.env ?? process.env,
  });
  if (child.pid === undefined) throw new Error(`cannot start ${cmd} (is taskset installed?)`);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const p: Pinned = {
    child,
    pid: child.pid,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(t);
    },
  };
  live.add(p);
  child.once('exit', () => live.delete(p));
  return p;
}

/** A port nothing listens on right now (the OS's choice; the caller binds it soon after). */
export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
  });
}

/** Resolves once 127.0.0.1:`port` accepts a connection; rejects after `ms` or when `child` exits. */
export async function waitForPort(
  port: number,
  child: ChildProcess,
  what: string,
  ms = 15_000,
): Promise<void> {
  const until = Date.now() + ms;
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString('utf8');
  });
  while (Date.now() < until) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`${what} exited (${child.exitCode ?? child.signalCode}) before listening:\n${stderr}`);
    }
    const up = await new Promise<boolean>((res) => {
      const s = new Socket();
      s.once('connect', () => {
        s.destroy();
        res(true);
      });
      s.once('error', () => res(false));
      s.connect(port, '127.0.0.1');
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${what} did not listen on port ${port} within ${ms} ms:\n${stderr}`);
}

const TICK_US = 1_000_000 / 100; // USER_HZ is 100 on Linux

/** CPU time (user + system, all threads) the process `pid` has used, in µs. */
export function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces), from field 3 on: utime is 14, stime 15.
  const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(rest[11]) + Number(rest[12])) * TICK_US;
}

/** Per core: [busy, total] jiffies since boot (busy = all but idle and iowait). */
export function coreTimes(): Map<number, [number, number]> {
  const out = new Map<number, [number, number]>();
  for (const line of readFileSync('/proc/stat', 'utf8').split('\n')) {
    const m = /^cpu(\d+) (.*)$/.exec(line);
    if (!m) continue;
    const f = m[2].trim().split(/\s+/).map(Number);
    const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
    out.set(Number(m[1]), [total - f[3] - f[4], total]);
  }
  return out;
}

/** Share (0–1) of each core that was busy between two coreTimes() readings. */
export function coreBusy(
  a: Map<number, [number, number]>,
  b: Map<number, [number, number]>,
): Map<number, number> {
  const out = new Map<number, number>();
  for (const [cpu, [busy1, total1]] of b) {
    const [busy0, total0] = a.get(cpu) ?? [0, 0];
    out.set(cpu, total1 > total0 ? (busy1 - busy0) / (total1 - total0) : 0);
  }
  return out;
}

/** The first line of `cmd args` (stdout, else stderr), or null when it cannot run. */
export function firstLineOf(cmd: string, args: string[]): string | null {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) return null;
  return `${r.stdout}${r.stderr}`.trim().split('\n')[0] ?? null;
}

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';

/** Helpers for tests that run the real `darwaza` program as a child process. */
export const root = resolve(import.meta.dirname, '..');
export const nodeBin = process.execPath;
export const cliPath = resolve(root, 'src', 'cli.ts');
/** The program as installed (`darwaza`, `npm run …`): src/cli.ts plus the commands outside src (bench). */
const binPath = resolve(root, 'bin', 'darwaza.mjs');

/**
 * Child processes default to the embedded setup (SQLite, in-process state) unless a test says
 * otherwise, and start no upstream simulator beside `serve` (tests start their own: upstream-helpers.ts).
 */
const embedded = { DATABASE_URL: '', REDIS_URL: '', UPSTREAM_SIM_PORT: '0' };

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => res(port));
    });
    s.on('error', rej);
  });
}

export type Running = {
  child: ChildProcess;
  port: number;
  url: string;
  stderr: () => string;
  exited: Promise<number | null>;
};

export type Finished = { code: number | null; stdout: string; stderr: string };

export function runCli(args: string[], env: Record<string, string>): Promise<Finished> {
  return runProgram(nodeBin, [cliPath, ...args], { ...embedded, ...env });
}

/**
 * `darwaza …` (src/cli.ts) run to its end, synchronously, on the embedded setup with its data in
 * `dataDir`: for suites that drive the command line on one throwaway SQLite data directory.
 */
export function cliOn(
  dataDir: string,
): (...args: string[]) => { status: number | null; stdout: string; stderr: string } {
  return (...args) => {
    const r = spawnSync(nodeBin, [cliPath, ...args], {
      cwd: root,
      env: { ...process.env, ...embedded, DATA_DIR: dataDir, LOG_LEVEL: 'silent', NODE_ENV: 'test' },
      encoding: 'utf8',
      timeout: 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
}

/** Runs `darwaza …` the way `npx darwaza` and the npm scripts do (bin/darwaza.mjs). */
export function runDarwaza(args: string[], env: Record<string, string>): Promise<Finished> {
  return runProgram(nodeBin, [binPath, ...args], { ...embedded, ...env });
}

/** Runs a program in the repository's directory to its end, with everything it printed. */
export function runProgram(program: string, args: string[], env: Record<string, string>): Promise<Finished> {
  return new Promise((res) => {
    const child = spawn(program, args, { env: { ...process.env, ...env }, cwd: root });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('exit', (code) => res({ code, stdout, stderr }));
  });
}

export async function startServer(env: Record<string, string>, args: string[] = []): Promise<Running> {
  const port = Number(env.PORT ?? (await freePort()));
  const child = spawn(nodeBin, [cliPath, 'serve', ...args], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...embedded, ...env, PORT: String(port), HOST: '127.0.0.1' },
    cwd: root,
  });
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  child.stdout?.on('data', () => {});
  const exited = new Promise<number | null>((res) => child.on('exit', (code) => res(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}): ${err}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {}
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not become healthy: ${err}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { child, port, url, stderr: () => err, exited };
}

import { type ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort, nodeBin, root } from './process-helpers.ts';

/**
 * The simulated production upstream as the real separate process (`darwaza upstream --port N`),
 * for the production-path tests: start it on a port, read its hit counts, make it fail, stop it
 * and start it again on the same port.
 */
export type UpstreamProcess = {
  port: number;
  url: string;
  child: ChildProcess;
  hits(): Promise<Record<string, number>>;
  /** The next `next` operation calls are answered with a 503 or a dropped connection. */
  faults(next: number, answer: 'reset' | 503): Promise<void>;
  /** SIGTERM, and its exit code. */
  stop(): Promise<number | null>;
};

const bin = resolve(root, 'bin', 'darwaza.mjs');

export async function startUpstream(port?: number, args: string[] = []): Promise<UpstreamProcess> {
  const p = port ?? (await freePort());
  const child = spawn(nodeBin, [bin, 'upstream', '--port', String(p), ...args], { cwd: root });
  let out = '';
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((ok, fail) => {
    // A start that fails kills the child: a process left running would keep the test file alive.
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      fail(new Error(`upstream did not start within 60 s: ${err}`));
    }, 60_000);
    child.stdout?.on('data', (d) => {
      out += d;
      if (out.includes('simulated production upstream on')) {
        clearTimeout(timer);
        ok();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      fail(new Error(`upstream exited (${code}): ${err}`));
    });
  });
  const url = `http://127.0.0.1:${p}`;
  return {
    port: p,
    url,
    child,
    hits: async () => (await fetch(`${url}/_sim/hits`)).json() as Promise<Record<string, number>>,
    async faults(next, answer) {
      const r = await fetch(`${url}/_sim/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ next, answer }),
      });
      await r.arrayBuffer();
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

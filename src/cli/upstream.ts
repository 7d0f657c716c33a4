import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { startUpstreamSimulator } from '../modules/sandbox/index.ts';
import { type CliCommand, fail } from './command.ts';

/** Default port of the simulated upstream (UPSTREAM_SIM_PORT; `--port` wins). */
const UPSTREAM_SIM_DEFAULT_PORT = 3100;

/**
 * `darwaza upstream [--port N] [--host H]`: the simulated production upstream as its own process
 * (sandbox/upstream-server.ts). It prints one line with its URL once it listens, and stops on
 * SIGTERM/SIGINT. `npm start` in development starts one (cli/serve.ts); `darwaza bench
 * --production` and the tests start their own on a port of their choosing.
 */
export const upstreamCommand: CliCommand = {
  name: 'upstream',
  summary: 'Run the simulated production upstream (development)',
  usage: `darwaza upstream [--port N] [--host H] [--timeout-delay-ms MS]

Serves the sandbox's product operations over HTTP at their paths (POST /path-1, …) as the
production upstream the gateway proxies to. Port: --port, else UPSTREAM_SIM_PORT, else ${UPSTREAM_SIM_DEFAULT_PORT}
(0 = any free port); host 127.0.0.1. --timeout-delay-ms: the lost-answer scenarios' delay (default 2000).
Worlds live in memory: a restart starts them afresh. Stops on SIGTERM/SIGINT.`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: {
        port: { type: 'string' },
        host: { type: 'string' },
        'timeout-delay-ms': { type: 'string' },
      },
      allowPositionals: false,
    });
    const port = Number(values.port ?? process.env.UPSTREAM_SIM_PORT ?? UPSTREAM_SIM_DEFAULT_PORT);
    if (!Number.isInteger(port) || port < 0 || port > 65_535) fail(`--port must be 0–65535`, 2);
    const delay = values['timeout-delay-ms'] === undefined ? undefined : Number(values['timeout-delay-ms']);
    if (delay !== undefined && !(Number.isInteger(delay) && delay >= 0 && delay <= 3000))
      fail('--timeout-delay-ms must be 0–3000', 2);
    const sim = await startUpstreamSimulator({ port, host: values.host, timeoutDelayMs: delay }).catch(
      (err: Error) => fail(`the simulated upstream cannot listen on port ${port}: ${err.message}`, 3),
    );
    const stop = () => void sim.close().then(() => process.exit(0));
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.stdout.write(`darwaza upstream: simulated production upstream on ${sim.url}\n`);
    return -1;
  },
};

/**
 * The development upstream beside `serve` (npm start, NODE_ENV=development, role all): a child
 * `darwaza upstream --port UPSTREAM_SIM_PORT`. It watches this process (DARWAZA_LAUNCHER_PID, as
 * bin/darwaza.mjs does its launcher) so it also stops when `serve` dies without stopping it; a port
 * already taken (another simulator) is one warning line, and `serve` goes on.
 */
export function startDevelopmentUpstream(port: number): { stop(): Promise<void> } {
  const bin = resolve(import.meta.dirname, '..', '..', 'bin', 'darwaza.mjs');
  const child = spawn(process.execPath, [bin, 'upstream', '--port', String(port)], {
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, DARWAZA_LAUNCHER_PID: String(process.pid) },
  });
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.once('exit', (code) => {
    if (code === 3) process.stderr.write(`darwaza: upstream simulator not started (port ${port} in use)\n`);
  });
  return {
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      await exited;
    },
  };
}

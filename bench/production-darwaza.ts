import { fork } from 'node:child_process';
import { resolve } from 'node:path';
import { SERVE_NODE_FLAGS } from '../src/platform/node-flags.ts';
import { type Pinned, spawnPinned } from './production-procs.ts';

/**
 * Row (d) of `darwaza bench --production`, the orchestrator's side. `prepareDarwaza` makes, once
 * per run and in a child process, Darwaza's data: SQLite under `dataDir`, an app with production
 * access and a production access token, the product's upstream pointing at the run's upstream.
 * `startDarwaza` then runs a gateway process (`--role gateway`, the V8 flags `npm start` uses) on
 * that data, pinned to the server core, for one row; its stop ends the process.
 */
export type DarwazaSetup = {
  dataDir: string;
  /** The credentials of the app's production calls (the peer gets the same ones). */
  client: { clientId: string; token: string };
  provider: string;
  /** The production title fetch, e.g. /darwaza/production/path-1. */
  path: string;
};

const SERVER = resolve(import.meta.dirname, 'production-darwaza-server.ts');

type Message = { setup?: DarwazaSetup; ready?: { port: number }; error?: string };

/** The child's first message; rejects if it exits first (only this function's listeners are removed). */
function firstMessage(child: import('node:child_process').ChildProcess, what: string): Promise<Message> {
  return new Promise((res, rej) => {
    const onExit = (code: number | null) => rej(new Error(`${what} exited (${code})`));
    child.once('exit', onExit);
    child.once('message', (m: Message) => {
      child.off('exit', onExit);
      if (m.error) rej(new Error(m.error));
      else res(m);
    });
  });
}

export async function prepareDarwaza(dataDir: string, upstreamUrl: string): Promise<DarwazaSetup> {
  const child = fork(SERVER, ['prepare', dataDir, upstreamUrl], {
    execPath: process.execPath,
    stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
  });
  try {
    const m = await firstMessage(child, 'the Darwaza setup');
    if (!m.setup) throw new Error('the Darwaza setup sent no setup');
    return m.setup;
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

export async function startDarwaza(
  setup: DarwazaSetup,
  cpu: number,
): Promise<{ proc: Pinned; port: number; stop(): Promise<void> }> {
  const proc = spawnPinned(
    cpu,
    process.execPath,
    [...process.execArgv, ...SERVE_NODE_FLAGS, SERVER, 'serve', setup.dataDir],
    { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] },
  );
  let m: Message;
  try {
    m = await firstMessage(proc.child, 'the Darwaza gateway');
  } catch (err) {
    await proc.stop();
    throw err;
  }
  if (!m.ready) {
    await proc.stop();
    throw new Error('the Darwaza gateway sent no ready message');
  }
  return { proc, port: m.ready.port, stop: () => proc.stop() };
}

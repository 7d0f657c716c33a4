import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { freePort, root } from './process-helpers.ts';

/**
 * SIGTERM sent to whatever launched the server — npm's own process for `npm start` (what a
 * container runtime or process manager signals), or bin/darwaza.mjs re-spawning the pinned Node
 * when the Node on PATH is older — stops the server: its port closes and no process of it is left
 * within 5 s. Each test finds the server's processes by their unique DATA_DIR (Linux /proc).
 */
const linux = process.platform === 'linux';
const dirs: string[] = [];
const started: number[] = [];
after(() => {
  // Nothing a failed test left behind outlives the suite.
  for (const d of dirs) {
    for (const pid of processesWith(d)) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    rmSync(d, { recursive: true, force: true });
  }
  for (const pid of started) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
});

/** Pids of processes whose environment has DATA_DIR=`dataDir`. */
function processesWith(dataDir: string): number[] {
  const needle = `DATA_DIR=${dataDir}\0`;
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(needle)) pids.push(Number(entry));
    } catch {
      // gone meanwhile, or not ours
    }
  }
  return pids;
}

async function healthy(url: string, child: ChildProcess, err: () => string): Promise<void> {
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`exited early: ${err()}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return;
    } catch {}
    if (Date.now() > deadline) throw new Error(`not healthy in time: ${err()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Resolves with the ms it took until nothing listens on `url` and no process has `dataDir`. */
async function goneWithin(url: string, dataDir: string, t0: number, limitMs: number): Promise<number> {
  for (;;) {
    let listening = true;
    try {
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(500) });
    } catch {
      listening = false;
    }
    const left = processesWith(dataDir);
    if (!listening && left.length === 0) return Date.now() - t0;
    if (Date.now() - t0 > limitMs) {
      assert.fail(
        `after ${limitMs} ms: listening=${listening}, processes left: ${left.join(', ') || 'none'}`,
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}

function launch(cmd: string, args: string[], dataDir: string, port: number) {
  const child = spawn(cmd, args, {
    cwd: root,
    env: {
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      NODE_ENV: 'test',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  if (child.pid) started.push(child.pid);
  let err = '';
  child.stderr?.on('data', (d) => {
    err += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) =>
    child.on('exit', (code, signal) => res({ code, signal })),
  );
  return { child, exited, err: () => err };
}

const npmFound = spawnSync('npm', ['--version'], { encoding: 'utf8' }).status === 0;

describe('SIGTERM to npm start', {
  skip: !linux ? 'needs Linux /proc' : !npmFound && 'npm not on PATH',
}, () => {
  test("SIGTERM to npm's own process stops the server within 5 s (port closed, no process left)", async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dz-npm-start-'));
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const npm = launch('npm', ['start'], dataDir, port);
    await healthy(url, npm.child, npm.err);
    // npm → sh -c "node … bin/darwaza.mjs serve" → node: three processes carry the DATA_DIR.
    assert.ok(processesWith(dataDir).length >= 2, 'npm and its script are running');
    const t0 = Date.now();
    npm.child.kill('SIGTERM');
    const ms = await goneWithin(url, dataDir, t0, 5000);
    await npm.exited;
    assert.ok(ms < 5000, `${ms} ms`);
  });
});

/** A Node older than 24 on this machine, to run bin/darwaza.mjs the way `npx darwaza` would. */
function olderNode(): string | null {
  for (const candidate of ['/usr/bin/node', '/usr/local/bin/node']) {
    const r = spawnSync(candidate, ['-p', 'process.versions.node'], { encoding: 'utf8' });
    if (r.status === 0 && Number(r.stdout.split('.')[0]) < 24) return candidate;
  }
  return null;
}
const oldNode = linux ? olderNode() : null;

describe('bin/darwaza.mjs on an older Node re-spawns the pinned one', {
  skip: !linux ? 'needs Linux /proc' : !oldNode && 'no Node older than 24 installed here',
}, () => {
  test('SIGTERM to the wrapper reaches the server: graceful stop, the wrapper exits 0', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dz-wrapper-term-'));
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const w = launch(oldNode as string, ['bin/darwaza.mjs', 'serve', '--no-seed'], dataDir, port);
    await healthy(url, w.child, w.err);
    assert.equal(processesWith(dataDir).length, 2, 'the wrapper and the pinned Node');
    const t0 = Date.now();
    w.child.kill('SIGTERM');
    await goneWithin(url, dataDir, t0, 5000);
    assert.deepEqual(await w.exited, { code: 0, signal: null }, w.err());
  });

  test('when the wrapper is killed outright (SIGKILL), the server notices and stops within 5 s', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'dz-wrapper-kill-'));
    dirs.push(dataDir);
    const port = await freePort();
    const url = `http://127.0.0.1:${port}`;
    const w = launch(oldNode as string, ['bin/darwaza.mjs', 'serve', '--no-seed'], dataDir, port);
    await healthy(url, w.child, w.err);
    const t0 = Date.now();
    w.child.kill('SIGKILL');
    await goneWithin(url, dataDir, t0, 5000);
  });
});

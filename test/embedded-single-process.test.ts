import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import pg from 'pg';
import { gatewayApp, titleFetch } from './gateway-fixture.ts';
import { cliPath, freePort, nodeBin, type Running, root, runCli, startServer } from './process-helpers.ts';

/**
 * The embedded mode (no REDIS_URL) is one serving process per database (ADR 0006): a second
 * `darwaza serve` refuses to start in one line naming REDIS_URL, while the admin CLI, migrate and
 * seed still work beside the server; a stale lock (the server was killed outright) does not block
 * the next start; and a graceful restart inside an hour window keeps the window's count. Run on
 * SQLite always and on PostgreSQL (without Redis) when DATABASE_URL is set.
 */
const L = 5;
const dirs: string[] = [];
const running: Running[] = [];
after(() => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

type Engine = {
  name: string;
  skip: string | false;
  env(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }>;
};

const engines: Engine[] = [
  {
    name: 'SQLite',
    skip: false,
    env: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'dz-single-'));
      dirs.push(dir);
      return { env: { DATA_DIR: dir }, cleanup: async () => {} };
    },
  },
  {
    name: 'PostgreSQL',
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL not set',
    env: async () => {
      const url = process.env.DATABASE_URL as string;
      const schema = `t_single_${randomBytes(5).toString('hex')}`;
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`create schema ${schema}`);
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      const dir = mkdtempSync(join(tmpdir(), 'dz-single-pg-'));
      dirs.push(dir);
      return {
        env: { DATABASE_URL: u.toString(), DATA_DIR: dir },
        cleanup: async () => {
          await admin.query(`drop schema if exists ${schema} cascade`);
          await admin.end();
        },
      };
    },
  },
];

/** The engine's settings plus what every server of these tests shares: its own master key, quiet logs. */
async function serveEnv(engine: Engine) {
  const { env, cleanup } = await engine.env();
  return {
    env: { ...env, MASTER_KEY: randomBytes(32).toString('base64'), NODE_ENV: 'test', LOG_LEVEL: 'warn' },
    cleanup,
  };
}

/** Waits past the next hour edge when it is too close for the test to stay inside one window. */
async function clearOfHourEdge(needMs: number): Promise<void> {
  const msToEdge = 3_600_000 - (Date.now() % 3_600_000);
  if (msToEdge < needMs) await new Promise((r) => setTimeout(r, msToEdge + 200));
}

async function calls(s: Running, app: { clientId: string; token: string }, n: number, tag: string) {
  const statuses: number[] = [];
  for (let i = 0; i < n; i++) statuses.push(await titleFetch(s.url, app, `req-${tag}-${i}`));
  return statuses;
}

for (const engine of engines) {
  describe(`one serving process per ${engine.name} database without REDIS_URL`, { skip: engine.skip }, () => {
    test('a second serve refuses naming REDIS_URL; admin CLI, migrate and seed work beside the server; a killed server leaves no lock behind', {
      timeout: 300_000,
    }, async () => {
      const { env, cleanup } = await serveEnv(engine);
      try {
        const first = await startServer(env, ['--role', 'gateway', '--no-seed']);
        running.push(first);
        // Bounded: a second server that does start is stopped after 30 s (and the test fails).
        const port = String(await freePort());
        const second = spawnSync(nodeBin, [cliPath, 'serve', '--role', 'gateway', '--no-seed'], {
          cwd: root,
          env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', ...env, PORT: port },
          encoding: 'utf8',
          timeout: 30_000,
          killSignal: 'SIGKILL',
        });
        assert.equal(second.status, 3, `second serve: status ${second.status}, ${second.stderr}`);
        const lines = second.stderr.trim().split('\n');
        assert.equal(lines.length, 1, second.stderr);
        assert.match(lines[0], /^darwaza: another darwaza serve is already running on .*REDIS_URL/);
        // The refused server changed nothing: the first one still answers.
        assert.equal((await fetch(`${first.url}/healthz`)).status, 200);

        for (const args of [
          ['migrate'],
          ['seed'],
          ['admin', 'create-participant', '--name', 'Beside Bank'],
        ]) {
          const r = await runCli(args, { ...env, LOG_LEVEL: 'silent' });
          assert.equal(r.code, 0, `${args.join(' ')}: ${r.stderr}`);
        }

        first.child.kill('SIGKILL');
        await first.exited;
        const again = await startServer(env, ['--role', 'gateway', '--no-seed']);
        running.push(again);
        assert.equal((await fetch(`${again.url}/readyz`)).status, 200);
        again.child.kill('SIGTERM');
        assert.equal(await again.exited, 0, again.stderr());
      } finally {
        await cleanup();
      }
    });

    test(`a graceful restart inside the hour keeps the count: ${L}/hour admits ${L} across two processes, not ${2 * L}`, {
      timeout: 300_000,
    }, async () => {
      const { env, cleanup } = await serveEnv(engine);
      try {
        const app = await gatewayApp(env, L);
        await clearOfHourEdge(150_000);
        const first = await startServer(env, ['--role', 'gateway', '--no-seed']);
        running.push(first);
        assert.deepEqual(await calls(first, app, 3, 'before'), [200, 200, 200]);
        first.child.kill('SIGTERM');
        assert.equal(await first.exited, 0, first.stderr());

        const second = await startServer(env, ['--role', 'gateway', '--no-seed']);
        running.push(second);
        assert.deepEqual(await calls(second, app, 4, 'after'), [200, 200, 429, 429]);
        second.child.kill('SIGTERM');
        assert.equal(await second.exited, 0, second.stderr());
      } finally {
        await cleanup();
      }
    });
  });
}

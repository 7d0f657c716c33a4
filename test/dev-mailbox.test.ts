import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, tokenFromMail } from './identity-helpers.ts';
import { cliPath, freePort, nodeBin, root } from './process-helpers.ts';

/**
 * The development mailbox shows every reset link, so it must never be a takeover path: off unless
 * the server listens on loopback (0.0.0.0 and :: are not), and even then only for requests whose
 * Host names loopback (a DNS-rebinding page sends its own name). DEV_MAILBOX_UNSAFE_PUBLIC=true is
 * the one way to open it, and then it says so.
 */
describe('development mailbox over HTTP', () => {
  const systems: TestSystem[] = [];
  after(async () => {
    for (const s of systems) await s.cleanup();
  });
  const start = async (env: Record<string, string> = {}) => {
    const s = await startTestSystem({ env: { NODE_ENV: 'development', ...env } });
    systems.push(s);
    return s;
  };
  const mailbox = (sys: TestSystem, host: string, to?: string) =>
    sys.app.inject({
      url: `/api/v1/dev/mail${to ? `?to=${encodeURIComponent(to)}` : ''}`,
      headers: { host },
    });

  test('on loopback: answers loopback Host names only, so a rebinding page reads no reset link', async () => {
    const sys = await start({ HOST: '127.0.0.1' });
    const user = await activeUser(sys);
    await sys.app.inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: user.email } });
    const token = await tokenFromMail(sys, user.email, 'password_reset');

    for (const host of ['localhost:3000', '127.0.0.1:3000', '[::1]:3000', 'localhost']) {
      const ok = await mailbox(sys, host, user.email);
      assert.equal(ok.statusCode, 200, `${host}: ${ok.body}`);
      assert.ok(ok.body.includes(token), host);
      assert.equal(ok.json().exposure, 'loopback');
      assert.equal(ok.headers['cache-control'], 'no-store');
    }
    for (const host of [
      'evil.example',
      'evil.example:3000',
      'localhost.evil.example:3000',
      '127.0.0.1.nip.io',
    ]) {
      const refused = await mailbox(sys, host, user.email);
      assert.equal(refused.statusCode, 403, host);
      assert.equal(refused.json().error.code, 'dev_mailbox_host_refused');
      assert.ok(!refused.body.includes(token), host);
    }
  });

  test('listening on every interface (0.0.0.0, ::) or a public address: not served at all', async () => {
    for (const HOST of ['0.0.0.0', '::', '192.0.2.10']) {
      const sys = await start({ HOST });
      const r = await mailbox(sys, 'localhost:3000');
      assert.equal(r.statusCode, 404, HOST);
      assert.equal(r.json().error.code, 'dev_mailbox_disabled');
    }
  });

  test('DEV_MAILBOX_UNSAFE_PUBLIC=true opens it on any address to any Host, and the answer says so', async () => {
    const sys = await start({ HOST: '0.0.0.0', DEV_MAILBOX_UNSAFE_PUBLIC: 'true' });
    const r = await mailbox(sys, 'evil.example');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().exposure, 'unsafe-public');
  });

  test('production: off, whatever the Host', async () => {
    const sys = await start({ NODE_ENV: 'production', HOST: '127.0.0.1' });
    const r = await mailbox(sys, 'localhost:3000');
    assert.equal(r.statusCode, 404);
    assert.equal(r.json().error.code, 'dev_mailbox_disabled');
  });
});

/** `darwaza serve` as `npm start` runs it (development), on a real socket. */
async function serve(env: Record<string, string>) {
  const port = await freePort();
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-devmail-'));
  const child: ChildProcess = spawn(nodeBin, [cliPath, 'serve', '--no-seed'], {
    env: {
      ...process.env,
      DATABASE_URL: '',
      REDIS_URL: '',
      NODE_ENV: 'development',
      LOG_LEVEL: 'warn',
      DATA_DIR: dataDir,
      PUBLIC_URL: '',
      PORT: String(port),
      ...env,
    },
    cwd: root,
  });
  let stderr = '';
  child.stderr?.on('data', (d) => {
    stderr += d;
  });
  child.stdout?.on('data', () => {});
  const exited = new Promise<void>((res) => child.on('exit', () => res()));
  const deadline = Date.now() + 120_000;
  // The start line is written once the server listens.
  while (!/^darwaza \S+: all on /m.test(stderr)) {
    if (child.exitCode !== null) throw new Error(`server exited early: ${stderr}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    startLine: () => stderr.split('\n').find((l) => /^darwaza \S+: all on /.test(l)) ?? '',
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** GET through a real socket to 127.0.0.1 with any Host header (fetch would not let us set it). */
function get(port: number, path: string, host: string): Promise<{ status: number; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, headers: { host } }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c) => {
        body += c;
      });
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('error', rej);
    req.end();
  });
}

describe('development mailbox of the real server', () => {
  let off: Awaited<ReturnType<typeof serve>>;
  before(async () => {
    off = await serve({ HOST: '0.0.0.0' });
  });
  after(() => off.stop());

  test('HOST=0.0.0.0: not served, and the start line says it is off', async () => {
    const r = await get(off.port, '/api/v1/dev/mail', `localhost:${off.port}`);
    assert.equal(r.status, 404, r.body);
    assert.equal(JSON.parse(r.body).error.code, 'dev_mailbox_disabled');
    assert.match(off.startLine(), /development mailbox off \(HOST is not a loopback address\)/);
  });

  test('HOST=127.0.0.1: a foreign Host is refused, localhost is served', async () => {
    const s = await serve({ HOST: '127.0.0.1' });
    try {
      const foreign = await get(s.port, '/api/v1/dev/mail', 'evil.example');
      assert.equal(foreign.status, 403, foreign.body);
      assert.equal(JSON.parse(foreign.body).error.code, 'dev_mailbox_host_refused');
      const local = await get(s.port, '/api/v1/dev/mail', `localhost:${s.port}`);
      assert.equal(local.status, 200, local.body);
      assert.match(s.startLine(), /development mailbox at \/api\/v1\/dev\/mail for loopback requests only/);
    } finally {
      await s.stop();
    }
  });

  test('DEV_MAILBOX_UNSAFE_PUBLIC=true: the start line warns plainly', async () => {
    const s = await serve({ HOST: '127.0.0.1', DEV_MAILBOX_UNSAFE_PUBLIC: 'true' });
    try {
      assert.match(
        s.stderr(),
        /WARNING: DEV_MAILBOX_UNSAFE_PUBLIC=true: the development mailbox .* is open to anyone/,
      );
      const foreign = await get(s.port, '/api/v1/dev/mail', 'evil.example');
      assert.equal(foreign.status, 200);
      assert.equal(JSON.parse(foreign.body).exposure, 'unsafe-public');
    } finally {
      await s.stop();
    }
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, describe, test } from 'node:test';
import { runCli, startServer } from './process-helpers.ts';

/** The program as a new user runs it: bad settings, start, stop, crash and restart. */
const dirs: string[] = [];
function dataDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'dz-proc-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe('bad configuration stops the program with one readable line', () => {
  for (const [name, env] of [
    ['PORT=abc', { PORT: 'abc' }],
    ['DATABASE_URL=nonsense', { DATABASE_URL: 'nonsense' }],
    ['ROLE=boss', { ROLE: 'boss' }],
  ] as const) {
    test(name, async () => {
      const r = await runCli(['serve'], { ...env, DATA_DIR: dataDir() });
      assert.notEqual(r.code, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, r.stderr);
      assert.match(lines[0], new RegExp(`^darwaza: invalid setting ${name.split('=')[0]}: `));
    });
  }

  test('an unreachable database is reported in one line', async () => {
    const r = await runCli(['migrate'], {
      DATABASE_URL: 'postgres://nobody@127.0.0.1:1/nothing',
      DATA_DIR: dataDir(),
    });
    assert.notEqual(r.code, 0);
    assert.match(
      r.stderr.trim(),
      /^darwaza: cannot reach the database at postgres:\/\/127\.0\.0\.1:1\/nothing: /,
    );
  });
});

describe('CLI help', () => {
  test('every command answers --help', async () => {
    const top = await runCli(['--help'], {});
    assert.equal(top.code, 0);
    for (const cmd of ['serve', 'migrate', 'seed', 'version']) {
      assert.match(top.stdout, new RegExp(`\\b${cmd}\\b`));
      const r = await runCli([cmd, '--help'], {});
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, new RegExp(`darwaza ${cmd}`));
    }
  });
});

describe('serve', () => {
  test('starts, answers health, readiness, metrics and the web shell, and stops on SIGTERM with exit 0 within 5 s', async () => {
    const s = await startServer({ DATA_DIR: dataDir() });
    assert.equal((await fetch(`${s.url}/readyz`)).status, 200);
    const metrics = await (await fetch(`${s.url}/metrics`)).text();
    assert.match(metrics, /# TYPE darwaza_http_requests_total counter/);
    const home = await fetch(`${s.url}/`);
    assert.equal(home.status, 200);
    assert.match(await home.text(), /<div id="root"><\/div>/);
    const deep = await fetch(`${s.url}/apps/some/client/route`);
    assert.match(await deep.text(), /<div id="root"><\/div>/);
    const t0 = Date.now();
    s.child.kill('SIGTERM');
    const code = await s.exited;
    assert.equal(code, 0, s.stderr());
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });

  test('SIGKILL mid-writes leaves the SQLite database intact, loses no acknowledged row, and a restart serves again', async () => {
    const dir = dataDir();
    const s = await startServer({ DATA_DIR: dir });
    // Sign-ups write a user, an audit event and an outbox row in one transaction; kill the process
    // while they are in flight and check every acknowledged one survived.
    const acknowledged: string[] = [];
    const signUp = async (i: number) => {
      const email = `kill-${i}-${Date.now()}@example.com`;
      try {
        const r = await fetch(`${s.url}/api/v1/accounts`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            name: `Kill Test ${i}`,
            email,
            password: 'correct-horse-battery-9',
            dateOfBirth: '1990-01-01',
            countryOfResidence: 'PK',
            countryOfUse: 'PK',
            acceptTerms: true,
          }),
        });
        if (r.status === 202) acknowledged.push(email);
      } catch {
        // the connection died with the process: not acknowledged
      }
    };
    const inflight = Array.from({ length: 15 }, (_, i) => signUp(i));
    for (let waited = 0; acknowledged.length < 3 && waited < 10_000; waited += 20) {
      await new Promise((r) => setTimeout(r, 20));
    }
    s.child.kill('SIGKILL');
    await s.exited;
    await Promise.all(inflight);
    assert.ok(acknowledged.length >= 3, `only ${acknowledged.length} sign-ups acknowledged before the kill`);
    const raw = new DatabaseSync(join(dir, 'darwaza.db'));
    const [check] = raw.prepare('PRAGMA integrity_check').all() as Array<{ integrity_check: string }>;
    assert.equal(check.integrity_check, 'ok');
    for (const email of acknowledged) {
      const row = raw.prepare('select id from users where email = ?').get(email);
      assert.ok(row, `acknowledged sign-up ${email} lost`);
      const audit = raw
        .prepare("select count(*) as n from audit_events where action = 'user.signup' and target_id = ?")
        .get((row as { id: string }).id) as { n: number };
      assert.equal(audit.n, 1);
    }
    raw.close();
    const again = await startServer({ DATA_DIR: dir });
    assert.equal((await fetch(`${again.url}/readyz`)).status, 200);
    again.child.kill('SIGTERM');
    assert.equal(await again.exited, 0);
  });
});

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, describe, test } from 'node:test';
import { rfc6238 } from './identity-helpers.ts';

/**
 * `darwaza admin …` as automation uses it: each subcommand with --json prints one JSON object.
 * Runs the real CLI in a child process on a throwaway SQLite data directory.
 */
const root = resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-cli-'));

function darwaza(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'src', 'cli.ts'), ...args], {
    cwd: root,
    env: {
      ...process.env,
      DATA_DIR: dataDir,
      DATABASE_URL: '',
      REDIS_URL: '',
      LOG_LEVEL: 'silent',
      NODE_ENV: 'test',
    },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('darwaza admin', () => {
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('create-operator prints the TOTP secret once; the code signs in', async () => {
    const r = darwaza(
      'admin',
      'create-operator',
      '--email',
      'ops@cli.test',
      '--name',
      'CLI Operator',
      '--json',
    );
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.match(out.userId, /^usr_/);
    assert.match(out.totpSecret, /^[A-Z2-7]{32}$/);
    assert.match(out.otpauthUrl, /^otpauth:\/\/totp\//);
    assert.ok(out.password.length >= 16, 'a generated password is shown once');
    assert.equal(rfc6238(out.totpSecret, Date.now()).length, 6);
  });

  test('create-participant, create-developer --org (new and existing), approve-account', () => {
    const p = darwaza('admin', 'create-participant', '--name', 'CLI Bank', '--json');
    assert.equal(p.status, 0, p.stderr);
    assert.match(JSON.parse(p.stdout).participantId, /^par_/);

    const d1 = darwaza(
      'admin',
      'create-developer',
      '--email',
      'd1@cli.test',
      '--name',
      'Dev One',
      '--org',
      'CLI Org',
      '--confirmed',
      '--json',
    );
    assert.equal(d1.status, 0, d1.stderr);
    const o1 = JSON.parse(d1.stdout);
    assert.equal(o1.role, 'owner');
    assert.equal(o1.representativeConfirmed, true);
    const d2 = darwaza(
      'admin',
      'create-developer',
      '--email',
      'd2@cli.test',
      '--name',
      'Dev Two',
      '--org',
      'CLI Org',
      '--password',
      'a sensible passphrase',
      '--json',
    );
    assert.equal(d2.status, 0, d2.stderr);
    const o2 = JSON.parse(d2.stdout);
    assert.equal(o2.role, 'developer');
    assert.equal(o2.orgId, o1.orgId);
    assert.equal(o2.password, undefined, 'a given password is not echoed');

    const a = darwaza('admin', 'approve-account', '--user', 'd2@cli.test', '--json');
    assert.notEqual(a.status, 0, 'an active account is not waiting for a decision');
    assert.match(a.stderr, /not waiting/);

    const missing = darwaza(
      'admin',
      'create-developer',
      '--email',
      'd3@cli.test',
      '--name',
      'Dev Three',
      '--json',
    );
    assert.notEqual(missing.status, 0);
    assert.match(missing.stderr, /--org is required/);
    const unknown = darwaza('admin', 'frobnicate');
    assert.equal(unknown.status, 2);
  });
});

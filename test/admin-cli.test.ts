import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import pg from 'pg';
import { rfc6238 } from './identity-helpers.ts';
import { cliOn, runCli } from './process-helpers.ts';

/**
 * `darwaza admin …` as automation uses it: each subcommand with --json prints one JSON object.
 * Runs the real CLI in a child process on a throwaway SQLite data directory.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-cli-'));

const darwaza = cliOn(dataDir);

describe('darwaza admin', () => {
  // The admin CLI works on a database that serve, migrate or seed set up (it creates none).
  before(() => {
    const r = darwaza('migrate');
    assert.equal(r.status, 0, r.stderr);
  });
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
    // The answer lists every subcommand, the apps module's too (it once listed only the first four).
    for (const sub of ['create-operator', 'create-app', 'approve-subscription', 'decide-limit-request'])
      assert.match(unknown.stderr, new RegExp(`\\b${sub}\\b`), `unknown-subcommand help lists ${sub}`);
  });
});

/**
 * The admin CLI acts on the server's data with the server's master key, or not at all: run with
 * the wrong DATA_DIR, DATABASE_URL or MASTER_KEY it refuses in one line naming the setting, and it
 * never creates a database or a key (only serve, migrate and seed do). serve, migrate and seed
 * record the key's fingerprint on first use and refuse another key afterwards.
 */
describe('the admin CLI refuses the wrong data directory or master key', () => {
  const dirs: string[] = [];
  const tempDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'darwaza-cli-guard-'));
    dirs.push(d);
    return d;
  };
  after(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });
  const oneLine = (stderr: string, re: RegExp) => {
    const lines = stderr.trim().split('\n');
    assert.equal(lines.length, 1, stderr);
    assert.match(lines[0], re);
  };
  const participant = ['admin', 'create-participant', '--name', 'Guard Bank', '--json'];

  test('SQLite: a missing database or key is refused and neither is created', async () => {
    const dir = tempDir();
    const r = await runCli(participant, { DATA_DIR: dir, LOG_LEVEL: 'silent' });
    assert.equal(r.code, 3, r.stderr);
    oneLine(r.stderr, /^darwaza: no database at .*darwaza\.db: set DATA_DIR /);
    assert.deepEqual(readdirSync(dir), [], 'nothing created');
    const nested = join(dir, 'not-here');
    const r2 = await runCli(participant, { DATA_DIR: nested, LOG_LEVEL: 'silent' });
    assert.equal(r2.code, 3);
    assert.equal(existsSync(nested), false, 'no directory created');

    // A database whose key file went missing: refused, no new key written.
    assert.equal((await runCli(['migrate'], { DATA_DIR: dir })).code, 0);
    rmSync(join(dir, 'master.key'));
    const r3 = await runCli(participant, { DATA_DIR: dir, LOG_LEVEL: 'silent' });
    assert.equal(r3.code, 3, r3.stderr);
    oneLine(
      r3.stderr,
      /^darwaza: no master key: .*master\.key does not exist and MASTER_KEY is unset; set DATA_DIR or MASTER_KEY/,
    );
    assert.equal(existsSync(join(dir, 'master.key')), false, 'no key created');
  });

  test('SQLite: another master key is refused by the admin CLI, serve, migrate and seed; the right one works', async () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, LOG_LEVEL: 'silent' };
    assert.equal((await runCli(['seed'], env)).code, 0);
    const right = readFileSync(join(dir, 'master.key'), 'utf8');
    const other = { ...env, MASTER_KEY: randomBytes(32).toString('base64') };
    for (const args of [participant, ['migrate'], ['seed'], ['serve', '--role', 'worker']]) {
      const r = await runCli(args, other);
      assert.equal(r.code, 3, `${args.join(' ')}: ${r.stderr}`);
      oneLine(
        r.stderr,
        /^darwaza: the master key is not the one sqlite:.* was set up with: set MASTER_KEY, or DATA_DIR/,
      );
    }
    // Another key file (a copied data directory with a fresh key) is refused the same way.
    writeFileSync(join(dir, 'master.key'), randomBytes(32).toString('base64'));
    const r = await runCli(participant, env);
    assert.equal(r.code, 3, r.stderr);
    oneLine(r.stderr, /master key is not the one/);
    writeFileSync(join(dir, 'master.key'), right);
    const ok = await runCli(participant, env);
    assert.equal(ok.code, 0, ok.stderr);
    const withEnvKey = await runCli(['admin', 'create-participant', '--name', 'Env Bank'], {
      ...env,
      MASTER_KEY: right.trim(),
    });
    assert.equal(withEnvKey.code, 0, withEnvKey.stderr);
  });

  test('SQLite: a database no serve, migrate or seed of this version set up is refused until one runs', async () => {
    const dir = tempDir();
    const env = { DATA_DIR: dir, LOG_LEVEL: 'silent' };
    assert.equal((await runCli(['migrate'], env)).code, 0);
    // As a database from before the fingerprint existed.
    const raw = new DatabaseSync(join(dir, 'darwaza.db'));
    raw.exec("delete from instance_settings where name = 'key_fingerprint'");
    raw.close();
    const r = await runCli(participant, env);
    assert.equal(r.code, 3, r.stderr);
    oneLine(r.stderr, /was never set up by darwaza serve, migrate or seed .*set DATA_DIR to the server's/);
    assert.equal((await runCli(['migrate'], env)).code, 0);
    const ok = await runCli(participant, env);
    assert.equal(ok.code, 0, ok.stderr);
  });

  test('PostgreSQL: an empty database and another master key are refused; the right key works', {
    skip: process.env.DATABASE_URL ? false : 'DATABASE_URL not set',
  }, async () => {
    const url = process.env.DATABASE_URL as string;
    const schema = `t_cli_${randomBytes(5).toString('hex')}`;
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`create schema ${schema}`);
    try {
      const u = new URL(url);
      u.searchParams.set('options', `-c search_path=${schema}`);
      const key = randomBytes(32).toString('base64');
      // DATA_DIR points at an empty directory: no key file to fall back on.
      const env = { DATABASE_URL: u.toString(), DATA_DIR: tempDir(), LOG_LEVEL: 'silent' };
      const empty = await runCli(participant, { ...env, MASTER_KEY: key });
      assert.equal(empty.code, 3, empty.stderr);
      oneLine(
        empty.stderr,
        /^darwaza: postgres:.* was never set up by darwaza serve, migrate or seed .*set DATABASE_URL/,
      );
      const tables = await admin.query(
        'select count(*)::int as n from information_schema.tables where table_schema = $1',
        [schema],
      );
      assert.equal(tables.rows[0].n, 0, 'the admin CLI created no table');
      assert.equal((await runCli(['migrate'], { ...env, MASTER_KEY: key })).code, 0);
      const noKey = await runCli(participant, env);
      assert.equal(noKey.code, 3, noKey.stderr);
      oneLine(noKey.stderr, /^darwaza: no master key: /);
      const wrong = await runCli(participant, { ...env, MASTER_KEY: randomBytes(32).toString('base64') });
      assert.equal(wrong.code, 3, wrong.stderr);
      oneLine(wrong.stderr, /^darwaza: the master key is not the one postgres:.* was set up with/);
      const ok = await runCli(participant, { ...env, MASTER_KEY: key });
      assert.equal(ok.code, 0, ok.stderr);
    } finally {
      await admin.query(`drop schema if exists ${schema} cascade`);
      await admin.end();
    }
  });
});

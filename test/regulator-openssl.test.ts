import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exportSigner, exportSignerFromSeed } from '../src/modules/regulator/index.ts';
import { createKeyring } from '../src/platform/master-key.ts';
import { type AppsWorld, appsWorld, call, createApp } from './apps-helpers.ts';
import { startTestSystem, type TestSystem } from './harness.ts';
import { operatorUser } from './identity-helpers.ts';
import { requestBody, saveAndExtract, seedUsage } from './regulator-helpers.ts';

/** The verification commands exactly as docs/regulator-requests.md states them, between its markers. */
function documentedCommands(): string[] {
  const doc = readFileSync(resolve(import.meta.dirname, '../docs/regulator-requests.md'), 'utf8');
  const block = /<!-- verify-commands[^>]*-->\n```sh\n([\s\S]*?)```\n<!-- \/verify-commands -->/.exec(doc);
  assert.ok(block, 'docs/regulator-requests.md has the verify-commands block');
  return block[1]!.split('\n').filter((l) => l.trim() !== '');
}

const repo = resolve(import.meta.dirname, '..');

/** `darwaza …` as a separate process (the CLI as shipped). */
function darwaza(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [join(repo, 'src', 'cli.ts'), ...args], {
    cwd: repo,
    env: { ...process.env, DATABASE_URL: '', REDIS_URL: '', LOG_LEVEL: 'silent', NODE_ENV: 'test', ...env },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

function run(line: string, cwd: string) {
  const r = spawnSync('sh', ['-c', line], { cwd, encoding: 'utf8' });
  return { status: r.status, out: `${r.stdout}${r.stderr}` };
}

/**
 * A regulator request for one organisation and a month, verified by following the documentation
 * with openssl 3 and sha256sum alone against the published key; one flipped byte fails naming the
 * file; a bundle re-signed with another key fails the openssl lines.
 */
describe('regulator bundle: the documented openssl + sha256sum commands', () => {
  let sys: TestSystem;
  let w: AppsWorld;
  let dir: string;
  let root: string;
  let tarFile: string;
  before(async () => {
    sys = await startTestSystem();
    w = await appsWorld(sys);
    const op2 = await operatorUser(sys);
    const app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
    await seedUsage(sys, w.orgA, app.appId, new Date('2026-11-03T00:00:00Z'), 300);
    const created = await call(sys, w.operator, 'POST', '/api/v1/admin/regulator-requests', requestBody(w));
    await call(sys, op2, 'POST', `/api/v1/admin/regulator-requests/${created.body.id}/approve`);
    await sys.services.regulator.tick();
    const res = await sys.app.inject({
      method: 'GET',
      url: `/api/v1/admin/regulator-requests/${created.body.id}/export.tar`,
      headers: op2.headers,
    });
    assert.equal(res.statusCode, 200);
    const saved = saveAndExtract(res.rawPayload);
    dir = saved.dir;
    root = saved.root;
    tarFile = saved.tarFile;
    const key = await call(sys, null, 'GET', '/api/v1/regulator/export-key');
    writeFileSync(join(saved.root, 'darwaza-export-key.pem'), key.body.publicKeyPem);
  });
  after(() => sys.cleanup());

  test('openssl is 3.x', () => {
    assert.match(run('openssl version', dir).out, /^OpenSSL 3\./);
  });

  test('the documented commands verify the bundle', () => {
    const lines = documentedCommands();
    assert.equal(lines.length, 3);
    for (const line of lines) {
      const r = run(line, dir);
      assert.equal(r.status, 0, `${line}\n${r.out}`);
    }
    assert.match(run(lines[2]!, dir).out, /files\/usage\.jsonl: OK/);
  });

  test('one flipped byte: sha256sum -c fails naming the file', () => {
    const file = join(dir, 'files/usage.jsonl');
    const original = readFileSync(file);
    const bytes = Buffer.from(original);
    bytes[5] = bytes[5]! ^ 1;
    writeFileSync(file, bytes);
    try {
      const [sig1, sig2, sums] = documentedCommands();
      assert.equal(run(sig1!, dir).status, 0);
      assert.equal(run(sig2!, dir).status, 0);
      const r = run(sums!, dir);
      assert.notEqual(r.status, 0);
      assert.match(r.out, /files\/usage\.jsonl: FAILED/);
    } finally {
      writeFileSync(file, original);
    }
  });

  test('a bundle re-signed with another key fails the openssl lines against the published key', () => {
    const impostor = exportSignerFromSeed(randomBytes(32));
    const saved = ['manifest.json', 'SHA256SUMS'].map(
      (f) => [f, readFileSync(join(dir, `${f}.sig`))] as const,
    );
    try {
      for (const [f] of saved)
        writeFileSync(join(dir, `${f}.sig`), impostor.sign(readFileSync(join(dir, f))));
      const [sig1, sig2] = documentedCommands();
      for (const line of [sig1!, sig2!]) {
        const r = run(line, dir);
        assert.notEqual(r.status, 0, r.out);
        assert.match(r.out, /Signature Verification Failure/);
      }
    } finally {
      for (const [f, sig] of saved) writeFileSync(join(dir, `${f}.sig`), sig);
    }
  });

  test('darwaza export verify: intact, a flipped byte names the file, a re-signed bundle fails', () => {
    const key = join(root, 'darwaza-export-key.pem');
    const ok = darwaza(['export', 'verify', tarFile, '--key', key]);
    assert.equal(ok.status, 0, ok.out);
    assert.match(ok.out, /bundle verified/);
    assert.equal(darwaza(['export', 'verify', tarFile]).status, 2, 'no published key: refused');

    const file = join(dir, 'files/usage.jsonl');
    const original = readFileSync(file);
    const bytes = Buffer.from(original);
    bytes[7] = bytes[7]! ^ 1;
    writeFileSync(file, bytes);
    const tampered = join(root, 'cli-tampered.tar');
    spawnSync('tar', ['-cf', tampered, '-C', root, dir.slice(root.length + 1)]);
    writeFileSync(file, original);
    const bad = darwaza(['export', 'verify', tampered, '--key', key]);
    assert.equal(bad.status, 1);
    assert.match(bad.out, /bundle FAILED: files\/usage\.jsonl: SHA-256/);

    const impostor = exportSignerFromSeed(randomBytes(32));
    const saved = ['manifest.json', 'SHA256SUMS'].map(
      (f) => [f, readFileSync(join(dir, `${f}.sig`))] as const,
    );
    for (const [f] of saved) writeFileSync(join(dir, `${f}.sig`), impostor.sign(readFileSync(join(dir, f))));
    const resigned = join(root, 'cli-resigned.tar');
    spawnSync('tar', ['-cf', resigned, '-C', root, dir.slice(root.length + 1)]);
    for (const [f, sig] of saved) writeFileSync(join(dir, `${f}.sig`), sig);
    const forged = darwaza(['export', 'verify', resigned, '--key', key]);
    assert.equal(forged.status, 1);
    assert.match(
      forged.out,
      /bundle FAILED: manifest\.json: its signature does not verify with the published export key/,
    );
  });

  test('darwaza export key prints the key the portal publishes for the same master key', () => {
    const master = randomBytes(32);
    const expected = exportSigner(createKeyring(master));
    const pem = darwaza(['export', 'key'], { MASTER_KEY: master.toString('base64') });
    assert.equal(pem.status, 0, pem.out);
    assert.ok(pem.out.startsWith(expected.publicKeyPem));
    assert.match(pem.out, new RegExp(`key id ${expected.keyId}`));
    const json = darwaza(['export', 'key', '--json'], { MASTER_KEY: master.toString('base64') });
    assert.equal(JSON.parse(json.out.slice(0, json.out.lastIndexOf('}') + 1)).keyId, expected.keyId);
    // The audit checkpoints' key is derived from the same master key with another label.
    assert.notEqual(
      expected.publicKeyBase64,
      createKeyring(master).seed('audit-checkpoint/v1').toString('base64'),
    );
  });
});

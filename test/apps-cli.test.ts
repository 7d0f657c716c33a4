import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { runCli, startServer } from './process-helpers.ts';

/** darwaza admin create-app / approve-subscription / decide-limit-request on an SQLite data dir. */
describe('apps admin CLI', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-apps-cli-'));
  const env = {
    DATA_DIR: dataDir,
    LOG_LEVEL: 'silent',
    PUBLIC_URL: 'http://localhost:3999',
    GATEWAY_PROVIDER: 'acme-net',
  };
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('create-app prints credentials once and subscribes; approval-only plans are approved', async () => {
    const seed = await runCli(['seed'], env);
    assert.equal(seed.code, 0, seed.stderr);
    const p = await runCli(['admin', 'create-participant', '--name', 'Test Bank', '--json'], env);
    assert.equal(p.code, 0, p.stderr);
    const d = await runCli(
      [
        'admin',
        'create-developer',
        '--email',
        'cli@example.test',
        '--name',
        'CLI Dev',
        '--org',
        'Acme Pay',
        '--confirmed',
        '--json',
      ],
      env,
    );
    assert.equal(d.code, 0, d.stderr);
    const r = await runCli(
      [
        'admin',
        'create-app',
        '--org',
        'Acme Pay',
        '--name',
        'Checkout',
        '--plan',
        'ibft/Default Plan – 100 calls per hour',
        '--plan',
        'bills/Partner – by approval',
        '--json',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    const out = JSON.parse(r.stdout);
    assert.match(out.appId, /^app_/);
    assert.match(out.clientId, /^[0-9a-f]{32}$/);
    assert.ok(out.clientSecret.length >= 22);
    assert.equal(out.gatewayBaseUrl, 'http://localhost:3999/acme-net/sandbox');
    assert.deepEqual(
      out.subscriptions.map((s: any) => [s.product, s.status]),
      [
        ['ibft', 'active'],
        ['bills', 'active'],
      ],
    );

    const bad = await runCli(
      ['admin', 'create-app', '--org', 'Acme Pay', '--name', 'X', '--plan', 'nope/nothing'],
      env,
    );
    assert.notEqual(bad.code, 0);
    assert.match(bad.stderr, /no plan/);
    // The plans that exist are listed, so the next try can be typed from the message.
    assert.match(bad.stderr, /"ibft\/Default Plan – 100 calls per hour"/);
    assert.match(bad.stderr, /"bills\/Partner – by approval"/);
    const typo = await runCli(
      ['admin', 'create-app', '--org', 'Acme Pay', '--name', 'X', '--plan', 'ibft/Defualt'],
      env,
    );
    assert.notEqual(typo.code, 0);
    assert.equal(typo.stderr.trim().split('\n').length, 1, typo.stderr);
    assert.match(typo.stderr, /"ibft\/Default Plan – 100 calls per hour"/);
    assert.doesNotMatch(typo.stderr, /bills\//, 'a known product lists only its own plans');
    const help = await runCli(['admin', '--help'], env);
    assert.match(help.stdout, /create-app/);
    assert.match(help.stdout, /decide-limit-request/);
    const noSub = await runCli(
      ['admin', 'approve-subscription', '--subscription', 'sub_00000000000000000000000000'],
      env,
    );
    assert.notEqual(noSub.code, 0);
  });

  test('a plan name typed with a plain hyphen, any case and spacing matches', async () => {
    const r = await runCli(
      [
        'admin',
        'create-app',
        '--org',
        'Acme Pay',
        '--name',
        'Typed',
        '--plan',
        'IBFT/default plan  -  100 calls per hour',
        '--json',
      ],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(
      JSON.parse(r.stdout).subscriptions.map((s: any) => [s.product, s.status]),
      [['ibft', 'active']],
    );
  });

  test("gatewayBaseUrl is the running server's, whatever the CLI's own PUBLIC_URL and GATEWAY_PROVIDER", async () => {
    const server = await startServer(
      { DATA_DIR: dataDir, PUBLIC_URL: 'https://gateway.example.test:8443', GATEWAY_PROVIDER: 'server-net' },
      ['--role', 'gateway', '--no-seed'],
    );
    try {
      const r = await runCli(
        ['admin', 'create-app', '--org', 'Acme Pay', '--name', 'Beside the server', '--json'],
        { ...env, PUBLIC_URL: 'http://localhost:1', GATEWAY_PROVIDER: 'cli-net' },
      );
      assert.equal(r.code, 0, r.stderr);
      assert.equal(
        JSON.parse(r.stdout).gatewayBaseUrl,
        'https://gateway.example.test:8443/server-net/sandbox',
      );
    } finally {
      server.child.kill('SIGTERM');
      assert.equal(await server.exited, 0, server.stderr());
    }
  });
});

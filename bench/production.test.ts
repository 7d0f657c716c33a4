import assert from 'node:assert/strict';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { wrkVersion } from './load-generators.ts';
import {
  type NginxConfig,
  nginxInstall,
  nginxTest,
  renderNginxConfig,
  startNginx,
  writeNginxConfig,
} from './production-nginx.ts';
import { freePort, type Pinned } from './production-procs.ts';
import { bottlenecks, type Row, ratios, table } from './production-report.ts';

/**
 * The production bench's nginx side, with real nginx: the generated configs pass `nginx -t`, and
 * the Lua peer refuses a missing or unknown client id and a wrong token (401), limits (429 with
 * Retry-After), passes a good call to the upstream and logs one line per call. Skipped, saying so,
 * only when nginx or its Lua module is not installed (.ci/run installs both).
 */
const install = nginxInstall();
const skip = !install
  ? 'nginx is not installed (apt-get install nginx libnginx-mod-http-lua; .ci/run does)'
  : !install.lua
    ? 'the nginx Lua module is not installed (apt-get install libnginx-mod-http-lua; .ci/run does)'
    : false;

const ANSWER = '{"ResponseCode":"00","AccountTitleTo":"ALI KHAN"}';

describe('production bench: nginx configs and the Lua peer', { skip }, () => {
  const dirs: string[] = [];
  const procs: Pinned[] = [];
  let peerPort = 0;
  let peerDir = '';

  const fresh = () => {
    const d = mkdtempSync(join(tmpdir(), 'darwaza-nginx-test-'));
    dirs.push(d);
    return d;
  };

  before(async () => {
    if (!install) return;
    const upDir = fresh();
    const upstreamPort = await freePort();
    writeNginxConfig({ kind: 'upstream', port: upstreamPort, body: ANSWER }, install, upDir);
    procs.push(await startNginx(upDir, upstreamPort, 0));
    peerDir = fresh();
    peerPort = await freePort();
    writeNginxConfig(
      {
        kind: 'peer',
        port: peerPort,
        upstreamPort,
        prefixPath: '/darwaza/production/',
        clients: [
          { clientId: 'app-open', token: 'token-open', ratePerSecond: 1_000_000, burst: 1_000_000 },
          { clientId: 'app-tight', token: 'token-tight', ratePerSecond: 0.01, burst: 2 },
        ],
      },
      install,
      peerDir,
    );
    procs.push(await startNginx(peerDir, peerPort, 0));
  });

  after(async () => {
    for (const p of procs) await p.stop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  for (const kind of ['proxy', 'peer', 'upstream'] as const) {
    it(`nginx -t accepts the generated ${kind} config`, async () => {
      const dir = fresh();
      const c: NginxConfig = {
        kind,
        port: await freePort(),
        upstreamPort: 1,
        prefixPath: '/darwaza/production/',
        clients: [{ clientId: 'a', token: 't', ratePerSecond: 1, burst: 1 }],
        body: ANSWER,
      };
      writeNginxConfig(c, install as NonNullable<typeof install>, dir);
      const t = nginxTest(dir);
      assert.ok(t.ok, t.output);
      assert.match(t.output, /test is successful/);
    });
  }

  it('nginx -t refuses a broken config (the check can fail)', () => {
    const dir = fresh();
    const conf = writeNginxConfig(
      { kind: 'proxy', port: 1, upstreamPort: 1 },
      install as NonNullable<typeof install>,
      dir,
    );
    const text = readFileSync(conf, 'utf8').replace('proxy_pass http://backend/;', 'proxy_pass;');
    writeFileSync(conf, text);
    assert.equal(nginxTest(dir).ok, false);
  });

  const call = async (headers: Record<string, string>) => {
    const res = await fetch(`http://127.0.0.1:${peerPort}/darwaza/production/path-1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: '{"AccountNumberTo":"9990000000001001"}',
    });
    return { status: res.status, body: await res.text(), retryAfter: res.headers.get('retry-after') };
  };

  it('the peer refuses a call without a client id (401 invalid_client)', async () => {
    const r = await call({ authorization: 'Bearer token-open' });
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).error, 'invalid_client');
  });

  it('the peer refuses an unknown client id (401 invalid_client)', async () => {
    const r = await call({ 'x-ibm-client-id': 'app-nobody', authorization: 'Bearer token-open' });
    assert.equal(r.status, 401);
    assert.equal(JSON.parse(r.body).error, 'invalid_client');
  });

  it("the peer refuses another client's token and a missing one (401 invalid_token)", async () => {
    const wrong = await call({ 'x-ibm-client-id': 'app-open', authorization: 'Bearer token-tight' });
    assert.equal(wrong.status, 401);
    assert.equal(JSON.parse(wrong.body).error, 'invalid_token');
    const none = await call({ 'x-ibm-client-id': 'app-open' });
    assert.equal(none.status, 401);
    assert.equal(JSON.parse(none.body).error, 'invalid_token');
  });

  it("the peer passes a good call to the upstream and answers with the upstream's body", async () => {
    const r = await call({ 'x-ibm-client-id': 'app-open', authorization: 'bearer token-open' });
    assert.equal(r.status, 200);
    assert.equal(r.body, ANSWER);
  });

  it('the peer limits: a bucket of 2 admits 2 calls, then 429 with Retry-After', async () => {
    const h = { 'x-ibm-client-id': 'app-tight', authorization: 'Bearer token-tight' };
    assert.equal((await call(h)).status, 200);
    assert.equal((await call(h)).status, 200);
    const third = await call(h);
    assert.equal(third.status, 429);
    assert.equal(JSON.parse(third.body).error, 'rate_limited');
    assert.ok(Number(third.retryAfter) >= 1, `Retry-After ${third.retryAfter}`);
    // The other client's bucket is its own.
    assert.equal(
      (await call({ 'x-ibm-client-id': 'app-open', authorization: 'Bearer token-open' })).status,
      200,
    );
  });

  it('the peer writes one access-log line per call, with the client id and never the token', async () => {
    const log = () => readFileSync(join(peerDir, 'access.log'), 'utf8').split('\n').filter(Boolean);
    const before = log().length;
    await call({ 'x-ibm-client-id': 'app-open', authorization: 'Bearer token-open' });
    await call({ 'x-ibm-client-id': 'app-nobody', authorization: 'Bearer token-open' });
    // nginx writes the line in its log phase, after the answer has gone: wait for it (bounded).
    let lines = log();
    for (let i = 0; i < 100 && lines.length < before + 2; i++) {
      await new Promise((r) => setTimeout(r, 20));
      lines = log();
    }
    assert.equal(lines.length, before + 2);
    assert.match(lines.at(-2) ?? '', / 200 .*client=app-open$/);
    assert.match(lines.at(-1) ?? '', / 401 .*client=app-nobody$/);
    assert.ok(!lines.some((l) => l.includes('token-open')));
  });

  it('the credentials file holds token hashes, never a token', () => {
    const tsv = readFileSync(join(peerDir, 'clients.tsv'), 'utf8');
    assert.ok(!tsv.includes('token-open'));
    assert.match(tsv, /^app-open\t[A-Za-z0-9+/]{43}=\t1000000\t1000000$/m);
  });
});

describe('production bench: configs and report (no nginx needed)', () => {
  const fake = { version: 'nginx/test', modulesPath: '/mods', lua: true };

  it('loads the NDK before the Lua module, only for the peer', () => {
    const peer = renderNginxConfig({ kind: 'peer', port: 1, upstreamPort: 2 }, fake, '/p');
    assert.ok(peer.indexOf('/mods/ndk_http_module.so') < peer.indexOf('/mods/ngx_http_lua_module.so'));
    assert.ok(peer.indexOf('/mods/ndk_http_module.so') >= 0);
    assert.ok(
      !renderNginxConfig({ kind: 'proxy', port: 1, upstreamPort: 2 }, fake, '/p').includes('load_module'),
    );
    assert.ok(!/\{\{[A-Z_]+\}\}/.test(peer), 'every template field filled');
  });

  it("refuses a static body nginx would interpolate and a path prefix that isn't one", () => {
    assert.throws(
      () => renderNginxConfig({ kind: 'upstream', port: 1, body: '{"a":"$host"}' }, fake, '/p'),
      /\$/,
    );
    assert.throws(
      () => renderNginxConfig({ kind: 'proxy', port: 1, prefixPath: '/x;' }, fake, '/p'),
      /prefixPath/,
    );
  });

  const row = (key: Row['key'], rps: number, over: Partial<Row> = {}): Row => ({
    key,
    rps,
    p50: 1,
    p99: 2,
    total: rps,
    non2xx: 0,
    errors: 0,
    serverCpuUs: 10,
    serverIdleUsPerSecond: 0,
    serverCpuUsNet: 10,
    upstreamCpuUs: 10,
    wrkCpuUs: 5,
    serverShare: 0.5,
    loadShare: 0.5,
    serverCoreBusy: 0.5,
    loadCoreBusy: 0.5,
    ...over,
  });

  it('the table has one column per heading on every line', () => {
    const lines = table([row('upstream', 1000), row('nginx', 900), row('darwaza', 400)]).split('\n');
    assert.equal(lines.length, 4);
    const cols = (l: string) => l.trim().split(/ {2,}/).length;
    for (const l of lines) assert.equal(cols(l), cols(lines[0]), l);
  });

  it('ratios are per round, then their median', () => {
    const rs = ratios([
      [row('nginx', 100), row('peer', 50), row('darwaza', 60)],
      [row('nginx', 100), row('peer', 40), row('darwaza', 80)],
      [row('nginx', 200), row('peer', 100), row('darwaza', 100)],
    ]);
    const dp = rs.find((r) => r.name === 'Darwaza / peer');
    assert.deepEqual(dp?.rounds, [1.2, 2, 1]);
    assert.equal(dp?.median, 1.2);
    assert.equal(rs.find((r) => r.name === 'Darwaza / nginx')?.median, 0.6);
  });

  it('the CPU ratio is the other server’s µs per request over this one’s', () => {
    const rs = ratios([
      [
        row('nginx', 100, { serverCpuUs: 20, serverCpuUsNet: 20 }),
        row('darwaza', 60, { serverCpuUs: 40, serverCpuUsNet: 25 }),
      ],
    ]);
    assert.equal(rs.find((r) => r.name === 'Darwaza / nginx (CPU)')?.median, 0.5);
    assert.equal(rs.find((r) => r.name === 'Darwaza / nginx (CPU net of idle)')?.median, 0.8);
    assert.equal(rs.find((r) => r.name === 'Darwaza / nginx')?.median, 0.6);
  });

  it('names the upstream side when a proxied row reaches the upstream alone with its core full', () => {
    const lines = bottlenecks([
      row('upstream', 1000, { loadShare: 0.97, loadCoreBusy: 0.98 }),
      row('nginx', 950, { serverShare: 0.4, serverCoreBusy: 0.42, loadShare: 0.96, loadCoreBusy: 0.97 }),
      row('darwaza', 500, { serverShare: 0.98, serverCoreBusy: 0.99, loadShare: 0.5, loadCoreBusy: 0.55 }),
    ]);
    assert.match(lines[0], /nginx.*95 % of the upstream alone.*limited by the upstream side/);
    assert.match(lines[1], /Darwaza.*limited by the server under test/);
    assert.ok(!lines.some((l) => l.includes('other processes')));
  });

  it("says when other processes took a pinned core's time", () => {
    const lines = bottlenecks([
      row('upstream', 1000),
      row('peer', 300, { serverShare: 0.3, serverCoreBusy: 1, loadShare: 0.2, loadCoreBusy: 0.3 }),
    ]);
    assert.match(lines[0], /neither side.*other processes took 70 % of the server core/);
  });
});

describe('darwaza bench --production (short run)', {
  skip: skip || (!wrkVersion() && 'wrk is not installed'),
}, () => {
  it('measures every row, Darwaza’s production path included, with only 2xx answers; prints ratios, setup and limits; writes the JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'darwaza-bench-production-test-'));
    try {
      const json = join(dir, 'run.json');
      const args = [
        '--production',
        '--upstream',
        'nginx',
        '--rounds',
        '1',
        '--duration',
        '1',
        '--warmup',
        '0',
      ];
      const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) =>
        execFile(
          process.execPath,
          [
            join(import.meta.dirname, '..', 'bin', 'darwaza.mjs'),
            'bench',
            ...args,
            '--connections',
            '10',
            '--json',
            json,
          ],
          { encoding: 'utf8', timeout: 100_000 },
          (err, stdout, stderr) => res({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
        ),
      );
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^ratio peer \/ nginx: \d+\.\d\d$/m);
      assert.match(r.stdout, /^setup: \d+ cores/m);
      assert.match(r.stdout, /server under test pinned to core 0/);
      assert.match(r.stdout, /^where the limit was:$/m);
      const j = JSON.parse(readFileSync(json, 'utf8'));
      const keys = j.rows.map((row: Row) => row.key);
      for (const k of ['upstream', 'nginx', 'peer', 'darwaza']) assert.ok(keys.includes(k), `row ${k}`);
      assert.match(r.stdout, /^ratio Darwaza \/ peer: \d+\.\d\d$/m);
      assert.match(r.stdout, /^ratio Darwaza \/ nginx: \d+\.\d\d$/m);
      for (const row of j.rows as Row[]) {
        // A cold gateway on a loaded 2-core machine may serve only ~100 calls in its first second.
        assert.ok(row.total >= 10, `${row.key} served ${row.total} requests`);
        assert.equal(row.non2xx, 0, `${row.key}: non-2xx (a refused call would make the row meaningless)`);
        assert.equal(row.errors, 0, `${row.key}: socket errors`);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('darwaza bench --production stopped early', {
  skip: skip || (!wrkVersion() && 'wrk is not installed'),
}, () => {
  it('SIGTERM mid-run leaves no nginx of the run behind and removes its temp dir', async () => {
    const child = spawn(
      process.execPath,
      [join(import.meta.dirname, '..', 'bin', 'darwaza.mjs'), 'bench', '--production', '--upstream', 'nginx'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let err = '';
    await new Promise<void>((res, rej) => {
      const t = setTimeout(() => rej(new Error(`no row started:\n${err}`)), 60_000);
      child.stderr.on('data', (d: Buffer) => {
        err += d;
        if (err.includes('(a) nginx proxy_pass')) {
          clearTimeout(t);
          res();
        }
      });
    });
    const dir = /-p (\S+darwaza-bench-production-\w+)\//.exec(
      spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout,
    )?.[1];
    assert.ok(dir, 'the run has an nginx with its temp prefix');
    const code = await new Promise<number | null>((res) => {
      child.once('exit', (c) => res(c));
      child.kill('SIGTERM');
    });
    assert.equal(code, 143);
    // The run signals its children on the way out; on a loaded machine they take a moment to go.
    let left = '';
    for (let i = 0; i < 50; i++) {
      left = spawnSync('ps', ['-eo', 'args'], { encoding: 'utf8' }).stdout;
      if (!left.includes(dir as string)) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(!left.includes(dir as string), `left behind:\n${left}`);
    assert.ok(!existsSync(dir as string), 'temp dir removed');
  });
});

import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { ConfigError, loadConfig, type Role, roles } from '../src/config.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { appsWorld, appWithToken } from './apps-helpers.ts';
import { ensureWebBuild } from './browser/browser-helpers.ts';
import { startTestSystem, type TestSystem } from './harness.ts';
import { startServer } from './process-helpers.ts';

/**
 * Each role serves only what it names (docs/operations.md, "Roles"): gateway — the gateway, its
 * OAuth2 endpoints, health, readiness, metrics; portal — the portal API (dev mailbox and OpenAPI
 * document included), the web app, health, readiness, metrics; worker — health, readiness, metrics;
 * all — everything. And with the gateway elsewhere (GATEWAY_PUBLIC_URL), the portal hands out the
 * gateway's address and the gateway lets the portal's origin call it (CORS).
 */

type Probe = {
  name: string;
  surface: 'always' | 'portal' | 'gateway';
  method: 'GET' | 'POST' | 'OPTIONS';
  url: string;
  headers?: Record<string, string>;
  payload?: string;
};

const probes: Probe[] = [
  { name: 'liveness', surface: 'always', method: 'GET', url: '/healthz' },
  { name: 'readiness', surface: 'always', method: 'GET', url: '/readyz' },
  { name: 'metrics', surface: 'always', method: 'GET', url: '/metrics' },
  { name: 'portal API', surface: 'portal', method: 'GET', url: '/api/v1/products' },
  { name: 'portal API document', surface: 'portal', method: 'GET', url: '/api/v1/openapi.json' },
  { name: 'dev mailbox', surface: 'portal', method: 'GET', url: '/api/v1/dev/mail' },
  { name: "web app's index", surface: 'portal', method: 'GET', url: '/' },
  { name: 'web app route', surface: 'portal', method: 'GET', url: '/apps/some/client/route' },
  {
    name: 'OAuth2 token endpoint',
    surface: 'gateway',
    method: 'POST',
    url: '/darwaza/sandbox/oauth2/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials&client_id=nobody&client_secret=nothing',
  },
  {
    name: 'gateway operation',
    surface: 'gateway',
    method: 'POST',
    url: '/darwaza/sandbox/path-1',
    headers: { 'content-type': 'application/json' },
    payload: '{}',
  },
  {
    name: 'gateway preflight',
    surface: 'gateway',
    method: 'OPTIONS',
    url: '/darwaza/sandbox/path-1',
    headers: { origin: 'http://localhost:3000', 'access-control-request-method': 'POST' },
  },
];

const serves: Record<Role, Record<Probe['surface'], boolean>> = {
  all: { always: true, portal: true, gateway: true },
  portal: { always: true, portal: true, gateway: false },
  gateway: { always: true, portal: false, gateway: true },
  worker: { always: true, portal: false, gateway: false },
};

// The web app must be built, or "the gateway role does not serve it" would hold for any role.
before(async () => {
  await ensureWebBuild();
});

for (const role of roles) {
  describe(`--role ${role}`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ env: { ROLE: role } });
    });
    after(async () => {
      await sys.cleanup();
    });
    for (const p of probes) {
      const expected = serves[role][p.surface];
      test(`${expected ? 'serves' : 'does not serve'} the ${p.name} (${p.method} ${p.url})`, async () => {
        const res = await sys.app.inject({
          method: p.method,
          url: p.url,
          headers: p.headers,
          payload: p.payload,
        });
        if (expected) {
          assert.notEqual(res.statusCode, 404, `${p.method} ${p.url}: ${res.body.slice(0, 300)}`);
          assert.ok(
            res.statusCode < 500,
            `${p.method} ${p.url}: ${res.statusCode} ${res.body.slice(0, 300)}`,
          );
          if (p.url === '/' || p.url.startsWith('/apps/')) assert.match(res.body, /<div id="root">/);
        } else {
          assert.equal(
            res.statusCode,
            404,
            `${p.method} ${p.url}: ${res.statusCode} ${res.body.slice(0, 300)}`,
          );
          assert.equal(res.json().error.code, 'route_not_found');
        }
      });
    }
  });
}

test('GATEWAY_PUBLIC_URL defaults to PUBLIC_URL and must be an http(s) URL', () => {
  const base = { PUBLIC_URL: 'https://portal.example.com/' };
  assert.equal(loadConfig(base).gatewayPublicUrl, 'https://portal.example.com');
  assert.equal(
    loadConfig({ ...base, GATEWAY_PUBLIC_URL: 'https://api.example.com/' }).gatewayPublicUrl,
    'https://api.example.com',
  );
  assert.throws(
    () => loadConfig({ ...base, GATEWAY_PUBLIC_URL: 'ftp://api.example.com' }),
    (err: Error) => err instanceof ConfigError && /^invalid setting GATEWAY_PUBLIC_URL: /.test(err.message),
  );
});

/** One HTTP/1.1 exchange over a real socket (so the gateway's fast path and lean layer take part). */
function exchange(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, method, path, headers }, (r) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (d) => {
        text += d;
      });
      r.on('end', () => res({ status: r.statusCode ?? 0, headers: r.headers, body: text }));
    });
    req.on('error', rej);
    req.end(body);
  });
}

describe('the gateway on its own address: try-it from the portal (CORS)', () => {
  const PORTAL = 'https://portal.example.test:8443';
  let sys: TestSystem;
  let port: number;
  let app: { clientId: string; clientSecret: string; token: string };
  before(async () => {
    // The portal's origin is PUBLIC_URL; the gateway answers on its own (here: the listening port).
    sys = await startTestSystem({
      env: { PUBLIC_URL: PORTAL, GATEWAY_PUBLIC_URL: 'https://api.example.test' },
    });
    const w = await appsWorld(sys);
    app = await appWithToken(sys, w.plans.ibftDefault);
    await sys.app.listen({ port: 0, host: '127.0.0.1' });
    port = (sys.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await sys.cleanup();
  });

  test('the portal hands out the gateway address: catalogs, API documents, and the web app may connect to it', async () => {
    const catalogs = (await sys.app.inject({ url: '/api/v1/catalogs' })).json();
    const sandbox = catalogs.items.find((c: { name: string }) => c.name === 'sandbox');
    assert.equal(sandbox.baseUrl, 'https://api.example.test/darwaza/sandbox');
    assert.equal(sandbox.tokenUrl, 'https://api.example.test/darwaza/sandbox/oauth2/token');
    const product = (await sys.app.inject({ url: '/api/v1/products/ibft' })).json();
    const doc = (
      await sys.app.inject({ url: `/api/v1/products/ibft/apis/${product.apis[0].id}/openapi.json` })
    ).json();
    assert.equal(doc.servers[0].url, 'https://api.example.test/darwaza/sandbox');
    const csp = String((await sys.app.inject({ url: '/' })).headers['content-security-policy']);
    assert.match(csp, /connect-src 'self' https:\/\/api\.example\.test(;|$)/);
  });

  test("a preflight from the portal's origin is allowed, for the gateway and the token endpoint", async () => {
    for (const path of ['/darwaza/sandbox/path-1', '/darwaza/sandbox/oauth2/token']) {
      const r = await exchange(port, 'OPTIONS', path, {
        origin: PORTAL,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,content-type,x-ibm-client-id,x-ibm-client-secret',
      });
      assert.equal(r.status, 204, `${path}: ${r.body}`);
      assert.equal(r.headers['access-control-allow-origin'], PORTAL);
      assert.match(String(r.headers['access-control-allow-methods']), /\bPOST\b/);
      const allowed = String(r.headers['access-control-allow-headers']).split(/,\s*/);
      for (const h of ['authorization', 'content-type', 'x-ibm-client-id', 'x-ibm-client-secret']) {
        assert.ok(allowed.includes(h), `${h} not in ${allowed}`);
      }
      assert.equal(r.headers['access-control-allow-credentials'], undefined);
      assert.match(String(r.headers.vary), /origin/i);
    }
  });

  test('a preflight from any other origin gets no CORS headers', async () => {
    const r = await exchange(port, 'OPTIONS', '/darwaza/sandbox/path-1', {
      origin: 'https://elsewhere.example',
      'access-control-request-method': 'POST',
    });
    assert.equal(r.headers['access-control-allow-origin'], undefined);
  });

  test("the portal's token request and gateway call are answered with Access-Control-Allow-Origin", async () => {
    const basic = Buffer.from(`${app.clientId}:${app.clientSecret}`).toString('base64');
    const t = await exchange(
      port,
      'POST',
      '/darwaza/sandbox/oauth2/token',
      {
        origin: PORTAL,
        authorization: `Basic ${basic}`,
        'content-type': 'application/x-www-form-urlencoded',
      },
      'grant_type=client_credentials&scope=1LinkApi',
    );
    assert.equal(t.status, 200, t.body);
    assert.equal(t.headers['access-control-allow-origin'], PORTAL);

    const token = JSON.parse(t.body).access_token as string;
    const r = await exchange(
      port,
      'POST',
      '/darwaza/sandbox/path-1',
      {
        origin: PORTAL,
        'x-ibm-client-id': app.clientId,
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
      },
      JSON.stringify(ibftBody()),
    );
    assert.equal(r.status, 200, r.body);
    assert.equal(JSON.parse(r.body).ResponseCode, '00');
    assert.equal(r.headers['access-control-allow-origin'], PORTAL);
    const exposed = String(r.headers['access-control-expose-headers']).split(/,\s*/);
    for (const h of ['ratelimit', 'ratelimit-policy', 'x-request-id']) assert.ok(exposed.includes(h), h);
  });

  test('a call from another origin is answered without CORS headers; a call without Origin is untouched', async () => {
    const headers = {
      'x-ibm-client-id': app.clientId,
      authorization: `Bearer ${app.token}`,
      'content-type': 'application/json',
    };
    const other = await exchange(
      port,
      'POST',
      '/darwaza/sandbox/path-1',
      { ...headers, origin: 'https://elsewhere.example' },
      JSON.stringify(ibftBody()),
    );
    assert.equal(other.status, 200, other.body);
    assert.equal(other.headers['access-control-allow-origin'], undefined);
    const plain = await exchange(
      port,
      'POST',
      '/darwaza/sandbox/path-1',
      headers,
      JSON.stringify(ibftBody()),
    );
    assert.equal(plain.status, 200, plain.body);
    assert.equal(JSON.parse(plain.body).ResponseCode, '00');
    assert.equal(plain.headers['access-control-allow-origin'], undefined);
    assert.equal(plain.headers.vary, undefined);
  });
});

test("a gateway's start line names the gateway's own public URL, not the portal's", async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-roles-'));
  const server = await startServer(
    {
      DATA_DIR: dataDir,
      PUBLIC_URL: 'https://portal.example.test',
      GATEWAY_PUBLIC_URL: 'https://gw.example.test',
    },
    ['--role', 'gateway', '--no-seed'],
  );
  try {
    // /healthz answers as soon as the server listens; the start line follows it.
    for (let i = 0; i < 50 && !/darwaza \S+: gateway on/.test(server.stderr()); i++)
      await new Promise((r) => setTimeout(r, 100));
    assert.match(server.stderr(), /: gateway on https:\/\/gw\.example\.test \(/);
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
});

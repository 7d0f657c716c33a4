import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../src/app.ts';
import { errorCatalogue } from '../src/main.ts';
import { createGateway, type Gateway } from '../src/modules/gateway/gateway.ts';
import type { GatewayTables } from '../src/modules/gateway/index.ts';
import { migrations as gatewayMigrations } from '../src/modules/gateway/migrations.ts';
import { allowAllTerms, echoOperation, FakeDirectory } from '../src/modules/gateway/testing.ts';
import type { TermsEnforcer } from '../src/modules/terms/index.ts';
import { FakeClock } from '../src/platform/clock.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createKeyring } from '../src/platform/master-key.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { RedisSharedState } from '../src/platform/shared-state/redis-shared-state.ts';
import type { SharedState } from '../src/platform/shared-state/shared-state.ts';
import { testEngines, testSharedStates } from '../src/platform/testing.ts';

/**
 * The gateway pipeline over HTTP (app.inject) with an in-test directory: authentication, entitlement,
 * limits and their headers, idempotency, usage records, cache invalidation and fail-closed limits.
 */
const BASE = '/darwaza/sandbox';

type Rig = {
  app: FastifyInstance;
  gateway: Gateway;
  dir: FakeDirectory;
  clock: FakeClock;
  state: SharedState;
  db: import('kysely').Kysely<GatewayTables>;
  close(): Promise<void>;
};

async function rig(opts: {
  state: SharedState;
  terms?: TermsEnforcer;
  engine?: typeof testEngines extends () => (infer E)[] ? E : never;
}): Promise<Rig> {
  const engine = opts.engine ?? testEngines()[0];
  const database = await engine.open<GatewayTables>();
  await migrateToLatest(database.db, [gatewayMigrations]);
  const clock = new FakeClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const dir = new FakeDirectory();
  const log = createLogger('silent');
  const gateway = createGateway({
    provider: 'darwaza',
    publicUrl: 'http://localhost:3000',
    operations: [
      echoOperation(),
      echoOperation({
        operationId: 'fundsTransfer',
        path: '/funds-transfer-rest-service/path-1',
        paymentCreating: true,
      }),
      echoOperation({ operationId: 'secretOp', path: '/secret-op', requiresClientSecret: true }),
    ],
    directory: dir,
    terms: opts.terms ?? allowAllTerms,
    sharedState: opts.state,
    keyring: createKeyring(randomBytes(32)),
    clock,
    log,
    db: database.db,
    dialect: database.dialect,
    usageFlushMs: 50,
    loopDelaySignal: false,
  });
  await gateway.start();
  const app = await buildApp({
    errors: errorCatalogue,
    config: { publicUrl: 'http://localhost:3000', nodeEnv: 'test', role: 'all', portalRateLimit: 1000 },
    sharedState: opts.state,
    clock,
    log,
    metrics: createMetrics({ defaultMetrics: false }),
    routes: [],
    authenticate: async () => null,
    readiness: [gateway.readiness],
    plugins: [gateway.plugin],
    version: 'test',
  });
  return {
    app,
    gateway,
    dir,
    clock,
    state: opts.state,
    db: database.db,
    async close() {
      await app.close();
      await gateway.close();
      await database.cleanup();
    },
  };
}

const hdrs = (token: string, clientId: string, extra: Record<string, string> = {}) => ({
  'x-ibm-client-id': clientId,
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
  ...extra,
});

function parseRateLimit(v: string): Record<string, { r: number; t: number }> {
  const out: Record<string, { r: number; t: number }> = {};
  for (const item of v.split(',')) {
    const m = /^\s*"([^"]+)";r=(\d+);t=(\d+)\s*$/.exec(item);
    assert.ok(m, `bad RateLimit item ${item}`);
    out[m[1]] = { r: Number(m[2]), t: Number(m[3]) };
  }
  return out;
}

for (const s of testSharedStates()) {
  describe(`gateway pipeline (${s.name})`, () => {
    let r: Rig;
    before(async () => {
      r = await rig({ state: await s.open() });
      r.dir.addApp(
        { appId: 'app_a', clientId: 'client-a', orgId: 'org_a' },
        { token: 'tok-a', secret: 'sec-a' },
      );
      r.dir.addApp({ appId: 'app_b', clientId: 'client-b', orgId: 'org_b' }, { token: 'tok-b' });
      r.dir.addApp(
        { appId: 'app_s', clientId: 'client-s', orgId: 'org_s', status: 'suspended' },
        { token: 'tok-s' },
      );
      r.dir.addApp(
        { appId: 'app_o', clientId: 'client-o', orgId: 'org_o', status: 'suspended', orgStatus: 'suspended' },
        { token: 'tok-o' },
      );
      r.dir.addApp(
        { appId: 'app_r', clientId: 'client-r', orgId: 'org_r', status: 'revoked' },
        { token: 'tok-r' },
      );
      r.dir.addApp(
        { appId: 'app_p', clientId: 'client-p', orgId: 'org_p', environment: 'production' },
        { token: 'tok-p' },
      );
      r.dir.addApp(
        { appId: 'app_n', clientId: 'client-n', orgId: 'org_n' },
        { token: 'tok-n', productSlug: 'bills' },
      );
      r.dir.addApp(
        { appId: 'app_l', clientId: 'client-l', orgId: 'org_l' },
        { token: 'tok-l', plan: { endUserCap: { limit: 2, period: 'month' } } },
      );
    });
    after(async () => {
      await r.close();
      await r.state.close();
    });

    it('the 1LINK drop-in call: X-IBM-Client-Id + Bearer → 200 with request id and rate-limit fields', async () => {
      const res = await r.app.inject({
        method: 'POST',
        url: `${BASE}/path-1`,
        headers: hdrs('tok-a', 'client-a', { 'x-request-id': 'req-drop-in-0001' }),
        payload: { FromAccount: '00020000012345678', Amount: '000000010000' },
      });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ResponseCode, '00');
      assert.equal(res.headers['x-request-id'], 'req-drop-in-0001');
      assert.equal(res.headers['ratelimit-policy'], '"hour";q=100;w=3600');
      assert.equal(parseRateLimit(String(res.headers.ratelimit)).hour.r, 99);
      assert.equal(res.headers['x-ratelimit-limit'], '100');
      assert.equal(res.headers['x-ratelimit-remaining'], '99');
      assert.equal(res.headers['cache-control'], 'no-store');
    });

    it('alias X-Client-Id and a lower-case bearer scheme are accepted', async () => {
      const res = await r.app.inject({
        method: 'POST',
        url: `${BASE}/path-1`,
        headers: {
          'x-client-id': 'client-a',
          authorization: 'bearer tok-a',
          'content-type': 'application/json',
        },
        payload: {},
      });
      assert.equal(res.statusCode, 200, res.body);
    });

    const refusals: Array<[string, Record<string, string>, string, number, string, RegExp | null]> = [
      [
        'no client id',
        { authorization: 'Bearer tok-a' },
        '/path-1',
        401,
        'gateway_invalid_client',
        /^Bearer realm="darwaza"$/,
      ],
      [
        'no token',
        { 'x-ibm-client-id': 'client-a' },
        '/path-1',
        401,
        'gateway_invalid_token',
        /^Bearer realm="darwaza"$/,
      ],
      [
        'unknown token',
        hdrs('nope', 'client-a'),
        '/path-1',
        401,
        'gateway_invalid_token',
        /error="invalid_token"/,
      ],
      [
        'another client’s token',
        hdrs('tok-b', 'client-a'),
        '/path-1',
        401,
        'gateway_invalid_token',
        /invalid_token/,
      ],
      [
        'unknown client id',
        hdrs('tok-a', 'client-zzz'),
        '/path-1',
        401,
        'gateway_invalid_client',
        /invalid_token/,
      ],
      [
        'Basic instead of Bearer',
        { 'x-ibm-client-id': 'client-a', authorization: 'Basic abc' },
        '/path-1',
        401,
        'gateway_invalid_token',
        /^Bearer realm="darwaza"$/,
      ],
      [
        'token in query string',
        hdrs('tok-a', 'client-a'),
        '/path-1?access_token=tok-a',
        400,
        'gateway_token_in_query',
        /invalid_request/,
      ],
      [
        'missing client secret',
        hdrs('tok-a', 'client-a'),
        '/secret-op',
        401,
        'gateway_invalid_client_secret',
        /Bearer/,
      ],
      [
        'wrong client secret',
        hdrs('tok-a', 'client-a', { 'x-ibm-client-secret': 'bad' }),
        '/secret-op',
        401,
        'gateway_invalid_client_secret',
        /Bearer/,
      ],
      ['suspended app', hdrs('tok-s', 'client-s'), '/path-1', 403, 'gateway_app_suspended', null],
      [
        'app of a suspended organisation',
        hdrs('tok-o', 'client-o'),
        '/path-1',
        403,
        'gateway_organization_suspended',
        null,
      ],
      // A suspended app's tokens no longer verify: the refusal still names the suspension.
      [
        'suspended app, token gone',
        hdrs('tok-gone', 'client-s'),
        '/path-1',
        403,
        'gateway_app_suspended',
        null,
      ],
      ['revoked app', hdrs('tok-r', 'client-r'), '/path-1', 403, 'gateway_app_not_active', null],
      ['not subscribed', hdrs('tok-n', 'client-n'), '/path-1', 403, 'gateway_not_subscribed', null],
    ];
    for (const [name, headers, path, status, code, www] of refusals) {
      it(`refuses: ${name} → ${status} ${code}`, async () => {
        const res = await r.app.inject({ method: 'POST', url: `${BASE}${path}`, headers, payload: {} });
        assert.equal(res.statusCode, status, res.body);
        const body = res.json();
        assert.equal(body.error.code, code);
        assert.ok(body.error.requestId);
        assert.ok(body.error.docs);
        if (www) assert.match(String(res.headers['www-authenticate']), www);
      });
    }

    it('client secret where required: the right one passes', async () => {
      const res = await r.app.inject({
        method: 'POST',
        url: `${BASE}/secret-op`,
        headers: hdrs('tok-a', 'client-a', { 'x-ibm-client-secret': 'sec-a' }),
        payload: {},
      });
      assert.equal(res.statusCode, 200, res.body);
    });

    it('catalog must match: a sandbox token on production, a production app on sandbox', async () => {
      const a = await r.app.inject({
        method: 'POST',
        url: '/darwaza/production/path-1',
        headers: hdrs('tok-a', 'client-a'),
        payload: {},
      });
      assert.equal(a.statusCode, 401);
      assert.match(String(a.headers['www-authenticate']), /invalid_token/);
      assert.equal(JSON.parse(a.body).error.code, 'credential_wrong_catalog');
      assert.match(JSON.parse(a.body).error.message, /sandbox catalog/);
      const b = await r.app.inject({
        method: 'POST',
        url: `${BASE}/path-1`,
        headers: hdrs('tok-p', 'client-p'),
        payload: {},
      });
      assert.equal(b.statusCode, 401, 'a production token is not valid on the sandbox catalog');
      assert.equal(JSON.parse(b.body).error.code, 'credential_wrong_catalog');
      assert.match(String(b.headers['www-authenticate']), /invalid_token.*production catalog/);
    });

    it('terms refused → 403 with the terms code', async () => {
      const t = await rig({
        state: await s.open(),
        terms: {
          onApiCall: async () => ({ allowed: false, code: 'terms_not_accepted', message: 'Accept v3.' }),
        },
      });
      t.dir.addApp({ appId: 'app_t', clientId: 'client-t', orgId: 'org_t' }, { token: 'tok-t' });
      const res = await t.app.inject({
        method: 'POST',
        url: `${BASE}/path-1`,
        headers: hdrs('tok-t', 'client-t'),
        payload: {},
      });
      assert.equal(res.statusCode, 403);
      assert.equal(res.json().error.code, 'gateway_terms_not_accepted');
      assert.equal(res.json().error.message, 'Accept v3.');
      await t.close();
      await t.state.close();
    });

    it('"100 calls per hour": call 101 → 429 problem+json, Retry-After ≥ t, consistent headers', async () => {
      r.dir.addApp({ appId: 'app_h', clientId: 'client-h', orgId: 'org_h' }, { token: 'tok-h' });
      let lastR = 100;
      for (let i = 1; i <= 100; i++) {
        r.clock.advance(10);
        const res = await r.app.inject({
          method: 'POST',
          url: `${BASE}/path-1`,
          headers: hdrs('tok-h', 'client-h'),
          payload: {},
        });
        assert.equal(res.statusCode, 200, `call ${i}: ${res.body}`);
        const rl = parseRateLimit(String(res.headers.ratelimit)).hour;
        assert.equal(rl.r, 100 - i);
        assert.ok(rl.r <= lastR);
        lastR = rl.r;
        assert.ok(rl.t >= 0 && rl.t <= 3600);
      }
      const res = await r.app.inject({
        method: 'POST',
        url: `${BASE}/path-1`,
        headers: hdrs('tok-h', 'client-h'),
        payload: {},
      });
      assert.equal(res.statusCode, 429);
      assert.match(String(res.headers['content-type']), /^application\/problem\+json/);
      const rl = parseRateLimit(String(res.headers.ratelimit)).hour;
      assert.equal(rl.r, 0);
      assert.ok(Number(res.headers['retry-after']) >= rl.t);
      assert.equal(res.headers['x-ratelimit-remaining'], '0');
      const body = res.json();
      assert.equal(body.status, 429);
      assert.deepEqual(
        body['violated-policies'].map((v: { id: string }) => v.id),
        ['hour'],
      );
      assert.equal(body.error.code, 'rate_limited');
    });

    it('distinct end users: the third account is refused, the first still served', async () => {
      const call = (acct: string) =>
        r.app.inject({
          method: 'POST',
          url: `${BASE}/path-1`,
          headers: hdrs('tok-l', 'client-l'),
          payload: { FromAccount: acct },
        });
      assert.equal((await call('acct-1')).statusCode, 200);
      assert.equal((await call('acct-2')).statusCode, 200);
      const third = await call('acct-3');
      assert.equal(third.statusCode, 429);
      assert.equal(third.json().error.code, 'gateway_end_user_cap');
      assert.equal((await call('acct-1')).statusCode, 200);
      const viaHeader = await r.app.inject({
        method: 'POST',
        url: `${BASE}/path-1`,
        headers: hdrs('tok-l', 'client-l', { 'x-end-user-id': 'acct-2' }),
        payload: {},
      });
      assert.equal(viaHeader.statusCode, 200);
    });

    it('Idempotency-Key: retry replays, other body → 422, per-app scope', async () => {
      const url = `${BASE}/funds-transfer-rest-service/path-1`;
      const key = `k-${randomBytes(4).toString('hex')}`;
      const first = await r.app.inject({
        method: 'POST',
        url,
        headers: hdrs('tok-a', 'client-a', { 'idempotency-key': key }),
        payload: { Amount: '1' },
      });
      assert.equal(first.statusCode, 200);
      const again = await r.app.inject({
        method: 'POST',
        url,
        headers: hdrs('tok-a', 'client-a', { 'idempotency-key': key }),
        payload: { Amount: '1' },
      });
      assert.equal(again.statusCode, 200);
      assert.equal(again.body, first.body);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      const other = await r.app.inject({
        method: 'POST',
        url,
        headers: hdrs('tok-a', 'client-a', { 'idempotency-key': key }),
        payload: { Amount: '2' },
      });
      assert.equal(other.statusCode, 422);
      assert.equal(other.json().error.code, 'idempotency_key_reused');
      const otherApp = await r.app.inject({
        method: 'POST',
        url,
        headers: hdrs('tok-b', 'client-b', { 'idempotency-key': key }),
        payload: { Amount: '2' },
      });
      assert.equal(otherApp.statusCode, 200);
      assert.notEqual(otherApp.json().n, first.json().n);
    });

    it('usage: every 2xx has its row after close, bodies masked in the request log', async () => {
      const seen: string[] = [];
      for (let i = 0; i < 20; i++) {
        const id = `req-usage-${String(i).padStart(4, '0')}`;
        const res = await r.app.inject({
          method: 'POST',
          url: `${BASE}/path-1`,
          headers: hdrs('tok-b', 'client-b', { 'x-request-id': id }),
          payload: { FromAccount: '00020000012345678', CNIC: '35202-1234567-1' },
        });
        if (res.statusCode === 200) seen.push(id);
      }
      await r.gateway.recorder.flush();
      const rows = await r.db
        .selectFrom('gateway_usage')
        .where('request_id', 'in', seen)
        .select([
          'request_id',
          'status',
          'org_id',
          'app_id',
          'operation_id',
          'network_code',
          'end_user_hash',
          'latency_us',
          'bytes_out',
        ])
        .execute();
      assert.equal(rows.length, seen.length);
      assert.ok(
        rows.every(
          (x) => x.org_id === 'org_b' && x.network_code === '00' && x.end_user_hash && x.bytes_out > 0,
        ),
      );
      assert.ok(rows.every((x) => x.end_user_hash !== '00020000012345678'));
      const logs = await r.gateway.usage.listRequestLogs('org_b', { requestId: seen[0] });
      assert.equal(logs.items.length, 1);
      const text = JSON.stringify(logs.items[0]);
      assert.ok(!text.includes('00020000012345678'), 'account masked');
      assert.ok(!text.includes('1234567'), 'CNIC masked');
      assert.ok(!text.includes('tok-b'), 'token not kept');
      const search = await r.gateway.usage.listRequestLogs('org_b', { q: 'req-usage-001' });
      assert.equal(search.items.length, 10);
      assert.equal((await r.gateway.usage.listRequestLogs('org_a', { requestId: seen[0] })).items.length, 0);
      const usage = await r.gateway.usage.getAppUsage(
        'app_b',
        r.clock.nowMs() - 3_600_000,
        r.clock.nowMs() + 1,
      );
      assert.ok(usage.calls >= 20);
      assert.equal(usage.distinctEndUsers, 1);
      const ts = await r.gateway.usage.getUsageTimeseries('org_b', {
        fromMs: r.clock.nowMs() - 86_400_000,
        toMs: r.clock.nowMs() + 1,
        bucket: 'hour',
      });
      assert.ok(ts.length >= 1 && ts.reduce((n, p) => n + p.calls, 0) === usage.calls);
    });

    it('bodies are parsed after authentication: too deep (json_too_deep) or malformed → 400 recorded for the app', async () => {
      const deep = `${'['.repeat(5000)}${']'.repeat(5000)}`;
      const send = (headers: Record<string, string>, payload: string) =>
        r.app.inject({ method: 'POST', url: `${BASE}/path-1`, headers, payload });
      const tooDeep = await send(hdrs('tok-a', 'client-a', { 'x-request-id': 'req-deep-0001' }), deep);
      assert.equal(tooDeep.statusCode, 400);
      assert.deepEqual(Object.keys(tooDeep.json().error).sort(), ['code', 'docs', 'message', 'requestId']);
      assert.equal(tooDeep.json().error.code, 'json_too_deep');
      const at64 = await send(
        hdrs('tok-a', 'client-a', { 'x-request-id': 'req-deep-0064' }),
        `${'{"a":'.repeat(63)}{"FromAccount":"1"}${'}'.repeat(63)}`,
      );
      assert.equal(at64.statusCode, 200, '64 levels are accepted');
      const malformed = await send(hdrs('tok-a', 'client-a', { 'x-request-id': 'req-deep-bad1' }), '{"a":');
      assert.equal(malformed.json().error.code, 'malformed_json');
      const anonymous = await send(
        { 'content-type': 'application/json', 'x-request-id': 'req-deep-anon' },
        deep,
      );
      assert.equal(anonymous.statusCode, 401, 'authentication comes first');
      await r.gateway.recorder.flush();
      const rows = await r.db
        .selectFrom('gateway_usage')
        .where('request_id', 'like', 'req-deep-%')
        .select(['request_id', 'status', 'error_code', 'org_id', 'app_id'])
        .orderBy('request_id')
        .execute();
      assert.deepEqual(
        rows.map((x) => [x.request_id, Number(x.status), x.error_code, x.org_id, x.app_id]),
        [
          ['req-deep-0001', 400, 'json_too_deep', 'org_a', 'app_a'],
          ['req-deep-0064', 200, null, 'org_a', 'app_a'],
          ['req-deep-anon', 401, 'gateway_invalid_client', null, null],
          ['req-deep-bad1', 400, 'malformed_json', 'org_a', 'app_a'],
        ],
      );
      const log = await r.gateway.usage.listRequestLogs('org_a', { requestId: 'req-deep-0001' });
      assert.equal(log.items[0].requestBody, deep, 'the refused text is kept, unparsed');
    });

    it('cache invalidation: a suspension reaches the gateway within 1 s', async () => {
      const ok = await r.app.inject({
        method: 'POST',
        url: `${BASE}/path-1`,
        headers: hdrs('tok-b', 'client-b'),
        payload: {},
      });
      assert.equal(ok.statusCode, 200);
      const before = r.dir.lookups;
      await r.app.inject({
        method: 'POST',
        url: `${BASE}/path-1`,
        headers: hdrs('tok-b', 'client-b'),
        payload: {},
      });
      assert.equal(r.dir.lookups, before, 'served from the cache');
      r.dir.apps.set('client-b', { ...r.dir.apps.get('client-b')!, status: 'suspended' });
      await r.state.publish('cache-invalidate', JSON.stringify({ kind: 'app', id: 'app_b', appId: 'app_b' }));
      const deadline = Date.now() + 1000;
      let status = 200;
      while (Date.now() < deadline) {
        const res = await r.app.inject({
          method: 'POST',
          url: `${BASE}/path-1`,
          headers: hdrs('tok-b', 'client-b'),
          payload: {},
        });
        status = res.statusCode;
        if (status === 403) break;
        await new Promise((x) => setTimeout(x, 20));
      }
      assert.equal(status, 403);
    });
  });
}

describe('gateway with Redis unreachable', () => {
  it('fails closed: 503 + Retry-After, /readyz says so', async () => {
    const state = new RedisSharedState('redis://127.0.0.1:1', { commandTimeoutMs: 200 });
    const r = await rig({ state });
    r.dir.addApp({ appId: 'app_a', clientId: 'client-a', orgId: 'org_a' }, { token: 'tok-a' });
    const res = await r.app.inject({
      method: 'POST',
      url: `${BASE}/path-1`,
      headers: hdrs('tok-a', 'client-a'),
      payload: {},
    });
    assert.equal(res.statusCode, 503);
    assert.ok(Number(res.headers['retry-after']) >= 1);
    assert.equal(res.json().error.code, 'gateway_limiter_unavailable');
    const ready = await r.app.inject({ method: 'GET', url: '/readyz' });
    assert.equal(ready.statusCode, 503);
    assert.match(ready.json().checks['gateway-rate-limiter'], /fail closed/);
    await r.close();
    await state.close();
  });
});

describe('gateway fast path over a real socket', () => {
  it('same pipeline as the Fastify route: 200 with fields, 401 with WWW-Authenticate, bad JSON, other URLs via Fastify', async () => {
    const state = testSharedStates()[0];
    const r = await rig({ state: await state.open() });
    r.dir.addApp({ appId: 'app_a', clientId: 'client-a', orgId: 'org_a' }, { token: 'tok-a' });
    await r.app.listen({ port: 0, host: '127.0.0.1' });
    const base = `http://127.0.0.1:${(r.app.server.address() as import('node:net').AddressInfo).port}`;
    const post = (path: string, headers: Record<string, string>, body: string) =>
      fetch(`${base}${path}`, { method: 'POST', headers, body });
    const ok = await post(
      `${BASE}/path-1`,
      { ...hdrs('tok-a', 'client-a'), 'x-request-id': 'req-fast-path-1' },
      '{"FromAccount":"1"}',
    );
    assert.equal(ok.status, 200);
    assert.equal(ok.headers.get('x-request-id'), 'req-fast-path-1');
    assert.equal(ok.headers.get('ratelimit-policy'), '"hour";q=100;w=3600');
    assert.equal(ok.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(ok.headers.get('cache-control'), 'no-store', 'personal data is never cached');
    assert.equal((await ok.json()).ResponseCode, '00');
    const noToken = await post(
      `${BASE}/path-1`,
      { 'x-ibm-client-id': 'client-a', 'content-type': 'application/json' },
      '{}',
    );
    assert.equal(noToken.status, 401);
    assert.equal(noToken.headers.get('www-authenticate'), 'Bearer realm="darwaza"');
    const bad = await post(`${BASE}/path-1`, hdrs('tok-a', 'client-a'), '{"a":');
    assert.equal(bad.status, 400);
    assert.equal((await bad.json()).error.code, 'malformed_json');
    const deep = await post(
      `${BASE}/path-1`,
      { ...hdrs('tok-a', 'client-a'), 'x-request-id': 'req-fast-path-deep' },
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    );
    assert.equal(deep.status, 400);
    assert.equal((await deep.json()).error.code, 'json_too_deep');
    const poison = await post(`${BASE}/path-1`, hdrs('tok-a', 'client-a'), '{"__proto__":{"x":1}}');
    assert.equal(poison.status, 400);
    const big = await post(
      `${BASE}/path-1`,
      hdrs('tok-a', 'client-a'),
      JSON.stringify({ x: 'a'.repeat(300_000) }),
    );
    assert.equal(big.status, 413);
    const notJson = await post(
      `${BASE}/path-1`,
      { ...hdrs('tok-a', 'client-a'), 'content-type': 'text/plain' },
      'hi',
    );
    assert.ok(notJson.status < 500, 'non-JSON bodies are left to Fastify');
    const health = await fetch(`${base}/healthz`);
    assert.equal(health.status, 200);
    await r.gateway.recorder.flush();
    const rows = await r.db
      .selectFrom('gateway_usage')
      .where('request_id', 'in', ['req-fast-path-1', 'req-fast-path-deep'])
      .select(['request_id', 'error_code', 'app_id'])
      .orderBy('request_id')
      .execute();
    assert.deepEqual(
      rows.map((x) => [x.request_id, x.error_code, x.app_id]),
      [
        ['req-fast-path-1', null, 'app_a'],
        ['req-fast-path-deep', 'json_too_deep', 'app_a'],
      ],
    );
    await r.close();
    await r.state.close();
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { Kysely } from 'kysely';
import { buildApp } from '../src/app.ts';
import { errorCatalogue } from '../src/main.ts';
import { type AuditTables, auditModule } from '../src/modules/audit/index.ts';
import { createGateway, type Gateway } from '../src/modules/gateway/gateway.ts';
import type { GatewayTables } from '../src/modules/gateway/index.ts';
import { migrations as gatewayMigrations } from '../src/modules/gateway/migrations.ts';
import { allowAllTerms, FakeDirectory } from '../src/modules/gateway/testing.ts';
import { ibftBody, openSandbox, type SandboxFixture } from '../src/modules/sandbox/test-support.ts';
import { SCENARIO_ACCOUNTS } from '../src/modules/sandbox/world.ts';
import {
  type UpstreamsService,
  type UpstreamsTables,
  upstreamsModule,
} from '../src/modules/upstreams/index.ts';
import { FakeClock } from '../src/platform/clock.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createKeyring } from '../src/platform/master-key.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { systemContext } from '../src/platform/request-context.ts';
import { MemorySharedState } from '../src/platform/shared-state/memory-shared-state.ts';
import { testEngines } from '../src/platform/testing.ts';
import { startUpstream, type UpstreamProcess } from './upstream-helpers.ts';

/**
 * The production path end to end (issue 35 item 2): the real gateway pipeline with the sandbox's
 * real operations (their `idempotent` marks included), upstream settings stored by the upstreams
 * module on each engine and announced to the gateway, and the simulated upstream as its own process
 * (`darwaza upstream`). The directory is the in-test one with a production app (the production
 * credentials are issue 35's other half).
 */
const PROD = '/darwaza/production';
const ctx = systemContext('test');

type Rig = {
  app: FastifyInstance;
  gateway: Gateway;
  upstreams: UpstreamsService;
  db: Kysely<GatewayTables>;
  close(): Promise<void>;
};

async function rig(engine: ReturnType<typeof testEngines>[number], sandbox: SandboxFixture): Promise<Rig> {
  const database = await engine.open<GatewayTables & AuditTables & UpstreamsTables>();
  await migrateToLatest(database.db, [gatewayMigrations, auditModule.migrations, upstreamsModule.migrations]);
  const clock = new FakeClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const keyring = createKeyring(randomBytes(32));
  const state = new MemorySharedState();
  const log = createLogger('silent');
  const metrics = createMetrics({ defaultMetrics: false });
  const audit = (await auditModule.create({ db: database.db, clock })).ports.audit;
  const upstreams = (
    await upstreamsModule.create({
      db: database.db,
      clock,
      keyring,
      audit,
      sharedState: state,
      productExists: async (slug) => slug === 'ibft' || slug === 'bills',
    })
  ).ports.upstreams;
  const dir = new FakeDirectory();
  dir.addApp(
    { appId: 'app_p', clientId: 'client-p', orgId: 'org_p', environment: 'production' },
    { token: 'tok-p', plan: { rateLimits: [] } },
  );
  dir.addApp(
    { appId: 'app_l', clientId: 'client-l', orgId: 'org_l', environment: 'production' },
    { token: 'tok-l', plan: { rateLimits: [{ periodMs: 3_600_000, limit: 2 }] } },
  );
  dir.addApp(
    { appId: 'app_b', clientId: 'client-b', orgId: 'org_p', environment: 'production' },
    { token: 'tok-b', productSlug: 'bills', plan: { rateLimits: [] } },
  );
  const gateway = createGateway({
    provider: 'darwaza',
    publicUrl: 'http://localhost:3000',
    operations: sandbox.sandbox.operations,
    directory: dir,
    terms: allowAllTerms,
    sharedState: state,
    keyring,
    clock,
    log,
    db: database.db,
    dialect: database.dialect,
    usageFlushMs: 50,
    loopDelaySignal: false,
    metrics,
    upstreamDirectory: upstreams,
    upstreamTuning: { breaker: { failureThreshold: 3, openMs: 400 } },
  });
  await gateway.start();
  const app = await buildApp({
    errors: errorCatalogue,
    config: { publicUrl: 'http://localhost:3000', nodeEnv: 'test', role: 'all', portalRateLimit: 1000 },
    sharedState: state,
    clock,
    log,
    metrics,
    routes: [],
    authenticate: async () => null,
    readiness: [gateway.readiness, gateway.upstreamReadiness!],
    plugins: [gateway.plugin],
    version: 'test',
  });
  return {
    app,
    gateway,
    upstreams,
    db: database.db,
    async close() {
      await app.close();
      await gateway.close();
      await state.close();
      await database.cleanup();
    },
  };
}

const headers = (token = 'tok-p', clientId = 'client-p') => ({
  'x-ibm-client-id': clientId,
  authorization: `Bearer ${token}`,
  'content-type': 'application/json',
});

/** Waits until the gateway has read a change (the change message is handled asynchronously). */
async function settled(r: Rig, baseUrl: string): Promise<void> {
  for (let i = 0; i < 100; i++) {
    if (r.gateway.upstreams!.health().some((h) => h.baseUrl === baseUrl)) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error(`the gateway did not pick up ${baseUrl}`);
}

for (const engine of testEngines()) {
  describe(`production path through a real upstream process (${engine.name})`, () => {
    let up: UpstreamProcess;
    let sandbox: SandboxFixture;
    let r: Rig;
    before(async () => {
      up = await startUpstream(undefined, ['--timeout-delay-ms', '600']);
      sandbox = await openSandbox(testEngines()[0]!);
      r = await rig(engine, sandbox);
      await r.upstreams.update('ibft', { baseUrl: up.url }, ctx);
      await settled(r, up.url);
    });
    after(async () => {
      await r?.close();
      await sandbox?.cleanup();
      await up?.stop();
    });

    const titleFetch = (over: Record<string, unknown> = {}) =>
      r.app.inject({ method: 'POST', url: `${PROD}/path-1`, headers: headers(), payload: ibftBody(over) });
    const transfer = () =>
      r.app.inject({
        method: 'POST',
        url: `${PROD}/funds-transfer-rest-service/path-1`,
        headers: headers(),
        payload: ibftBody(),
      });

    it('a production title fetch goes to the upstream and back, with its usage record', async () => {
      const before = (await up.hits()).ibftTitleFetch ?? 0;
      const res = await titleFetch();
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().ResponseCode, '00');
      assert.equal(res.json().AccountTitleTo, 'SALMAN AHMED');
      assert.equal((await up.hits()).ibftTitleFetch, before + 1, 'served by the upstream process');
      await r.gateway.recorder.flush();
      const row = await r.db
        .selectFrom('gateway_usage')
        .selectAll()
        .where('request_id', '=', String(res.headers['x-request-id']))
        .executeTakeFirstOrThrow();
      assert.equal(row.catalog, 'production');
      assert.equal(row.app_id, 'app_p');
      assert.equal(row.operation_id, 'ibftTitleFetch');
      assert.equal(row.network_code, '00');
      assert.equal(row.status, 200);
    });

    it('the sandbox catalog still runs in-process (the upstream sees nothing)', async () => {
      const before = (await up.hits()).ibftTitleFetch ?? 0;
      // A sandbox call with a production-only app is refused, but never reaches the upstream.
      await r.app.inject({
        method: 'POST',
        url: '/darwaza/sandbox/path-1',
        headers: headers(),
        payload: ibftBody(),
      });
      assert.equal((await up.hits()).ibftTitleFetch ?? 0, before);
    });

    it('a product without an upstream answers 503 gateway_upstream_not_configured', async () => {
      const op = sandbox.sandbox.operations.find((o) => o.productSlug === 'bills')!;
      const res = await r.app.inject({
        method: op.method,
        url: `${PROD}${op.path}`,
        headers: headers('tok-b', 'client-b'),
        payload: {},
      });
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error.code, 'gateway_upstream_not_configured');
    });

    it('the same idempotency and limits as the sandbox: a repeated Idempotency-Key is answered from the first call, the plan’s limit refuses the third call; neither reaches the upstream', async () => {
      const body = ibftBody();
      const send = () =>
        r.app.inject({
          method: 'POST',
          url: `${PROD}/funds-transfer-rest-service/path-1`,
          headers: { ...headers(), 'idempotency-key': `idem-${body.RRN}` },
          payload: body,
        });
      const h0 = (await up.hits()).ibftFundsTransfer ?? 0;
      const first = await send();
      assert.equal(first.statusCode, 200, first.body);
      const again = await send();
      assert.equal(again.statusCode, 200);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      assert.equal(again.body, first.body);
      assert.equal((await up.hits()).ibftFundsTransfer, h0 + 1, 'the upstream saw the transfer once');

      const t0 = (await up.hits()).ibftTitleFetch ?? 0;
      const limited = () =>
        r.app.inject({
          method: 'POST',
          url: `${PROD}/path-1`,
          headers: headers('tok-l', 'client-l'),
          payload: ibftBody(),
        });
      assert.equal((await limited()).statusCode, 200);
      assert.equal((await limited()).statusCode, 200);
      const third = await limited();
      assert.equal(third.statusCode, 429, third.body);
      assert.equal((await up.hits()).ibftTitleFetch, t0 + 2, 'the refused call never reached the upstream');
    });

    it('a dropped connection: a title fetch is retried once (two upstream hits), a transfer never is', async () => {
      let h = await up.hits();
      await up.faults(1, 'reset');
      const res = await titleFetch();
      assert.equal(res.statusCode, 200, res.body);
      let now = await up.hits();
      assert.equal(now.ibftTitleFetch - (h.ibftTitleFetch ?? 0), 2, 'the title fetch was sent twice');

      h = now;
      await up.faults(1, 'reset');
      const t = await transfer();
      assert.equal(t.statusCode, 502, t.body);
      assert.equal(t.json().error.code, 'gateway_upstream_unavailable');
      now = await up.hits();
      assert.equal(now.ibftFundsTransfer - (h.ibftFundsTransfer ?? 0), 1, 'the transfer was sent once');
      // The next transfer goes through (the fault was one call).
      assert.equal((await transfer()).statusCode, 200);
    });

    it('an answer over the size cap is a 502 gateway_upstream_bad_answer', async () => {
      await r.upstreams.update('ibft', { maxResponseBytes: 256 }, ctx);
      await settledVersion(r);
      const res = await titleFetch();
      assert.equal(res.statusCode, 502, res.body);
      assert.equal(res.json().error.code, 'gateway_upstream_bad_answer');
      assert.match(res.json().error.message, /exceeds 256 bytes/);
      await r.upstreams.update('ibft', { maxResponseBytes: 1024 * 1024 }, ctx);
      await settledVersion(r);
      assert.equal((await titleFetch()).statusCode, 200);
    });

    it('an upstream slower than the response time-out is a 504 gateway_upstream_timeout, in time', async () => {
      await r.upstreams.update('ibft', { responseTimeoutMs: 150 }, ctx);
      await settledVersion(r);
      const t0 = performance.now();
      // The simulator holds this account's answer for 600 ms (--timeout-delay-ms).
      const res = await titleFetch({ AccountNumberTo: SCENARIO_ACCOUNTS.timeout });
      const ms = performance.now() - t0;
      assert.equal(res.statusCode, 504, res.body);
      assert.equal(res.json().error.code, 'gateway_upstream_timeout');
      assert.ok(ms < 550, `answered after ${ms.toFixed(0)} ms`);
      await r.upstreams.update('ibft', { responseTimeoutMs: 10_000 }, ctx);
      await settledVersion(r);
    });

    it('upstream stopped: 503 unreachable + Retry-After from the first call, then the circuit opens (503 + Retry-After, fast, upstream untouched); /readyz names it and stays 200; it recovers when the upstream returns', async () => {
      assert.equal((await titleFetch()).statusCode, 200);
      const port = up.port;
      await up.stop();
      // Failures up to the threshold (3 here) are tried: no connection, so nothing was sent —
      // 503 with Retry-After, never the 502 of a call dropped on its way.
      for (let i = 0; i < 3; i++) {
        const res = await transfer();
        assert.equal(res.statusCode, 503, res.body);
        assert.equal(res.json().error.code, 'gateway_upstream_unreachable');
        assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
      }
      const t0 = performance.now();
      const res = await titleFetch();
      const ms = performance.now() - t0;
      assert.equal(res.statusCode, 503, res.body);
      assert.equal(res.json().error.code, 'gateway_upstream_circuit_open');
      assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
      assert.ok(ms < 100, `failed fast (${ms.toFixed(1)} ms)`);

      const ready = await r.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 200, 'one upstream down does not make the gateway unready');
      assert.match(
        ready.json().checks['production-upstreams'],
        /^degraded: ibft \(http:\/\/127\.0\.0\.1:\d+\) circuit open/,
      );
      const metrics = await r.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics.body, /darwaza_upstream_circuit_state\{product="ibft"\} 2/);

      up = await startUpstream(port, ['--timeout-delay-ms', '600']);
      await new Promise((res2) => setTimeout(res2, 450));
      // Half-open: the next call is the probe; it succeeds and closes the circuit.
      const back = await titleFetch();
      assert.equal(back.statusCode, 200, back.body);
      const ready2 = await r.app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready2.json().checks['production-upstreams'], 'ok');
      const metrics2 = await r.app.inject({ method: 'GET', url: '/metrics' });
      assert.match(metrics2.body, /darwaza_upstream_circuit_state\{product="ibft"\} 0/);
      assert.match(metrics2.body, /darwaza_upstream_circuit_opened\{product="ibft"\} 1/);
    });

    it('switching the upstream off answers 503 not configured; the gateway follows every change', async () => {
      await r.upstreams.update('ibft', { enabled: false }, ctx);
      for (let i = 0; i < 100 && r.gateway.upstreams!.health().length > 0; i++)
        await new Promise((res) => setTimeout(res, 10));
      const res = await titleFetch();
      assert.equal(res.statusCode, 503);
      assert.equal(res.json().error.code, 'gateway_upstream_not_configured');
      await r.upstreams.update('ibft', { enabled: true }, ctx);
      await settled(r, up.url);
      assert.equal((await titleFetch()).statusCode, 200);
    });
  });
}

/** Waits for the gateway to hold the stored version of the ibft upstream. */
async function settledVersion(r: Rig): Promise<void> {
  const want = String((await r.upstreams.list()).find((u) => u.productSlug === 'ibft')!.version);
  for (let i = 0; i < 100; i++) {
    if (r.gateway.upstreams!.health().find((h) => h.productSlug === 'ibft')?.version === want) return;
    await new Promise((res) => setTimeout(res, 10));
  }
  throw new Error('the gateway did not pick up the change');
}

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildApp } from '../src/app.ts';
import { errorCatalogue } from '../src/main.ts';
import { createGateway } from '../src/modules/gateway/gateway.ts';
import { migrations as gatewayMigrations } from '../src/modules/gateway/migrations.ts';
import { allowAllTerms, echoOperation, FakeDirectory } from '../src/modules/gateway/testing.ts';
import { systemClock } from '../src/platform/clock.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createKeyring } from '../src/platform/master-key.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { RedisSharedState } from '../src/platform/shared-state/redis-shared-state.ts';
import { testEngines } from '../src/platform/testing.ts';
import { appsWorld, createApp, tokenCall } from './apps-helpers.ts';
import { engines, startTestSystem } from './harness.ts';
import { activeUser, TEST_PASSWORD } from './identity-helpers.ts';
import { freePort } from './process-helpers.ts';

/**
 * Redis goes away mid-run: limited calls fail closed (503 + Retry-After, never admitted unchecked),
 * /readyz says so, and when Redis is back the gateway recovers by itself within 10 s. Runs its own
 * throwaway redis-server (skipped when the binary is missing).
 */
const redisBin = '/usr/bin/redis-server';
const hasRedis = await import('node:fs').then((fs) => fs.existsSync(redisBin));

function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    redisBin,
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    {
      stdio: 'ignore',
    },
  );
  return new Promise((res) => setTimeout(() => res(child), 300));
}

describe('gateway when Redis stops and comes back', {
  skip: hasRedis ? false : 'redis-server not installed',
}, () => {
  it('fails closed while Redis is down, recovers within 10 s', async () => {
    const port = await freePort();
    let redis = await startRedis(port);
    const state = new RedisSharedState(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 300 });
    await state.ready();
    const database = await testEngines()[0].open();
    await migrateToLatest(database.db, [gatewayMigrations]);
    const dir = new FakeDirectory();
    dir.addApp(
      { appId: 'app_a', clientId: 'client-a', orgId: 'org_a' },
      { token: 'tok-a', plan: { rateLimits: [{ periodMs: 3_600_000, limit: 100_000 }] } },
    );
    const log = createLogger('silent');
    const gateway = createGateway({
      provider: 'darwaza',
      publicUrl: 'http://localhost:3000',
      operations: [echoOperation()],
      directory: dir,
      terms: allowAllTerms,
      sharedState: state,
      keyring: createKeyring(randomBytes(32)),
      clock: systemClock,
      log,
      db: database.db,
      usageFlushMs: 50,
      loopDelaySignal: false,
    });
    await gateway.start();
    const app = await buildApp({
      errors: errorCatalogue,
      config: { publicUrl: 'http://localhost:3000', nodeEnv: 'test', role: 'all', portalRateLimit: 1000 },
      sharedState: state,
      clock: systemClock,
      log,
      metrics: createMetrics({ defaultMetrics: false }),
      routes: [],
      authenticate: async () => null,
      readiness: [gateway.readiness],
      plugins: [gateway.plugin],
      version: 'test',
    });
    const callOnce = () =>
      app.inject({
        method: 'POST',
        url: '/darwaza/sandbox/path-1',
        headers: {
          'x-ibm-client-id': 'client-a',
          authorization: 'Bearer tok-a',
          'content-type': 'application/json',
        },
        payload: {},
      });
    try {
      assert.equal((await callOnce()).statusCode, 200);
      const admittedBefore = dir.lookups;
      redis.kill('SIGKILL');
      await new Promise((r) => redis.once('exit', r));
      let sawClosed = 0;
      for (let i = 0; i < 5; i++) {
        const res = await callOnce();
        assert.equal(res.statusCode, 503, 'no call admitted unchecked');
        assert.ok(Number(res.headers['retry-after']) >= 1);
        sawClosed++;
      }
      assert.equal(sawClosed, 5);
      assert.ok(dir.lookups >= admittedBefore);
      const ready = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(ready.statusCode, 503);
      redis = await startRedis(port);
      const t0 = Date.now();
      let status = 0;
      while (Date.now() - t0 < 10_000) {
        status = (await callOnce()).statusCode;
        if (status === 200) break;
        await new Promise((r) => setTimeout(r, 200));
      }
      assert.equal(status, 200, 'recovered within 10 s');
      const readyAgain = await app.inject({ method: 'GET', url: '/readyz' });
      assert.equal(readyAgain.statusCode, 200, readyAgain.body);
    } finally {
      await app.close();
      await gateway.close();
      await state.close();
      await database.cleanup();
      redis.kill('SIGKILL');
    }
  });
});

/**
 * The whole system on a Redis that stops: sign-in and the token endpoint need the shared state
 * (failed-attempt counters), so they fail closed like the gateway — 503 with a stable code and
 * Retry-After (the token endpoint also `Cache-Control: no-store`), never a 500 — and serve again
 * once Redis is back.
 */
for (const engine of engines()) {
  describe(`sign-in and the token endpoint when Redis stops (${engine.name})`, {
    skip: hasRedis ? false : 'redis-server not installed',
  }, () => {
    it('answer 503 + Retry-After with a stable code while Redis is down, and recover', async () => {
      const port = await freePort();
      let redis = await startRedis(port);
      const state = new RedisSharedState(`redis://127.0.0.1:${port}`, { commandTimeoutMs: 300 });
      await state.ready();
      const sys = await startTestSystem({ engine, sharedState: state });
      try {
        const w = await appsWorld(sys);
        const app = await createApp(sys, w.ownerA, w.orgA, { planId: w.plans.ibftDefault });
        const dev = await activeUser(sys);
        const signIn = (password = TEST_PASSWORD) =>
          sys.app.inject({
            method: 'POST',
            url: '/api/v1/sessions',
            payload: { email: dev.email, password },
          });
        const token = (secret = app.clientSecret) =>
          tokenCall(sys, {
            grant_type: 'client_credentials',
            client_id: app.clientId,
            client_secret: secret,
          });
        assert.equal((await signIn()).statusCode, 201);
        assert.equal((await token()).status, 200);

        redis.kill('SIGKILL');
        await new Promise((r) => redis.once('exit', r));
        for (const password of [TEST_PASSWORD, 'wrong-password-1']) {
          const res = await signIn(password);
          assert.equal(res.statusCode, 503, res.body);
          assert.equal(res.json().error.code, 'service_unavailable');
          assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
        }
        for (const secret of [app.clientSecret, 'wrong-secret']) {
          const res = await token(secret);
          assert.equal(res.status, 503, JSON.stringify(res.body));
          assert.equal(res.body.error, 'temporarily_unavailable');
          assert.equal(res.body.darwaza_code, 'service_unavailable');
          assert.equal(res.body.error_uri, 'http://localhost:3000/docs/errors#service_unavailable');
          assert.ok(Number(res.headers['retry-after']) >= 1, 'Retry-After');
          assert.equal(res.headers['cache-control'], 'no-store');
        }

        const recovers = async (what: string) => {
          const t0 = Date.now();
          let signInStatus = 0;
          let tokenStatus = 0;
          while (Date.now() - t0 < 10_000) {
            signInStatus = (await signIn()).statusCode;
            tokenStatus = (await token()).status;
            if (signInStatus === 201 && tokenStatus === 200) break;
            await new Promise((r) => setTimeout(r, 200));
          }
          assert.equal(signInStatus, 201, `sign-in recovered within 10 s after ${what}`);
          assert.equal(tokenStatus, 200, `the token endpoint recovered within 10 s after ${what}`);
        };
        redis = await startRedis(port);
        await recovers('a restart');

        // A hung Redis (stopped, connection open): commands time out, with the same answers.
        redis.kill('SIGSTOP');
        try {
          const s = await signIn();
          assert.equal(s.statusCode, 503, s.body);
          assert.equal(s.json().error.code, 'service_unavailable');
          const t = await token();
          assert.equal(t.status, 503, JSON.stringify(t.body));
          assert.equal(t.body.darwaza_code, 'service_unavailable');
          assert.ok(Number(t.headers['retry-after']) >= 1);
        } finally {
          redis.kill('SIGCONT');
        }
        await recovers('a hang');
      } finally {
        await sys.cleanup();
        redis.kill('SIGKILL');
      }
    });
  });
}

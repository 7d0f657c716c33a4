import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { buildApp } from '../src/app.ts';
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

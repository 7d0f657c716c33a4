import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type AuditTables, auditModule } from '../src/modules/audit/index.ts';
import { ProductionUpstreams } from '../src/modules/gateway/production-upstreams.ts';
import {
  type UpstreamsService,
  type UpstreamsTables,
  upstreamsModule,
} from '../src/modules/upstreams/index.ts';
import { FakeClock } from '../src/platform/clock.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { createLogger } from '../src/platform/logger.ts';
import { createKeyring } from '../src/platform/master-key.ts';
import { systemContext } from '../src/platform/request-context.ts';
import { RedisSharedState } from '../src/platform/shared-state/redis-shared-state.ts';
import { redisSkipReason, type TestDatabase, testEngines } from '../src/platform/testing.ts';

/**
 * A change to an upstream reaches every gateway process (issue 35): the upstreams service publishes
 * on `upstreams-changed` through one Redis connection (the portal's process), a gateway's
 * ProductionUpstreams subscribed through another (a gateway process) re-reads at once — well
 * before its 30 s periodic refresh, which is set to an hour here so only the message can explain it.
 */
describe('upstream changes across processes (Redis pub/sub)', { skip: redisSkipReason }, () => {
  let database: TestDatabase<AuditTables & UpstreamsTables>;
  let portalState: RedisSharedState;
  let gatewayState: RedisSharedState;
  let service: UpstreamsService;
  let gateway: ProductionUpstreams;
  before(async () => {
    const prefix = `test:${randomBytes(6).toString('hex')}:`;
    portalState = new RedisSharedState(process.env.REDIS_URL!, { keyPrefix: prefix });
    gatewayState = new RedisSharedState(process.env.REDIS_URL!, { keyPrefix: prefix });
    await Promise.all([portalState.ready(), gatewayState.ready()]);
    database = await testEngines()[0]!.open<AuditTables & UpstreamsTables>();
    await migrateToLatest(database.db, [auditModule.migrations, upstreamsModule.migrations]);
    const clock = new FakeClock(Date.UTC(2026, 11, 7));
    const audit = (await auditModule.create({ db: database.db, clock })).ports.audit;
    service = (
      await upstreamsModule.create({
        db: database.db,
        clock,
        keyring: createKeyring(randomBytes(32)),
        audit,
        sharedState: portalState,
        productExists: async () => true,
      })
    ).ports.upstreams;
    gateway = new ProductionUpstreams({
      directory: service,
      sharedState: gatewayState,
      log: createLogger('silent'),
      refreshMs: 3_600_000,
    });
    await gateway.start();
  });
  after(async () => {
    await gateway?.close();
    await portalState?.close();
    await gatewayState?.close();
    await database?.cleanup();
  });

  async function seen(test: () => boolean): Promise<number> {
    const t0 = performance.now();
    for (let i = 0; i < 300; i++) {
      if (test()) return performance.now() - t0;
      await new Promise((r) => setTimeout(r, 10));
    }
    throw new Error('the gateway did not see the change');
  }

  it('a new upstream, a change and switching it off each reach the other process within moments', async () => {
    assert.deepEqual(gateway.health(), []);
    const ctx = systemContext('test');
    await service.update('ibft', { baseUrl: 'http://127.0.0.1:3999' }, ctx);
    await seen(() => gateway.health()[0]?.baseUrl === 'http://127.0.0.1:3999');
    await service.update('ibft', { baseUrl: 'http://127.0.0.1:4000' }, ctx);
    await seen(
      () => gateway.health()[0]?.baseUrl === 'http://127.0.0.1:4000' && gateway.health()[0]?.version === '2',
    );
    await service.update('ibft', { enabled: false }, ctx);
    const ms = await seen(() => gateway.health().length === 0);
    assert.ok(ms < 3000, `seen after ${ms.toFixed(0)} ms`);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import type { AppError } from '../../platform/errors.ts';
import { EventBus } from '../../platform/events.ts';
import { testEngines } from '../../platform/testing.ts';
import { CatalogService, operationsOf } from './catalog-service.ts';
import './events.ts';
import { migrations } from './migrations.ts';

const doc = (paths: Record<string, unknown>, version = '3.1.0') => ({
  openapi: version,
  info: { title: 'T', version: '2.0.0' },
  paths,
});

describe('operationsOf', () => {
  test('lists operations and insists on unique operationIds and OpenAPI 3.1', () => {
    const ops = operationsOf(
      doc({ '/a': { post: { operationId: 'opA', summary: 'A' }, get: { operationId: 'opB' } } }),
    );
    assert.deepEqual(
      ops.map((o) => `${o.method} ${o.path} ${o.operationId}`),
      ['GET /a opB', 'POST /a opA'],
    );
    const code = (f: () => unknown) => {
      try {
        f();
        return 'ok';
      } catch (e) {
        return (e as AppError).code;
      }
    };
    assert.equal(
      code(() => operationsOf(doc({ '/a': { post: {} } }))),
      'invalid_openapi',
    );
    assert.equal(
      code(() =>
        operationsOf(doc({ '/a': { post: { operationId: 'x' } }, '/b': { get: { operationId: 'x' } } })),
      ),
      'invalid_openapi',
    );
    assert.equal(
      code(() => operationsOf(doc({}, '3.0.3'))),
      'invalid_openapi',
    );
    assert.equal(
      code(() => operationsOf(doc({ '/a': { post: { operationId: 'bad id!' } } }))),
      'invalid_openapi',
    );
  });
});

for (const engine of testEngines()) {
  describe(`CatalogService on ${engine.name}`, () => {
    let database: Awaited<ReturnType<typeof engine.open>>;
    let catalog: CatalogService;
    const clock = new FakeClock(Date.UTC(2026, 10, 23));
    const events: string[] = [];
    before(async () => {
      database = await engine.open();
      await migrateToLatest(database.db, [migrations]);
      const bus = new EventBus();
      bus.subscribe('test', {
        'catalog.product_lifecycle': async (e) => {
          events.push(`${e.kind}:${e.product.slug}`);
        },
      });
      catalog = new CatalogService({
        db: database.db,
        clock,
        provider: 'uat-1link',
        publicUrl: 'https://portal.example/',
        events: bus,
      });
    });
    after(() => database.cleanup());

    test('catalogs are /{provider}/{catalog}', () => {
      assert.deepEqual(
        catalog.listCatalogs().map((c) => c.tokenUrl),
        [
          'https://portal.example/uat-1link/sandbox/oauth2/token',
          'https://portal.example/uat-1link/production/oauth2/token',
        ],
      );
    });

    test('draft → published → deprecated → retired, with listeners told; drafts and retired hidden', async () => {
      await catalog.upsertProduct({
        slug: 'alias',
        name: '1PAY',
        apis: [{ openapi: doc({ '/1Link/alias': { post: { operationId: 'aliasLookup' } } }) }],
      });
      await assert.rejects(catalog.getProduct('alias'), (e: AppError) => e.code === 'not_found');
      await assert.rejects(catalog.publishProduct('alias'), (e: AppError) => e.code === 'conflict');
      const plan = await catalog.createPlan('alias', {
        name: 'Default',
        rateLimits: [{ period: 'hour', limit: 100 }],
      });
      await assert.rejects(
        catalog.createPlan('alias', { name: 'Default' }),
        (e: AppError) => e.code === 'already_exists',
      );
      await assert.rejects(
        catalog.createPlan('alias', { name: 'Bad', timeZone: 'Mars/Olympus' }),
        (e: AppError) => e.code === 'validation_failed' && JSON.stringify(e.details).includes('time zone'),
      );
      await catalog.publishProduct('alias');
      const p = await catalog.getProduct('alias');
      assert.equal(p.apis[0].version, '2.0.0');
      assert.equal(p.apis[0].operations[0].operationId, 'aliasLookup');
      assert.equal(p.plans[0].id, plan.id);
      await catalog.deprecateProduct('alias', 'moving to v3');
      assert.equal((await catalog.getProduct('alias')).lifecycleNote, 'moving to v3');
      await catalog.retireProduct('alias', null);
      await assert.rejects(catalog.getProduct('alias'), (e: AppError) => e.code === 'not_found');
      assert.equal((await catalog.getProduct('alias', { includeAll: true })).status, 'retired');
      await assert.rejects(catalog.publishProduct('alias'), (e: AppError) => e.code === 'conflict');
      assert.deepEqual(events, ['published:alias', 'deprecated:alias', 'retired:alias']);
    });

    test('plans: per-operation limits only for known operations; updates keep what is not sent', async () => {
      await catalog.upsertProduct({
        slug: 'qr',
        name: '1QR',
        apis: [{ openapi: doc({ '/qr': { post: { operationId: 'getQRCode' } } }) }],
      });
      await assert.rejects(
        catalog.createPlan('qr', {
          name: 'XX',
          operationRateLimits: { nope: [{ period: 'second', limit: 1 }] },
        }),
        (e: AppError) => e.code === 'validation_failed',
      );
      const plan = await catalog.createPlan('qr', {
        name: 'Per op',
        operationRateLimits: { getQRCode: [{ period: 'second', limit: 3 }] },
        quotaMonth: 10,
        endUserCap: { limit: 5, period: 'month' },
      });
      const updated = await catalog.updatePlan(plan.id, { burst: 7 });
      assert.equal(updated.burst, 7);
      assert.deepEqual(updated.operationRateLimits, { getQRCode: [{ period: 'second', limit: 3 }] });
      assert.deepEqual(updated.endUserCap, { limit: 5, period: 'month' });
      assert.equal((await catalog.findPlanByName('qr', 'Per op'))?.id, plan.id);
      const docOut = await catalog.getApiDocument(
        'qr',
        (await catalog.getProduct('qr', { includeAll: true })).apis[0].id,
        { includeAll: true },
      );
      assert.equal(
        (docOut.servers as Array<{ url: string }>)[0].url,
        'https://portal.example/uat-1link/sandbox',
      );
    });
  });
}

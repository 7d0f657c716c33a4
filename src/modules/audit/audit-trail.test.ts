import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import type { Principal } from '../../platform/http/contract.ts';
import { contextOf, systemContext } from '../../platform/request-context.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { AuditService } from './audit-service.ts';
import { auditTrail } from './index.ts';
import { migrations } from './migrations.ts';
import type { AuditTables } from './tables.ts';

const exampleActions = ['widget.created', 'widget.deleted'] as const;

for (const engine of testEngines()) {
  describe(`a module's audit helper on ${engine.name}`, () => {
    let database: TestDatabase<AuditTables>;
    let log: AuditService;
    before(async () => {
      database = await engine.open<AuditTables>();
      await migrateToLatest(database.db, [migrations]);
      log = new AuditService(database.db, new FakeClock(Date.UTC(2026, 11, 7)));
    });
    after(() => database.cleanup());

    test('records who (from the request context), what, on what, for which organisation', async () => {
      const audit = auditTrail(log, exampleActions);
      const operator = { userId: 'usr_op', isOperator: true } as Principal;
      const ctx = contextOf({ principal: operator, ip: '10.0.0.9', userAgent: 'ua', requestId: 'req_1' });
      await audit(
        ctx,
        'widget.created',
        { type: 'widget', id: 'wdg_1' },
        { orgId: 'org_1', details: { n: 1 } },
      );
      await audit(systemContext('cli'), 'widget.deleted', null);
      const [deleted, created] = await log.list({});
      assert.deepEqual(
        {
          actor: [created!.actorType, created!.actorId],
          ip: created!.ip,
          org: created!.orgId,
          d: created!.details,
        },
        { actor: ['operator', 'usr_op'], ip: '10.0.0.9', org: 'org_1', d: { n: 1 } },
      );
      assert.deepEqual([deleted!.actorType, deleted!.actorId, deleted!.targetId], ['system', 'cli', null]);
      // @ts-expect-error an action outside the module's catalogue does not compile
      await audit(ctx, 'widget.creatd', null);
    });
  });
}

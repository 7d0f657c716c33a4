import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { shareTransaction } from '../../platform/db/shared-transaction.ts';
import { testEngines } from '../../platform/testing.ts';
import { AuditService } from './audit-service.ts';
import { migrations } from './migrations.ts';

for (const engine of testEngines()) {
  describe(`AuditService on ${engine.name}`, () => {
    let database: Awaited<ReturnType<typeof engine.open>>;
    let audit: AuditService;
    before(async () => {
      database = await engine.open();
      await migrateToLatest(database.db, [migrations]);
      audit = new AuditService(database.db, new FakeClock(Date.UTC(2026, 10, 23)));
    });
    after(() => database.cleanup());

    test('records every field and lists newest first with filters', async () => {
      await audit.record({
        actor: { type: 'user', id: 'usr_a' },
        action: 'user.signin',
        target: { type: 'user', id: 'usr_a' },
        orgId: 'org_1',
        ip: '10.0.0.1',
        userAgent: 'ua',
        details: { mfa: true },
      });
      await audit.record({ actor: { type: 'system', id: null }, action: 'org.created', orgId: 'org_2' });
      const all = await audit.list({});
      assert.equal(all.length, 2);
      assert.equal(all[0].action, 'org.created');
      const [first] = await audit.list({ orgId: 'org_1' });
      assert.deepEqual(
        { ...first, id: undefined },
        {
          id: undefined,
          at: '2026-11-23T00:00:00.000Z',
          actorType: 'user',
          actorId: 'usr_a',
          action: 'user.signin',
          targetType: 'user',
          targetId: 'usr_a',
          orgId: 'org_1',
          ip: '10.0.0.1',
          userAgent: 'ua',
          details: { mfa: true },
        },
      );
      assert.equal(await audit.count('user.signin'), 1);
    });

    test('an event written in a rolled-back transaction disappears with it', async () => {
      await database.db
        .transaction()
        .execute(async (trx) => {
          await audit.record(
            { actor: { type: 'system', id: null }, action: 'rolled.back' },
            shareTransaction(trx),
          );
          throw new Error('abort');
        })
        .catch(() => {});
      assert.equal(await audit.count('rolled.back'), 0);
    });
  });
}

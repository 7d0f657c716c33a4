import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { createLogger } from '../../platform/logger.ts';
import { testEngines } from '../../platform/testing.ts';
import { Mailer } from './mailer.ts';
import { migrations } from './migrations.ts';
import { NotificationService } from './notification-service.ts';

for (const engine of testEngines()) {
  describe(`outbox and notifications on ${engine.name}`, () => {
    let database: Awaited<ReturnType<typeof engine.open>>;
    const clock = new FakeClock(Date.UTC(2026, 10, 23));
    before(async () => {
      database = await engine.open();
      await migrateToLatest(database.db, [migrations]);
    });
    after(() => database.cleanup());

    test('every message is stored, newest first, filterable by recipient', async () => {
      const mailer = new Mailer({ db: database.db, clock, from: 'x@y', log: createLogger('silent') });
      await mailer.send({ to: 'A@Example.com', subject: 'one', text: 'body 1', kind: 'test' });
      clock.advance(1);
      await mailer.send({ to: 'b@example.com', subject: 'two', text: 'body 2', kind: 'test' });
      const all = await mailer.list();
      assert.deepEqual(
        all.map((m) => m.subject),
        ['two', 'one'],
      );
      const forA = await mailer.list({ to: 'a@example.com' });
      assert.equal(forA.length, 1);
      assert.equal(forA[0].status, 'stored');
    });

    test('SMTP failures are recorded on the row, not thrown at the caller', async () => {
      const mailer = new Mailer({
        db: database.db,
        clock,
        from: 'x@y',
        smtpUrl: 'smtp://127.0.0.1:1',
        log: createLogger('silent'),
      });
      const id = await mailer.send({ to: 'c@example.com', subject: 'three', text: 'b', kind: 'test' });
      await mailer.drain();
      const [row] = await mailer.list({ to: 'c@example.com' });
      assert.equal(row.id, id);
      assert.equal(row.status, 'failed');
    });

    test('in-app notifications belong to their user only', async () => {
      const n = new NotificationService(database.db, clock);
      await n.notify(['usr_1', 'usr_2'], { kind: 'terms', title: 'New terms', body: 'b' });
      const [mine] = await n.list('usr_1');
      assert.equal(mine.title, 'New terms');
      assert.equal(await n.markRead('usr_2', mine.id), false);
      assert.equal(await n.markRead('usr_1', mine.id), true);
    });
  });
}

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { FakeClock } from '../../platform/clock.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { createLogger } from '../../platform/logger.ts';
import { createKeyring } from '../../platform/master-key.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { Mailer } from './mailer.ts';
import { migrations } from './migrations.ts';
import { NotificationService } from './notification-service.ts';
import type { NotificationsTables } from './tables.ts';

for (const engine of testEngines()) {
  describe(`outbox and notifications on ${engine.name}`, () => {
    let database: TestDatabase<NotificationsTables>;
    const clock = new FakeClock(Date.UTC(2026, 10, 23));
    const keyring = createKeyring(randomBytes(32));
    before(async () => {
      database = await engine.open<NotificationsTables>();
      await migrateToLatest(database.db, [migrations]);
    });
    after(() => database.cleanup());
    const newMailer = (more: Partial<ConstructorParameters<typeof Mailer>[0]> = {}) =>
      new Mailer({ db: database.db, clock, keyring, from: 'x@y', log: createLogger('silent'), ...more });

    test('every message is stored, newest first, filterable by recipient', async () => {
      const mailer = newMailer();
      await mailer.send({ to: 'A@Example.com', subject: 'one', text: 'body 1', kind: 'activation' });
      clock.advance(1);
      await mailer.send({ to: 'b@example.com', subject: 'two', text: 'body 2', kind: 'activation' });
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
      const mailer = newMailer({ smtpUrl: 'smtp://127.0.0.1:1' });
      const id = await mailer.send({ to: 'c@example.com', subject: 'three', text: 'b', kind: 'activation' });
      await mailer.drain();
      const [row] = await mailer.list({ to: 'c@example.com' });
      assert.equal(row.id, id);
      assert.equal(row.status, 'failed');
    });

    test('subjects and bodies are sealed in the table and opened only by the mailer', async () => {
      const mailer = newMailer();
      const secret = `tok_${randomBytes(16).toString('hex')}`;
      const id = await mailer.send({
        to: 'd@example.com',
        subject: `Subject ${secret}`,
        text: `Open https://x/reset-password?token=${secret}`,
        kind: 'activation',
      });
      const row = await database.db
        .selectFrom('mail_outbox')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.ok(!JSON.stringify(row).includes(secret), 'plaintext in the row');
      assert.match(row.text_body, /^v1\./);
      assert.equal(Number(row.sealed), 1);
      const [shown] = await mailer.list({ to: 'd@example.com' });
      assert.equal(shown.text, `Open https://x/reset-password?token=${secret}`);
      assert.equal(shown.subject, `Subject ${secret}`);
      // Another master key cannot open the row, and the listing still answers.
      const stranger = newMailer({ keyring: createKeyring(randomBytes(32)) });
      const [unreadable] = await stranger.list({ to: 'd@example.com' });
      assert.ok(!unreadable.text.includes(secret));
      assert.match(unreadable.text, /another master key/);
    });

    test('rows stored in plaintext before sealing are sealed at start, old bytes included', async () => {
      const secret = `legacy_${randomBytes(16).toString('hex')}`;
      const ids: string[] = [];
      for (let i = 0; i < 7; i++) {
        const id = `mail_legacy${String(i).padStart(20, '0')}`;
        ids.push(id);
        await database.db
          .insertInto('mail_outbox')
          .values({
            id,
            created_at: clock.now().toISOString(),
            to_address: 'legacy@example.com',
            subject: `Reset ${i}`,
            // Long enough to spill into overflow pages on SQLite.
            text_body: `Open https://x/reset-password?token=${secret}\n${'padding '.repeat(i * 200)}`,
            kind: 'password_reset',
            status: 'stored',
          })
          .execute();
      }
      const mailer = newMailer();
      assert.equal(await mailer.sealPlaintextRows(3), 7);
      assert.equal(await mailer.sealPlaintextRows(), 0, 'a second start seals nothing twice');
      const shown = await mailer.list({ to: 'legacy@example.com' });
      assert.equal(shown.length, 7);
      for (const m of shown) assert.ok(m.text.startsWith(`Open https://x/reset-password?token=${secret}`));
      const rows = await database.db.selectFrom('mail_outbox').selectAll().execute();
      assert.ok(!JSON.stringify(rows).includes(secret));
      if (database.location?.engine === 'sqlite') {
        // The file and its WAL: no old page image or freed cell keeps the plaintext.
        const file = database.location.file;
        for (const f of [file, `${file}-wal`]) {
          let bytes: Buffer;
          try {
            bytes = readFileSync(f);
          } catch {
            continue;
          }
          assert.equal(bytes.indexOf(secret, 0, 'latin1'), -1, `plaintext left in ${f}`);
        }
        const sd = await sql<{ secure_delete: number }>`pragma secure_delete`.execute(database.db);
        assert.equal(Number(sd.rows[0].secure_delete), 0, 'secure_delete is restored after sealing');
      }
    });

    test('in-app notifications belong to their user only', async () => {
      const n = new NotificationService(database.db, clock);
      await n.notify(['usr_1', 'usr_2'], { kind: 'terms.published', title: 'New terms', body: 'b' });
      const [mine] = await n.list('usr_1');
      assert.equal(mine.title, 'New terms');
      assert.equal(await n.markRead('usr_2', mine.id), false);
      assert.equal(await n.markRead('usr_1', mine.id), true);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { allMigrations, type DatabaseTables } from '../src/modules.ts';
import { isUniqueViolation } from '../src/platform/db/database.ts';
import { type MigrationSet, migrateToLatest } from '../src/platform/db/migrator.ts';
import { col, defineTable, type TablesOf } from '../src/platform/db/table.ts';
import { type TestDatabase, testEngines } from '../src/platform/testing.ts';

// The platform's database and migrator over every module's migrations (src/modules.ts lists them):
// here in test/, since platform never imports the root files.

/** What the tests below add: a column by a later migration, a table by hand. */
const extraNote = defineTable('audit_events', { extra_note: col.text().nullable() });
const tValues = defineTable('t_values', { flag: col.flag(), paisa: col.bigint() });
type TestTables = DatabaseTables & TablesOf<[typeof extraNote]> & TablesOf<[typeof tValues]>;

for (const engine of testEngines()) {
  describe(`database on ${engine.name}`, () => {
    let database: TestDatabase<TestTables>;
    before(async () => {
      database = await engine.open<TestTables>();
    });
    after(() => database.cleanup());

    test('every module migration applies on a fresh database', async () => {
      const r = await migrateToLatest(database.db, allMigrations);
      assert.ok(r.applied.length >= allMigrations.length);
      const again = await migrateToLatest(database.db, allMigrations);
      assert.equal(again.applied.length, 0, 'a second run applies nothing');
    });

    const later: MigrationSet = {
      '209901010000_test_add_column': {
        async up(db) {
          await db.schema.alterTable('audit_events').addColumn('extra_note', 'text').execute();
        },
      },
    };

    test('data survives a later migration', async () => {
      await database.db
        .insertInto('audit_events')
        .values({
          id: 'evt_survivor',
          at: '2026-11-23T00:00:00.000Z',
          actor_type: 'system',
          action: 'test.row',
        })
        .execute();
      const r = await migrateToLatest(database.db, [...allMigrations, later]);
      assert.deepEqual(r.applied, ['209901010000_test_add_column']);
      const row = await database.db
        .selectFrom('audit_events')
        .selectAll()
        .where('id', '=', 'evt_survivor')
        .executeTakeFirstOrThrow();
      assert.equal(row.action, 'test.row');
      assert.equal(row.extra_note, null);
    });

    test('a failing migration reports its name and leaves earlier data intact', async () => {
      const broken: MigrationSet = {
        '209901010001_test_broken': {
          async up(db) {
            await sql`this is not sql`.execute(db);
          },
        },
      };
      await assert.rejects(
        migrateToLatest(database.db, [...allMigrations, later, broken]),
        /migration 209901010001_test_broken failed/,
      );
      const n = await database.db
        .selectFrom('audit_events')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .executeTakeFirstOrThrow();
      assert.ok(Number(n.n) >= 1);
    });

    test('transactions roll back as a whole', async () => {
      await assert.rejects(
        database.db.transaction().execute(async (trx) => {
          await trx
            .insertInto('audit_events')
            .values({ id: 'evt_rolledback', at: 'x', actor_type: 'system', action: 'a' })
            .execute();
          throw new Error('boom');
        }),
      );
      const row = await database.db
        .selectFrom('audit_events')
        .select('id')
        .where('id', '=', 'evt_rolledback')
        .executeTakeFirst();
      assert.equal(row, undefined);
    });

    test('unique violations are recognised on this engine', async () => {
      const err = await database.db
        .insertInto('audit_events')
        .values({ id: 'evt_survivor', at: 'x', actor_type: 'system', action: 'dup' })
        .execute()
        .catch((e: unknown) => e);
      assert.ok(isUniqueViolation(err), String(err));
    });

    test('booleans and large paisa amounts round-trip as numbers', async () => {
      await sql`create table t_values (flag integer not null, paisa bigint not null)`.execute(database.db);
      await database.db.insertInto('t_values').values({ flag: true, paisa: 9_007_199_254_740_991 }).execute();
      const row = await database.db.selectFrom('t_values').selectAll().executeTakeFirstOrThrow();
      assert.equal(row.flag, 1);
      assert.equal(row.paisa, 9_007_199_254_740_991);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Kysely } from 'kysely';
import { testEngines } from '../testing.ts';
import { type MigrationSet, migrateToLatest } from './migrator.ts';
import { col, compareWithDatabase, defineTable, type TablesOf } from './table.ts';

const widgets = defineTable('widgets', {
  id: col.text(),
  name: col.text(),
  created_at: col.time(),
  active: col.flag().withDefault(),
  price_paisa: col.bigint(),
  notes: col.json().nullable(),
  count: col.int().nullable(),
});

type DB = TablesOf<[typeof widgets]>;

const widgetsMigration: MigrationSet = {
  '209901010000_widgets': {
    async up(db) {
      await db.schema
        .createTable('widgets')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('active', 'integer', (c) => c.notNull().defaultTo(1))
        .addColumn('price_paisa', 'bigint', (c) => c.notNull())
        .addColumn('notes', 'text')
        .addColumn('count', 'integer')
        .execute();
    },
  },
};

for (const engine of testEngines()) {
  describe(`declared tables against the migrated schema on ${engine.name}`, () => {
    let database: Awaited<ReturnType<typeof engine.open>>;
    before(async () => {
      database = await engine.open();
      await migrateToLatest(database.db, [widgetsMigration]);
    });
    after(() => database.cleanup());

    test('a declaration that matches its migration has no differences', async () => {
      assert.deepEqual(await compareWithDatabase(database.db, database.dialect, [widgets]), []);
    });

    test('every kind of drift is reported: missing, extra, storage and nullability', async () => {
      const drifted = defineTable('widgets', {
        id: col.text(),
        name: col.text().nullable(),
        created_at: col.time(),
        active: col.text(),
        price_paisa: col.bigint(),
        notes: col.json(),
        colour: col.text(),
      });
      const diff = await compareWithDatabase(database.db, database.dialect, [
        drifted,
        defineTable('gadgets', { id: col.text() }),
      ]);
      const lines = diff.map(
        (d) => `${d.table}.${d.column ?? ''}: ${d.problem.replace(/, migrated .*/, ', migrated …')}`,
      );
      assert.deepEqual(lines.sort(), [
        'gadgets.: declared but not in the migrated schema',
        'widgets.active: declared text, migrated …',
        'widgets.colour: declared but not in the migrated schema',
        'widgets.count: migrated but not declared',
        'widgets.name: declared nullable, migrated …',
        'widgets.notes: declared NOT NULL, migrated …',
      ]);
    });

    test('asked to, it names a migrated table no declaration covers (not the migrator own tables)', async () => {
      assert.deepEqual(
        await compareWithDatabase(database.db, database.dialect, [widgets], { undeclaredTables: true }),
        [],
        'kysely_migration and kysely_migration_lock are the migrator own bookkeeping',
      );
      await migrateToLatest(database.db, [
        widgetsMigration,
        {
          '209901010001_gizmos': {
            async up(db) {
              await db.schema
                .createTable('gizmos')
                .addColumn('id', 'text', (c) => c.primaryKey())
                .execute();
            },
          },
        },
      ]);
      assert.deepEqual(await compareWithDatabase(database.db, database.dialect, [widgets]), []);
      assert.deepEqual(
        await compareWithDatabase(database.db, database.dialect, [widgets], { undeclaredTables: true }),
        [{ table: 'gizmos', problem: 'migrated but no declaration names the table' }],
      );
      const gizmos = defineTable('gizmos', { id: col.text() });
      assert.deepEqual(
        await compareWithDatabase(database.db, database.dialect, [widgets, gizmos], {
          undeclaredTables: true,
        }),
        [],
      );
    });

    test('the derived type reads and writes the declared shapes', async () => {
      const db = database.db as Kysely<DB>;
      await db
        .insertInto('widgets')
        .values({
          id: 'w1',
          name: 'a',
          created_at: '2026-12-06T00:00:00.000Z',
          price_paisa: 150,
          notes: null,
        })
        .execute();
      await db.updateTable('widgets').set({ active: false }).where('id', '=', 'w1').execute();
      const row = await db.selectFrom('widgets').selectAll().where('id', '=', 'w1').executeTakeFirstOrThrow();
      assert.equal(row.active, 0);
      assert.equal(row.price_paisa, 150);
      // @ts-expect-error a misspelt column does not compile
      await assert.rejects(db.selectFrom('widgets').select('nmae').execute());
    });
  });
}

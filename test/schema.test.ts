import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { allMigrations, allTables } from '../src/modules.ts';
import { migrateToLatest } from '../src/platform/db/migrator.ts';
import { compareWithDatabase } from '../src/platform/db/table.ts';
import { type TestDatabase, testEngines } from '../src/platform/testing.ts';

/**
 * The declared tables (src/modules.ts `allTables`, ADR 0008) against what every migration really
 * builds, on each engine: no missing or extra column, storage class or nullability difference, and
 * no migrated table that no declaration names. A migration changed without its module's
 * `tables.ts` (or the reverse) fails here, naming the table and column.
 */

for (const engine of testEngines()) {
  describe(`declared tables against the migrated schema on ${engine.name}`, () => {
    let database: TestDatabase<unknown>;
    before(async () => {
      database = await engine.open<unknown>();
      await migrateToLatest(database.db, allMigrations);
    });
    after(() => database.cleanup());

    test('every declaration matches the migrated schema, and every migrated table is declared', async () => {
      const diff = await compareWithDatabase(database.db, database.dialect, allTables, {
        undeclaredTables: true,
      });
      assert.deepEqual(
        diff.map((d) => `${d.table}${d.column ? `.${d.column}` : ''}: ${d.problem}`),
        [],
      );
    });
  });
}

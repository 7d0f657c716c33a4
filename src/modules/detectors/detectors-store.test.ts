import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { DetectorsStore } from './detectors-store.ts';
import { migrations } from './migrations.ts';
import type { DetectorsTables } from './tables.ts';

for (const engine of testEngines()) {
  describe(`DetectorsStore on ${engine.name}`, () => {
    let database: TestDatabase<DetectorsTables>;
    let store: DetectorsStore;
    before(async () => {
      database = await engine.open<DetectorsTables>();
      await migrateToLatest(database.db, [migrations]);
      store = new DetectorsStore(database.db);
    });
    after(() => database.cleanup());

    test('settings are inserted, then replaced in place (one row per detector)', async () => {
      const row = {
        detector_id: 'brute_force',
        enabled: 1,
        thresholds: '{"perSubject":10}',
        updated_by: 'usr_1',
        updated_at: '2026-12-07T04:00:00.000Z',
      };
      await store.saveSettings(row);
      await store.saveSettings({ ...row, enabled: 0, thresholds: '{"perSubject":12}', updated_by: 'usr_2' });
      await store.saveSettings({ ...row, detector_id: 'floods' });
      const rows = (await store.listSettings()).sort((a, b) => a.detector_id.localeCompare(b.detector_id));
      assert.equal(rows.length, 2);
      assert.equal(Number(rows[0]!.enabled), 0);
      assert.equal(rows[0]!.thresholds, '{"perSubject":12}');
      assert.equal(rows[0]!.updated_by, 'usr_2');
    });
  });
}

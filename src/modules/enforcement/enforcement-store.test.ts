import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import { newId } from '../../platform/ids.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { EnforcementStore } from './enforcement-store.ts';
import { migrations } from './migrations.ts';
import type { EnforcementTables } from './tables.ts';

/** One live incident per (detector, subject) keeps counting, also under concurrent reports. */
function report(detector: string, subjectId: string, atIso: string, count = 1) {
  return {
    id: newId('inc', Date.parse(atIso)),
    detector,
    severity: 'high',
    subject_kind: 'app',
    subject_id: subjectId,
    org_id: 'org_x',
    status: 'open',
    open_key: `${detector}|app|${subjectId}`,
    title: 't',
    summary: '',
    terms_clause: null,
    breach_type: null,
    window_start: atIso,
    window_end: atIso,
    count,
    resolution_reason: null,
    created_by: null,
    created_at: atIso,
    updated_at: atIso,
    closed_at: null,
    closed_by: null,
  };
}

for (const engine of testEngines()) {
  describe(`EnforcementStore on ${engine.name}`, () => {
    let database: TestDatabase<EnforcementTables>;
    let store: EnforcementStore;
    before(async () => {
      database = await engine.open<EnforcementTables>();
      await migrateToLatest(database.db, [migrations]);
      store = new EnforcementStore(database.db);
    });
    after(() => database.cleanup());

    test('a second report of the same (detector, subject) counts on the live incident and stretches its window', async () => {
      const a = await store.upsertIncident(report('brute', 'app_1', '2026-12-07T10:00:00.000Z', 3));
      const b = await store.upsertIncident(report('brute', 'app_1', '2026-12-07T09:00:00.000Z', 2));
      assert.equal(a, b);
      const row = (await store.findIncident(a))!;
      assert.equal(Number(row.count), 5);
      assert.equal(row.window_start, '2026-12-07T09:00:00.000Z');
      assert.equal(row.window_end, '2026-12-07T10:00:00.000Z');
      // Another detector or subject is another incident.
      assert.notEqual(await store.upsertIncident(report('scan', 'app_1', '2026-12-07T10:00:00.000Z')), a);
      assert.notEqual(await store.upsertIncident(report('brute', 'app_2', '2026-12-07T10:00:00.000Z')), a);
    });

    test('concurrent reports make one live incident and lose no count', async () => {
      const ids = await Promise.all(
        Array.from({ length: 25 }, () =>
          store.upsertIncident(report('flood', 'app_c', '2026-12-07T10:00:00.000Z')),
        ),
      );
      assert.equal(new Set(ids).size, 1);
      assert.equal(Number((await store.findIncident(ids[0]!))!.count), 25);
    });

    test('closing an incident frees its key: the next report opens a new one', async () => {
      const a = await store.upsertIncident(report('probe', 'app_r', '2026-12-07T10:00:00.000Z'));
      assert.ok(
        await store.setIncidentState(a, ['open'], {
          status: 'resolved',
          resolution_reason: 'false positive',
          updated_at: '2026-12-07T11:00:00.000Z',
        }),
      );
      // A state change from a state it is not in changes nothing.
      assert.equal(
        await store.setIncidentState(a, ['open'], {
          status: 'acknowledged',
          updated_at: '2026-12-07T11:00:00.000Z',
        }),
        false,
      );
      const b = await store.upsertIncident(report('probe', 'app_r', '2026-12-07T12:00:00.000Z'));
      assert.notEqual(a, b);
      assert.equal((await store.findIncident(a))!.status, 'resolved');
      assert.equal(Number((await store.findIncident(b))!.count), 1);
    });

    test('listing filters, sorts by severity and count, and pages with a total', async () => {
      const page = await store.listIncidents({ detector: 'brute', sort: 'count', limit: 1, offset: 0 });
      assert.equal(page.total, 2);
      assert.equal(page.rows.length, 1);
      assert.equal(page.rows[0]!.subject_id, 'app_1');
      const second = await store.listIncidents({ detector: 'brute', sort: 'count', limit: 1, offset: 1 });
      assert.equal(second.rows[0]!.subject_id, 'app_2');
      const resolved = await store.listIncidents({ status: 'resolved', limit: 10, offset: 0 });
      assert.deepEqual(
        resolved.rows.map((r) => r.detector),
        ['probe'],
      );
    });
  });
}

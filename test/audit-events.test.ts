import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { parseCsv } from '../src/platform/csv.ts';
import { systemContext } from '../src/platform/request-context.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { activeUser, operatorUser, type SignedIn, testOrganization } from './identity-helpers.ts';

/**
 * The operators' audit search (listAuditEvents) and its CSV export over HTTP: every filter, keyset
 * paging that neither repeats nor skips a row when events are recorded between pages, the export
 * audited as an export, and who may read the trail at all (operators only).
 */
for (const engine of engines()) {
  describe(`audit search and export (${engine.name})`, () => {
    let sys: TestSystem;
    let op: SignedIn;
    let dev: SignedIn;
    let orgId: string;
    const get = (who: SignedIn | null, url: string) =>
      sys.app.inject({ method: 'GET', url, headers: who?.headers ?? {} });
    const search = async (qs: string) => {
      const res = await get(op, `/api/v1/admin/audit/events?${qs}`);
      assert.equal(res.statusCode, 200, res.body);
      return res.json() as { items: Array<Record<string, string>>; nextCursor: string | null };
    };
    const record = (action: string, extra: { orgId?: string; targetId?: string; targetType?: string } = {}) =>
      sys.services.audit.record({
        actor: { type: 'user', id: 'usr_searcher' },
        action,
        orgId: extra.orgId ?? 'org_search',
        target: extra.targetId ? { type: extra.targetType ?? 'widget', id: extra.targetId } : null,
      });

    before(async () => {
      sys = await startTestSystem({ engine });
      op = await operatorUser(sys);
      dev = await activeUser(sys);
      orgId = await testOrganization(sys, dev);
    });
    after(() => sys.cleanup());

    test('filters: actor, organisation, exact action, action prefix (with _ as a plain character), target, time', async () => {
      sys.clock.advance(60_000);
      const t0 = new Date(sys.clock.nowMs()).toISOString();
      await record('widget.created', { targetId: 'wdg_1' });
      sys.clock.advance(1000);
      await record('widget.deleted', { targetId: 'wdg_1' });
      sys.clock.advance(1000);
      await record('widgetxcreated', { targetId: 'wdg_2', targetType: 'gadget' });
      await record('widget_made', { orgId: 'org_other' });
      sys.clock.advance(1);
      const t1 = new Date(sys.clock.nowMs()).toISOString();
      sys.clock.advance(1000);
      await record('widget.late');
      const actions = async (qs: string) => (await search(qs)).items.map((e) => e.action);

      assert.deepEqual(await actions('actorId=usr_searcher&orgId=org_search&actionPrefix=widget.'), [
        'widget.late',
        'widget.deleted',
        'widget.created',
      ]);
      // `_` is not a wildcard: widget_ matches widget_made only, not widget.… or widgetx…
      assert.deepEqual(await actions('actionPrefix=widget_'), ['widget_made']);
      assert.deepEqual(await actions('action=widget.created'), ['widget.created']);
      assert.deepEqual(await actions('targetId=wdg_1'), ['widget.deleted', 'widget.created']);
      assert.deepEqual(await actions('targetType=gadget'), ['widgetxcreated']);
      assert.deepEqual(await actions('orgId=org_other'), ['widget_made']);
      // from inclusive, to exclusive; an offset is converted to UTC before comparing.
      const plus5 = (iso: string) =>
        new Date(Date.parse(iso) + 5 * 3600_000).toISOString().replace('Z', '+05:00');
      assert.deepEqual(
        await actions(
          `actorId=usr_searcher&from=${encodeURIComponent(plus5(t0))}&to=${encodeURIComponent(plus5(t1))}`,
        ),
        ['widget_made', 'widgetxcreated', 'widget.deleted', 'widget.created'],
      );
      // The events recorded by the system under test are there too, filterable by organisation.
      assert.ok((await actions(`orgId=${orgId}`)).includes('org.created'));
    });

    test('keyset paging is stable while events are recorded between pages', async () => {
      for (let i = 0; i < 7; i++) {
        sys.clock.advance(10);
        await record('paging.event', { orgId: 'org_paging', targetId: `wdg_p${i}` });
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      let pages = 0;
      do {
        const page = await search(`orgId=org_paging&limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        seen.push(...page.items.map((e) => e.targetId));
        cursor = page.nextCursor;
        pages++;
        // Newer events arriving meanwhile belong before the first page: they never shift this walk.
        sys.clock.advance(10);
        await record('paging.event', { orgId: 'org_paging', targetId: `wdg_new${pages}` });
      } while (cursor);
      assert.equal(pages, 3);
      assert.deepEqual(seen, ['wdg_p6', 'wdg_p5', 'wdg_p4', 'wdg_p3', 'wdg_p2', 'wdg_p1', 'wdg_p0']);
    });

    test('bad filters are refused with validation_failed', async () => {
      for (const qs of [
        'from=yesterday',
        'limit=0',
        'limit=5000',
        `orgId=${'x'.repeat(61)}`,
        'cursor=a%27b',
      ]) {
        const res = await get(op, `/api/v1/admin/audit/events?${qs}`);
        assert.equal(res.statusCode, 400, `${qs}: ${res.body}`);
        assert.equal(res.json().error.code, 'validation_failed');
      }
    });

    test('CSV export: the selected events as CSV, recorded as an export with its filters', async () => {
      await sys.services.audit.record({
        actor: systemContext('csv').actor,
        action: 'csv.check',
        orgId: 'org_csv',
        details: { note: '=1+1' },
      });
      const res = await get(op, '/api/v1/admin/audit/events.csv?orgId=org_csv');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /text\/csv/);
      assert.match(String(res.headers['content-disposition']), /audit-events\.csv/);
      const rows = parseCsv(res.body);
      assert.deepEqual(rows[0]!.slice(0, 5), ['id', 'at', 'actorType', 'actorId', 'action']);
      assert.equal(rows.length, 2);
      assert.equal(rows[1]![4], 'csv.check');
      assert.deepEqual(JSON.parse(rows[1]![10]!), { note: '=1+1' });
      const [exported] = (await search('action=audit.events_exported')).items as unknown as Array<{
        actorId: string;
        orgId: string;
        details: { rows: number; filters: { orgId: string } };
      }>;
      assert.equal(exported!.actorId, op.userId);
      assert.equal(exported!.orgId, 'org_csv');
      assert.deepEqual([exported!.details.rows, exported!.details.filters.orgId], [1, 'org_csv']);
    });

    test('operators only: a developer (even an organisation owner) gets 403, anonymous callers 401', async () => {
      for (const url of [
        `/api/v1/admin/audit/events?orgId=${orgId}`,
        `/api/v1/admin/audit/events.csv?orgId=${orgId}`,
        '/api/v1/admin/audit/events?orgId=org_other',
      ]) {
        const asOwner = await get(dev, url);
        assert.equal(asOwner.statusCode, 403, `${url}: ${asOwner.body}`);
        assert.equal(asOwner.json().error.code, 'forbidden');
        const anon = await get(null, url);
        assert.equal(anon.statusCode, 401);
      }
      // A refused export leaves no export event behind.
      const exports = await search(`action=audit.events_exported&actorId=${dev.userId}`);
      assert.equal(exports.items.length, 0);
    });
  });
}

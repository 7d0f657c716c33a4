import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { Pool } from 'undici';
import { seedCatalog } from '../src/modules/catalog/index.ts';
import { sandboxProducts } from '../src/modules/sandbox/index.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import type { DatabaseTables } from '../src/modules.ts';
import { openLocation } from '../src/platform/db/database.ts';
import { createLogger } from '../src/platform/logger.ts';
import { appWithToken, call } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { operatorUser } from './identity-helpers.ts';

/**
 * Issue 22, item 1: one authenticated call with a body nested thousands of levels deep used to get
 * a 200, then fail the usage worker's batch on every retry ("Maximum call stack size exceeded"), so
 * no organisation's calls were recorded any more. Now the gateway refuses such a body (400
 * `json_too_deep`, after authentication, recorded for its app) and the usage writer cannot be held
 * back by any one record. The whole system, on a real socket, with the usage worker thread.
 */
type App = { orgId: string; appId: string; clientId: string; token: string };

const deepArrays = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
const deepObjects = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

/** The poison bodies: ≈10 KB nested 5,000 deep, and other depths and shapes. */
const POISONS: Array<[string, string]> = [
  ['a5000', deepArrays(5000)],
  ['o2000', deepObjects(2000)],
  ['a65', deepArrays(65)],
  ['a100', deepArrays(100)],
  ['a1000', deepArrays(1000)],
  ['a2500', deepArrays(2500)],
  ['a4000', deepArrays(4000)],
  ['a20000', deepArrays(20_000)],
  ['ibft', JSON.stringify({ ...ibftBody(), Extra: 'x' }).replace('"x"', deepObjects(5000))],
];

for (const engine of engines()) {
  describe(`a poisoned gateway body cannot stop usage recording (${engine.name})`, () => {
    let sys: TestSystem;
    let pool: Pool;
    let path = '';
    const warnings: Array<Record<string, unknown>> = [];
    let poisoner: App;
    let others: App[];
    /** Every response the clients received: request id → [status, the app that sent it]. */
    const answered = new Map<string, [number, App]>();

    before(async () => {
      const stream = new Writable({
        write(chunk, _enc, done) {
          for (const l of String(chunk).split('\n')) if (l) warnings.push(JSON.parse(l));
          done();
        },
      });
      sys = await startTestSystem({ engine, log: createLogger('warn', stream) });
      await sys.app.listen({ port: 0, host: '127.0.0.1' });
      pool = new Pool(`http://127.0.0.1:${(sys.app.server.address() as AddressInfo).port}`, {
        connections: 20,
      });
      path = `/${sys.config.gatewayProvider}/sandbox/path-1`;
      await seedCatalog(sys.services.catalog, sandboxProducts);
      const plan = await sys.services.catalog.createPlan('ibft', {
        name: `Poison test plan ${randomBytes(3).toString('hex')}`,
        rateLimits: [{ period: 'hour', limit: 1_000_000 }],
      });
      poisoner = await appWithToken(sys, plan.id);
      others = [await appWithToken(sys, plan.id), await appWithToken(sys, plan.id)];
    });
    after(async () => {
      await pool.close();
      await sys.cleanup().catch(() => {});
    });

    const send = async (app: App, requestId: string, body: string) => {
      const r = await pool.request({
        method: 'POST',
        path,
        headers: {
          'x-ibm-client-id': app.clientId,
          authorization: `Bearer ${app.token}`,
          'content-type': 'application/json',
          'x-request-id': requestId,
        },
        body,
      });
      const text = await r.body.text();
      assert.equal(r.headers['x-request-id'], requestId);
      answered.set(requestId, [r.statusCode, app]);
      return { status: r.statusCode, body: JSON.parse(text) };
    };

    /** `n` ordinary calls, alternating between the two other organisations, 20 at a time. */
    const ordinary = async (prefix: string, n: number) => {
      let next = 0;
      await Promise.all(
        Array.from({ length: 20 }, async () => {
          while (next < n) {
            const i = next++;
            const r = await send(
              others[i % 2],
              `${prefix}-${String(i).padStart(4, '0')}`,
              JSON.stringify(ibftBody()),
            );
            assert.equal(r.status, 200, JSON.stringify(r.body));
          }
        }),
      );
    };

    const usageRows = async (db = sys.database.db) =>
      db
        .selectFrom('gateway_usage')
        .select(['request_id', 'status', 'error_code', 'org_id', 'app_id'])
        .execute();

    /** Every answered call has exactly one usage row, with its status, organisation and app. */
    const assertEveryCallRecorded = (rows: Awaited<ReturnType<typeof usageRows>>, ids: string[]) => {
      const byId = new Map<string, typeof rows>();
      for (const row of rows) byId.set(row.request_id, [...(byId.get(row.request_id) ?? []), row]);
      for (const id of ids) {
        const [status, app] = answered.get(id)!;
        const mine = byId.get(id) ?? [];
        assert.equal(mine.length, 1, `${id}: ${mine.length} usage rows`);
        assert.equal(Number(mine[0].status), status, id);
        assert.equal(mine[0].org_id, app.orgId, id);
        assert.equal(mine[0].app_id, app.appId, id);
      }
    };

    it('poison bodies: 400 json_too_deep for their app; then 1,000 calls of two other organisations each have their usage row', async () => {
      for (const [name, body] of POISONS) {
        const r = await send(poisoner, `poison-${name}-first`, body);
        assert.equal(r.status, 400, name);
        assert.deepEqual(Object.keys(r.body.error).sort(), ['code', 'docs', 'message', 'requestId']);
        assert.equal(r.body.error.code, 'json_too_deep', name);
      }
      // Ordinary traffic, with the poison sent again in the middle of it.
      const traffic = ordinary('call', 1000);
      for (const [name, body] of POISONS)
        assert.equal((await send(poisoner, `poison-${name}-again`, body)).status, 400);
      await traffic;
      await sys.services.gateway!.recorder.flush();

      const rows = await usageRows();
      const callIds = [...answered.keys()].filter((id) => id.startsWith('call-'));
      assert.equal(callIds.length, 1000);
      assertEveryCallRecorded(rows, [...answered.keys()]);
      const poisonRows = rows.filter((r) => r.request_id.startsWith('poison-'));
      assert.equal(poisonRows.length, POISONS.length * 2);
      assert.ok(poisonRows.every((r) => r.error_code === 'json_too_deep' && Number(r.status) === 400));
      assert.equal(sys.services.gateway!.recorder.pending, 0);
      // No error loop: nothing about the poison (or anything else) was logged.
      assert.ok(warnings.length <= 1, JSON.stringify(warnings.slice(0, 3)));
      assert.ok(!JSON.stringify(warnings).includes('Maximum call stack'));
    });

    it('the request-log listing that shows the poison answers 200, also for deep bodies stored before the bound', async () => {
      // A row as the writer could store it before the bound existed: a body nested 5,000 deep.
      const at = new Date(sys.clock.nowMs()).toISOString();
      const id = `use_${'0'.repeat(20)}legacy`;
      await sys.database.db
        .insertInto('gateway_usage')
        .values({
          id,
          at,
          org_id: poisoner.orgId,
          app_id: poisoner.appId,
          catalog: 'sandbox',
          method: 'POST',
          path,
          status: 200,
          latency_us: 1,
          request_id: 'legacy-deep-row',
          bytes_in: 10_000,
          bytes_out: 2,
          replayed: 0,
          live_data_suspected: 0,
        })
        .execute();
      await sys.database.db
        .insertInto('gateway_request_logs')
        .values({ id, at, org_id: poisoner.orgId, app_id: poisoner.appId, request_body: deepArrays(5000) })
        .execute();
      const operator = await operatorUser(sys);
      const list = await call(sys, operator, 'GET', `/api/v1/orgs/${poisoner.orgId}/request-logs?limit=200`);
      assert.equal(list.status, 200, String(list.raw).slice(0, 300));
      const items = list.body.items as Array<Record<string, unknown>>;
      const poison = items.find((x) => x.requestId === 'poison-a5000-first');
      assert.equal(poison?.errorCode, 'json_too_deep');
      assert.equal(poison?.requestBody, deepArrays(5000), 'the refused text, as text');
      assert.equal(items.find((x) => x.requestId === 'legacy-deep-row')?.requestBody, deepArrays(5000));
      const errors = await call(
        sys,
        operator,
        'GET',
        `/api/v1/orgs/${poisoner.orgId}/request-logs?status=error`,
      );
      assert.equal(errors.status, 200);
    });

    it('a graceful stop right after more traffic and poison writes every row', async () => {
      const before = new Set(answered.keys());
      const traffic = ordinary('last', 300);
      for (const [name, body] of POISONS.slice(0, 3)) await send(poisoner, `poison-${name}-last`, body);
      await traffic;
      const location = sys.database.location!;
      // No flush: the stop itself must write what is buffered.
      await pool.close();
      await sys.app.close();
      await sys.shutdown();
      const reopened = openLocation<DatabaseTables>(location, 1);
      try {
        const ids = [...answered.keys()].filter((id) => !before.has(id));
        assert.equal(ids.length, 303);
        assertEveryCallRecorded(await usageRows(reopened.db), ids);
      } finally {
        await reopened.close();
      }
      pool = new Pool('http://127.0.0.1:1'); // closed by after()
    });
  });
}

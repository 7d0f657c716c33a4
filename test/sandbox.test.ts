import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sandboxSeeder } from '../src/modules/sandbox/index.ts';
import { type AppsWorld, appsWorld, call, createApp } from './apps-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * The sandbox's portal routes in the whole system: test data for members (session) or for an app
 * of the organisation (client id + secret), reset for developers and above; other organisations
 * see nothing (404, existence not revealed).
 */
for (const engine of engines()) {
  describe(`sandbox portal routes (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
    });
    after(async () => sys.cleanup());

    test('members read their organisation’s test data; others get 404; anonymous 401', async () => {
      const r = await call(sys, w.ownerA, 'GET', `/api/v1/sandbox/test-data?orgId=${w.orgA}`);
      assert.equal(r.status, 200, r.raw);
      assert.equal(r.body.orgId, w.orgA);
      const acc = r.body.accounts.find((a: any) => a.accountNumber === '9990000000000058');
      assert.equal(acc.scenario.responseCode, '58');
      for (const k of ['bankName', 'imd', 'accountNumber', 'iban', 'title', 'status', 'scenario'])
        assert.ok(k in acc, k);
      for (const k of ['companyCode', 'consumerNo', 'billStatus', 'scenario'])
        assert.ok(k in r.body.bills[0], k);
      assert.match(r.body.signing.operatorPublicKeyPem, /BEGIN PUBLIC KEY/);
      assert.equal(
        (await call(sys, w.ownerB, 'GET', `/api/v1/sandbox/test-data?orgId=${w.orgA}`)).status,
        404,
      );
      assert.equal((await call(sys, null, 'GET', `/api/v1/sandbox/test-data?orgId=${w.orgA}`)).status, 401);
    });

    test('an app’s client id and secret read its organisation’s test data', async () => {
      const app = await createApp(sys, w.ownerA, w.orgA);
      const get = (headers: Record<string, string>, qs = '') =>
        sys.app.inject({ method: 'GET', url: `/api/v1/sandbox/test-data${qs}`, headers });
      const ok = await get({ 'x-ibm-client-id': app.clientId, 'x-ibm-client-secret': app.clientSecret });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().orgId, w.orgA);
      const wrong = await get({ 'x-ibm-client-id': app.clientId, 'x-ibm-client-secret': 'nope' });
      assert.equal(wrong.statusCode, 401);
      const other = await get(
        { 'x-ibm-client-id': app.clientId, 'x-ibm-client-secret': app.clientSecret },
        `?orgId=${w.orgB}`,
      );
      assert.equal(other.statusCode, 404);
    });

    test('reset restores the world; only members may reset', async () => {
      const sandbox = sys.services.sandbox;
      const before = await sandbox.service.store.listAccounts(w.orgA);
      const op = sandbox.operations.find((o) => o.operationId === 'ibftFundsTransfer')!;
      const res = await op.handle({
        orgId: w.orgA,
        appId: 'app_x',
        appPublicKeyPem: null,
        body: {
          TransactionAmount: '000000100000',
          TransmissionDateAndTime: '1123140000',
          STAN: '000001',
          RRN: '000000000001',
          FromBankIMD: '998876',
          AccountNumberTo: '9990000000001001',
          ToBankIMD: '221166',
        },
        query: {},
        headers: {},
        requestId: 'req_x',
        nowMs: sys.clock.nowMs(),
      });
      assert.equal((res.body as any).ResponseCode, '00');
      assert.notDeepEqual(await sandbox.service.store.listAccounts(w.orgA), before);
      assert.equal(
        (await call(sys, w.ownerB, 'POST', '/api/v1/sandbox/reset', { orgId: w.orgA })).status,
        404,
      );
      const r = await call(sys, w.ownerA, 'POST', '/api/v1/sandbox/reset', { orgId: w.orgA });
      assert.equal(r.status, 200, r.raw);
      assert.deepEqual(await sandbox.service.store.listAccounts(w.orgA), before);
      const audit = await sys.services.audit.list({ orgId: w.orgA, action: 'sandbox.reset' });
      assert.equal(audit.length, 1);
    });

    test('the base seeder creates the operator key once', async () => {
      const first = await sandboxSeeder.run(sys.services);
      const second = await sandboxSeeder.run(sys.services);
      // The key may already exist (an earlier test signed with it); either way it is made only once.
      assert.ok(first === undefined || first === 'operator signing key generated');
      assert.equal(second, undefined);
    });

    test('the products’ documents are served and registered in the catalogue', async () => {
      const doc = await call(sys, null, 'GET', '/api/v1/sandbox/products/ibft/openapi.json');
      assert.equal(doc.status, 200);
      assert.equal(doc.body.openapi, '3.1.0');
      assert.equal((await call(sys, null, 'GET', '/api/v1/sandbox/products/nope/openapi.json')).status, 404);
      const spec = await call(sys, null, 'GET', '/api/v1/openapi.json');
      const ops = JSON.stringify(spec.body);
      for (const id of ['listSandboxTestData', 'resetSandbox']) assert.ok(ops.includes(id), id);
      // appsWorld seeded the catalogue from sandboxProducts.
      const bills = (await sys.services.catalog.findProduct('bills'))!;
      const stored = await sys.services.catalog.getApiDocument('bills', bills.apis[0].id);
      assert.ok((stored.paths as Record<string, unknown>)['/bill-inquiry-rest-service/billinquiry']);
      assert.ok(JSON.stringify(stored.components).includes('BillInquiryResponse'));
    });
  });
}

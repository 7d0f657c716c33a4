import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type AppsWorld, appsWorld, call } from './apps-helpers.ts';
import { progressOf, type SandboxApp, sandboxApp, settle } from './conformance-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

const QR_BASE = {
  MerchantAccountInformationPayee: {
    GloballyUniqueIdentifier: 'A000000736',
    PayeeBankIMD: '221166',
    PayeeAccountNumber: '9990000000001001',
  },
  MCC: '5411',
  CurrencyCode: '586',
  CountryCode: 'PK',
  MerchantName: 'DARWAZA STORE',
  MerchantCity: 'KARACHI',
  InitiationMethod: '11',
};

/**
 * Issue 37, the suites as data: published to developers, edited by operators only (add, retire,
 * reorder; a malformed case is a 422 naming the field), an edit applies to the next gate check,
 * stored evidence counts for a newly added case; progress is the organisation's own. Both engines.
 */
for (const engine of engines()) {
  describe(`conformance suites and progress (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let app: SandboxApp;
    const SUITES = '/api/v1/conformance/suites';
    const ADMIN = '/api/v1/admin/conformance/suites';
    let qrProduct: string;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      app = await sandboxApp(sys, w.ownerA, w.orgA);
      qrProduct = (await sys.services.catalog.findProduct('1qr'))!.id;
    });
    after(async () => sys.cleanup());

    test('the suites are published to signed-in developers; anonymous callers are refused', async () => {
      const list = await call(sys, w.ownerB, 'GET', SUITES);
      assert.equal(list.status, 200, list.raw);
      assert.deepEqual(
        list.body.items.map((s: any) => [s.productSlug, s.activeCases]),
        [
          ['1qr', 4],
          ['bills', 4],
          ['ibft', 6],
        ],
      );
      const one = await call(sys, w.ownerB, 'GET', `${SUITES}/ibft`);
      assert.equal(one.status, 200);
      assert.equal(one.body.cases[4].after.link[0].field, 'refs.originalRrn');
      assert.equal((await call(sys, w.ownerB, 'GET', `${SUITES}/nothing`)).status, 404);
      assert.equal((await call(sys, null, 'GET', SUITES)).status, 401);
    });

    test('only operators edit a suite (developers 403, anonymous 401)', async () => {
      const body = { cases: [] };
      const dev = await call(sys, w.ownerA, 'PUT', `${ADMIN}/1qr`, body);
      assert.equal(dev.status, 403, dev.raw);
      assert.equal((await call(sys, null, 'PUT', `${ADMIN}/1qr`, body)).status, 401);
      assert.equal((await call(sys, w.operator, 'GET', `${SUITES}/1qr`)).body.version, 1);
    });

    test('a malformed case is refused with 422 naming the field', async () => {
      const cases = (await call(sys, w.operator, 'GET', `${SUITES}/ibft`)).body.cases;
      const bad = async (mutate: (c: any[]) => void, field: string) => {
        const copy = structuredClone(cases);
        mutate(copy);
        const r = await call(sys, w.operator, 'PUT', `${ADMIN}/ibft`, { cases: copy });
        assert.equal(r.status, 422, r.raw);
        assert.equal(r.body.error.code, 'conformance_case_invalid');
        assert.equal(r.body.error.details.field, field, r.raw);
      };
      await bad((c) => {
        c[4].after.link[0].field = 'refs.nope';
      }, 'cases[4].after.link[0].field');
      await bad((c) => {
        c[0].operations = ['billPayment'];
      }, 'cases[0].operations[0]');
      await bad((c) => {
        c[1].id = c[0].id;
      }, 'cases[1].id');
      await bad((c) => {
        c[2].networkCodes = ['two'];
      }, 'cases[2].networkCodes[0]');
      await bad((c) => {
        c[3].match = [{ field: 'networkCode' }];
      }, 'cases[3].match[0].equals');
      // Nothing was stored.
      assert.equal((await call(sys, w.operator, 'GET', `${SUITES}/ibft`)).body.version, 1);
      assert.equal((await call(sys, w.operator, 'PUT', `${ADMIN}/nothing`, { cases: [] })).status, 404);
    });

    test('retire, add and empty: the gate follows each edit; stored evidence counts for a new case', async () => {
      const gen = await app.post('/qr-rest-service/getQRCode', QR_BASE);
      assert.equal(gen.body.ResponseCode, '0000');
      const parsed = await app.post('/qr-rest-service/parseQRCode', { QRString: gen.body.QRString });
      assert.equal(parsed.body.ResponseCode, '0000');
      await settle(sys);
      const gate = () => sys.services.conformance.check(app.appId, qrProduct);
      const before = await gate();
      assert.equal(before.ok, false);
      assert.deepEqual(!before.ok && before.missing.map((m) => m.split(':')[0]), [
        'dynamic-generate',
        'dynamic-parse',
      ]);

      // Retire the two dynamic cases and reorder: the gate opens; retired cases stay listed.
      const suite = (await call(sys, w.operator, 'GET', `${SUITES}/1qr`)).body;
      const [sg, dg, sp, dp] = suite.cases;
      const retired = [sp, sg, { ...dg, retired: true }, { ...dp, retired: true }];
      const r1 = await call(sys, w.operator, 'PUT', `${ADMIN}/1qr`, {
        cases: retired,
        version: suite.version,
      });
      assert.equal(r1.status, 200, r1.raw);
      assert.equal(r1.body.activeCases, 2);
      assert.deepEqual(
        r1.body.cases.map((c: any) => c.id),
        ['static-parse', 'static-generate', 'dynamic-generate', 'dynamic-parse'],
      );
      assert.deepEqual(await gate(), { ok: true });
      // Production is asked for and granted now; the later edits below do not take it back.
      const asked = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${w.orgA}/apps/${app.appId}/production-access`,
        {
          productId: qrProduct,
        },
      );
      assert.equal(asked.status, 201, asked.raw);
      const granted = await call(
        sys,
        w.operator,
        'POST',
        `/api/v1/admin/production-requests/${asked.body.id}/decide`,
        {
          approve: true,
        },
      );
      assert.equal(granted.status, 200, granted.raw);
      // A stale version is refused.
      const stale = await call(sys, w.operator, 'PUT', `${ADMIN}/1qr`, {
        cases: retired,
        version: suite.version,
      });
      assert.equal(stale.status, 409, stale.raw);

      // A new case that the stored calls already prove: passed by the earlier request at once.
      const anyParse = {
        id: 'parse-any',
        title: 'Parse any payload',
        operations: ['qrParseCode'],
        networkCodes: ['0000'],
      };
      const r2 = await call(sys, w.operator, 'PUT', `${ADMIN}/1qr`, { cases: [...retired, anyParse] });
      assert.equal(r2.status, 200, r2.raw);
      assert.ok(r2.body.reevaluated.passes >= 1, r2.raw);
      const p = await progressOf(sys, w.ownerA, app, '1qr');
      assert.equal(p.passed.get('parse-any'), parsed.requestId);
      assert.deepEqual(await gate(), { ok: true });

      // A new case no stored call proves blocks again; an empty suite never passes.
      const refused = { ...anyParse, id: 'parse-refused', networkCodes: ['0009'] };
      await call(sys, w.operator, 'PUT', `${ADMIN}/1qr`, { cases: [...retired, anyParse, refused] });
      const blocked = await gate();
      assert.deepEqual(!blocked.ok && blocked.missing.map((m) => m.split(':')[0]), ['parse-refused']);
      assert.equal((await call(sys, w.operator, 'PUT', `${ADMIN}/1qr`, { cases: [] })).status, 200);
      const empty = await gate();
      assert.equal(empty.ok, false);
      assert.match(!empty.ok ? empty.missing[0]! : '', /no conformance suite/);
      // The access granted before these edits is kept.
      const approved = await call(
        sys,
        w.operator,
        'GET',
        '/api/v1/admin/production-requests?status=approved',
      );
      assert.ok(
        approved.body.items.some((r: { id: string }) => r.id === asked.body.id),
        approved.raw,
      );
      // Every edit is in the audit trail.
      const events = await sys.database.db
        .selectFrom('audit_events')
        .select('action')
        .where('action', '=', 'conformance_suite.update')
        .execute();
      assert.equal(events.length, 4);
    });

    test('progress is the organisation’s own: another organisation sees nothing, operators see it', async () => {
      const mine = `/api/v1/orgs/${w.orgA}/apps/${app.appId}/conformance`;
      assert.equal((await call(sys, w.ownerA, 'GET', mine)).status, 200);
      const cross = await call(sys, w.ownerB, 'GET', mine);
      assert.equal(cross.status, 404, cross.raw);
      // Naming the other organisation's app under one's own organisation finds nothing either.
      const smuggled = await call(
        sys,
        w.ownerB,
        'GET',
        `/api/v1/orgs/${w.orgB}/apps/${app.appId}/conformance`,
      );
      assert.equal(smuggled.status, 404, smuggled.raw);
      assert.equal((await call(sys, null, 'GET', mine)).status, 401);
      const op = await call(sys, w.operator, 'GET', mine);
      assert.equal(op.status, 200);
      assert.equal(op.body.appId, app.appId);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedCatalog, shellProducts } from '../src/modules/catalog/index.ts';
import { BILL_SIGNED_FIELDS } from '../src/modules/sandbox/products/bills.ts';
import { signingString, signWithKey } from '../src/modules/sandbox/signing.ts';
import { appKeys, billBody, followUpBody, ibftBody } from '../src/modules/sandbox/test-support.ts';
import { type AppsWorld, appsWorld, call } from './apps-helpers.ts';
import { progressOf, type SandboxApp, sandboxApp, settle } from './conformance-helpers.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';

/**
 * Issue 37: each case of the shipped suites recognised from an app's own sandbox calls through the
 * real gateway and its call-record feed — the near-misses first (each refused), then the real
 * passes; progress names the proving request; the gate opens only when every active case passed.
 * On both engines.
 */
for (const engine of engines()) {
  describe(`conformance from real sandbox traffic (${engine.name})`, () => {
    let sys: TestSystem;
    let w: AppsWorld;
    let app: SandboxApp;
    const productId = async (slug: string) => (await sys.services.catalog.findProduct(slug))!.id;
    before(async () => {
      sys = await startTestSystem({ engine });
      w = await appsWorld(sys);
      await seedCatalog(sys.services.catalog, shellProducts);
      app = await sandboxApp(sys, w.ownerA, w.orgA);
    });
    after(async () => sys.cleanup());

    test('a fresh app has passed nothing and the gate refuses every product', async () => {
      for (const slug of ['ibft', 'bills', '1qr']) {
        const p = await progressOf(sys, w.ownerA, app, slug);
        assert.equal(p.raw.passed, 0);
        assert.ok(p.raw.total >= 4);
        assert.equal(p.raw.complete, false);
        const v = await sys.services.conformance.check(app.appId, await productId(slug));
        assert.equal(v.ok, false);
      }
      // Through the portal API (the apps module asks the gate): refused, naming the cases to pass.
      const refused = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${app.orgId}/apps/${app.appId}/production-access`,
        {
          productId: await productId('ibft'),
        },
      );
      assert.equal(refused.status, 409, refused.raw);
      assert.equal(refused.body.error.code, 'production_requirements_missing');
      assert.match(refused.body.error.message, /timeout-resolved: Resolve a timed-out transfer/);
      // A product without a suite (1PAY) cannot go to production at all.
      const none = await sys.services.conformance.check(app.appId, await productId('1pay'));
      assert.equal(none.ok, false);
      assert.match(!none.ok ? none.missing[0]! : '', /no conformance suite/);
    });

    test('IBFT: near-misses are refused, then each case is passed by the request that proves it', async () => {
      const TRANSFER = '/funds-transfer-rest-service/path-1';
      const INQUIRY = '/funds-transfer-rest-service/status-inquiry';
      // Near-misses: declines of another kind (03 inactive, not 02 / 04) …
      const inactive = await app.post('/path-1', ibftBody({ AccountNumberTo: '9990000000000003' }));
      assert.equal(inactive.body.ResponseCode, '03');
      const inactiveT = await app.post(TRANSFER, ibftBody({ AccountNumberTo: '9990000000000003' }));
      assert.equal(inactiveT.body.ResponseCode, '03');
      // … an inquiry about a different transfer (one that completed, not the one that timed out) …
      const done = ibftBody({ TransactionAmount: '000000010000' });
      assert.equal((await app.post(TRANSFER, done)).body.ResponseCode, '00');
      const lost = ibftBody({ TransactionAmount: '000000002000', AccountNumberTo: '9990000000005801' });
      assert.equal((await app.post(TRANSFER, lost)).body.ResponseCode, '58');
      const wrongInquiry = await app.post(INQUIRY, followUpBody(done));
      assert.equal(wrongInquiry.body.ResponseCode, '00');
      // … and a 10 for a reference this app never used (another app of the organisation used it).
      const other = await sandboxApp(sys, w.ownerA, w.orgA, 'Other app');
      const theirs = ibftBody({ TransactionAmount: '000000010000' });
      assert.equal((await other.post(TRANSFER, theirs)).body.ResponseCode, '00');
      const notMine = await app.post(TRANSFER, {
        ...ibftBody({ TransactionAmount: '000000010000' }),
        RRN: theirs.RRN,
      });
      assert.equal(notMine.body.ResponseCode, '10');
      await settle(sys);
      let p = await progressOf(sys, w.ownerA, app, 'ibft');
      // The completed transfer is a real pass; nothing else is.
      assert.deepEqual([...p.passed.keys()], ['transfer']);

      // Real passes.
      const title = await app.post('/path-1', ibftBody());
      assert.equal(title.body.ResponseCode, '00');
      const invalid = await app.post('/path-1', ibftBody({ AccountNumberTo: '9990000000009999' }));
      assert.equal(invalid.body.ResponseCode, '02', JSON.stringify(invalid.body));
      const low = await app.post(
        TRANSFER,
        ibftBody({
          FromBankIMD: '221166',
          AccountNumberFrom: '9990000000002004',
          TransactionAmount: '000000100000',
        }),
      );
      assert.equal(low.body.ResponseCode, '04', JSON.stringify(low.body));
      const resolved = await app.post(INQUIRY, followUpBody(lost));
      assert.equal(resolved.body.ResponseCode, '00');
      assert.equal(resolved.body.TransactionStatus, 'FAILED');
      const retry = await app.post(TRANSFER, {
        ...ibftBody({ TransactionAmount: '000000010000' }),
        RRN: done.RRN,
      });
      assert.equal(retry.body.ResponseCode, '10');
      await settle(sys);
      p = await progressOf(sys, w.ownerA, app, 'ibft');
      assert.equal(p.raw.passed, 6);
      assert.equal(p.raw.complete, true);
      assert.equal(p.passed.get('title-fetch'), title.requestId);
      assert.equal(p.passed.get('invalid-account'), invalid.requestId);
      assert.equal(p.passed.get('insufficient-funds'), low.requestId);
      assert.equal(p.passed.get('timeout-resolved'), resolved.requestId);
      assert.equal(p.passed.get('duplicate-reference'), retry.requestId);
      const timeout = p.raw.cases.find((c: any) => c.caseId === 'timeout-resolved');
      assert.ok(timeout.earlierRequestId, 'the inquiry is linked to the transfer that timed out');
      assert.deepEqual(await sys.services.conformance.check(app.appId, await productId('ibft')), {
        ok: true,
      });
      const asked = await call(
        sys,
        w.ownerA,
        'POST',
        `/api/v1/orgs/${app.orgId}/apps/${app.appId}/production-access`,
        {
          productId: await productId('ibft'),
        },
      );
      assert.equal(asked.status, 201, asked.raw);
      assert.equal(asked.body.status, 'pending');
      // The other app's progress is its own.
      assert.deepEqual([...(await progressOf(sys, w.ownerA, other, 'ibft')).passed.keys()], ['transfer']);
    });

    test('1Bill: a missing HASH and a void of an unknown payment are refused; the real cases pass', async () => {
      const INQ = '/bill-inquiry-rest-service/billinquiry';
      const PAY = '/bill-payment-rest-service/billpayment';
      const VOID = '/void-bill-payment-rest-service/voidbillpayment';
      const consumer = { CompanyCode: 'DELEC001', ConsumerNo: '9900100001' };
      // Near-misses: unsigned (22, but no HASH sent), an unsigned inquiry, a void naming no payment.
      const unsigned = await app.post(
        PAY,
        billBody('billPayment', { ...consumer, AuthID: '700001', TransactionAmount: '000000000100' }, false),
      );
      assert.equal(unsigned.body.ResponseCode, '22');
      assert.equal((await app.post(INQ, billBody('billInquiry', consumer, false))).body.ResponseCode, '22');
      const ghostVoid = await app.post(VOID, billBody('voidBillPayment', { ...consumer, AuthID: '799999' }));
      assert.equal(ghostVoid.body.ResponseCode, '30');
      await settle(sys);
      assert.equal((await progressOf(sys, w.ownerA, app, 'bills')).raw.passed, 0);

      const inq = await app.post(INQ, billBody('billInquiry', consumer));
      assert.equal(inq.body.ResponseCode, '00');
      const due = String(Number(inq.body.AmountWithinDueDate.slice(1))).padStart(12, '0');
      // A HASH over the wrong fields: a near-miss of the payment case, the real "rejected HASH" case.
      const wrong = billBody('billPayment', { ...consumer, AuthID: '700002', TransactionAmount: due }, false);
      wrong.HASH = signWithKey(appKeys.privatePem, signingString(wrong, BILL_SIGNED_FIELDS.billInquiry));
      const rejected = await app.post(PAY, wrong);
      assert.equal(rejected.body.ResponseCode, '22');
      const paid = await app.post(
        PAY,
        billBody('billPayment', { ...consumer, AuthID: '700003', TransactionAmount: due }),
      );
      assert.equal(paid.body.ResponseCode, '00', JSON.stringify(paid.body));
      const voided = await app.post(VOID, billBody('voidBillPayment', { ...consumer, AuthID: '700003' }));
      assert.equal(voided.body.ResponseCode, '00', JSON.stringify(voided.body));
      await settle(sys);
      const p = await progressOf(sys, w.ownerA, app, 'bills');
      assert.deepEqual(Object.fromEntries(p.passed), {
        inquiry: inq.requestId,
        'payment-signed': paid.requestId,
        'hash-rejected': rejected.requestId,
        void: voided.requestId,
      });
      assert.equal(p.raw.complete, true);
    });

    test('1QR: a payload with a broken CRC is refused; static and dynamic, generated and parsed, pass', async () => {
      const GEN = '/qr-rest-service/getQRCode';
      const PARSE = '/qr-rest-service/parseQRCode';
      const base = {
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
      };
      const stat = await app.post(GEN, { ...base, InitiationMethod: '11' });
      assert.equal(stat.body.ResponseCode, '0000', JSON.stringify(stat.body));
      const broken = `${stat.body.QRString.slice(0, -4)}0000`;
      const bad = await app.post(PARSE, { QRString: broken });
      assert.equal(bad.body.ResponseCode, '0009');
      await settle(sys);
      assert.deepEqual([...(await progressOf(sys, w.ownerA, app, '1qr')).passed.keys()], ['static-generate']);
      const dyn = await app.post(GEN, {
        ...base,
        InitiationMethod: '12',
        TransactionAmount: '000000250000',
        AdditionalData: { ReferenceID: 'INV-1' },
      });
      assert.equal(dyn.body.ResponseCode, '0000', JSON.stringify(dyn.body));
      const ps = await app.post(PARSE, { QRString: stat.body.QRString });
      const pd = await app.post(PARSE, { QRString: dyn.body.QRString });
      await settle(sys);
      const p = await progressOf(sys, w.ownerA, app, '1qr');
      assert.deepEqual(Object.fromEntries(p.passed), {
        'static-generate': stat.requestId,
        'dynamic-generate': dyn.requestId,
        'static-parse': ps.requestId,
        'dynamic-parse': pd.requestId,
      });
    });

    test('recognised above the request log body sampling: 40 calls in one second, the proof has no logged body', async () => {
      const fresh = await sandboxApp(sys, w.ownerA, w.orgA, 'Busy app');
      // The fake clock stands still: every call is in the same second for the body sampler.
      const calls = await Promise.all(Array.from({ length: 40 }, () => fresh.post('/path-1', ibftBody())));
      assert.ok(calls.every((c) => c.body.ResponseCode === '00'));
      const transfer = await fresh.post(
        '/funds-transfer-rest-service/path-1',
        ibftBody({ TransactionAmount: '000000010000' }),
      );
      await settle(sys);
      await sys.services.gateway!.recorder.flush();
      const p = await progressOf(sys, w.ownerA, fresh, 'ibft');
      assert.equal(p.passed.get('transfer'), transfer.requestId);
      const db = sys.database.db;
      const usage = await db
        .selectFrom('gateway_usage')
        .select('id')
        .where('request_id', '=', transfer.requestId)
        .executeTakeFirstOrThrow();
      const logged = await db
        .selectFrom('gateway_request_logs')
        .select('id')
        .where('id', '=', usage.id)
        .executeTakeFirst();
      assert.equal(logged, undefined, 'the proving call was beyond the sampled bodies');
      const bodies = await db
        .selectFrom('gateway_request_logs')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('app_id', '=', fresh.appId)
        .executeTakeFirstOrThrow();
      assert.ok(Number(bodies.n) <= 10, `bodies kept: ${bodies.n}`);

      // The evidence outlives the request log and the stored calls: both pruned, the pass stays.
      await db.deleteFrom('gateway_request_logs').where('app_id', '=', fresh.appId).execute();
      await db.deleteFrom('gateway_usage').where('app_id', '=', fresh.appId).execute();
      assert.ok((await sys.services.conformance.store.pruneCalls(sys.clock.nowMs() + 1)) >= 2);
      const kept = await progressOf(sys, w.ownerA, fresh, 'ibft');
      assert.equal(kept.passed.get('transfer'), transfer.requestId);
      assert.ok(calls.some((c) => c.requestId === kept.passed.get('title-fetch')));
    });
    test('once a case is passed, calls that can only prove it again are neither stored nor evaluated', async () => {
      const busy = await sandboxApp(sys, w.ownerA, w.orgA, 'Load after passing');
      const first = await busy.post('/path-1', ibftBody());
      await settle(sys);
      assert.equal(
        (await progressOf(sys, w.ownerA, busy, 'ibft')).passed.get('title-fetch'),
        first.requestId,
      );
      const db = sys.database.db;
      const stored = async () =>
        Number(
          (
            await db
              .selectFrom('conformance_calls')
              .select((eb) => eb.fn.countAll<number>().as('n'))
              .where('app_id', '=', busy.appId)
              .executeTakeFirstOrThrow()
          ).n,
        );
      const before = await stored();
      assert.ok(before >= 1);
      // Title fetches after the case is passed: no open case asks for them (a load test's traffic).
      for (let i = 0; i < 3; i++) {
        await Promise.all(Array.from({ length: 10 }, () => busy.post('/path-1', ibftBody())));
        await settle(sys);
      }
      assert.equal(await stored(), before, 'title fetches were stored after their case was passed');
      // A call an open case does ask for is still stored and recognised.
      const transfer = await busy.post(
        '/funds-transfer-rest-service/path-1',
        ibftBody({ TransactionAmount: '000000010000' }),
      );
      await settle(sys);
      assert.equal(await stored(), before + 1);
      assert.equal(
        (await progressOf(sys, w.ownerA, busy, 'ibft')).passed.get('transfer'),
        transfer.requestId,
      );
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '../../platform/testing.ts';
import { ibftBody, openSandbox, type SandboxFixture } from './test-support.ts';

const body = (r: { body: unknown }) => r.body as Record<string, string>;

for (const engine of testEngines()) {
  describe(`ibft (${engine.name})`, () => {
    let fx: SandboxFixture;
    before(async () => {
      fx = await openSandbox(engine);
    });
    after(async () => fx.cleanup());

    test('title fetch returns the beneficiary title in 1LINK shape', async () => {
      const r = await fx.call('ibftTitleFetch', ibftBody());
      assert.equal(r.status, 200);
      const b = body(r);
      assert.equal(b.ResponseCode, '00', b.ResponseDetail);
      assert.equal(b.ResponseDetail, 'PROCESSED OK');
      assert.match(b.AccountTitleTo, /^[A-Z ]+$/);
      assert.match(b.IBAN_MobileAccountNumber, /^PK\d{2}DRWZ9990000000001001$/);
      assert.match(b.AuthorizationIdentificationResponse, /^\d{6}$/);
      assert.equal(b.DateSettlement, '1124');
    });

    test('funds transfer moves money and a repeated RRN is a duplicate', async () => {
      const req = ibftBody({ TransactionAmount: '000000050000' });
      const before = await fx.sandbox.service.store.findAccount('org_test', '221166', '9990000000001001');
      const r = await fx.call('ibftFundsTransfer', req);
      assert.equal(body(r).ResponseCode, '00', body(r).ResponseDetail);
      const after = await fx.sandbox.service.store.findAccount('org_test', '221166', '9990000000001001');
      assert.equal(after!.balance - before!.balance, 50000);
      const again = await fx.call('ibftFundsTransfer', req);
      assert.equal(body(again).ResponseCode, '10');
    });

    test("the in-memory index of fixed account attributes matches the organisation's rows", async () => {
      const store = fx.sandbox.service.store;
      const rows = await store.listAccounts('org_test');
      for (const a of rows) {
        const s = store.staticAccount(a.imd, a.accountNo)!;
        assert.ok(s, `${a.imd}/${a.accountNo}`);
        assert.deepEqual({ ...s, balance: 0 }, { ...a, balance: 0 });
        if (a.iban) assert.equal(store.staticAccountByIban(a.iban), s);
      }
    });

    test('wallet accounts answer to every form of their mobile number', async () => {
      const wallet = (await fx.sandbox.service.store.listAccounts('org_test')).find(
        (a) => a.imd === '585953',
      )!;
      const local = wallet.accountNo;
      for (const form of [
        local,
        `92${local.slice(1)}`,
        `+92${local.slice(1)}`,
        `+92-${local.slice(1)}`,
        `0092${local.slice(1)}`,
      ]) {
        const r = await fx.call('ibftTitleFetch', ibftBody({ AccountNumberTo: form, ToBankIMD: '585953' }));
        assert.equal(body(r).ResponseCode, '00', `${form}: ${body(r).ResponseDetail}`);
        assert.equal(body(r).IBAN_MobileAccountNumber, local);
      }
    });

    test('format errors name the field', async () => {
      const r = await fx.call('ibftTitleFetch', ibftBody({ STAN: '12345' }));
      assert.equal(body(r).ResponseCode, '09');
      assert.match(body(r).ResponseDetail, /STAN/);
      const m = await fx.call('ibftTitleFetch', ibftBody({ AccountNumberTo: undefined }));
      assert.equal(body(m).ResponseCode, '80');
      assert.match(body(m).ResponseDetail, /AccountNumberTo/);
      const t = await fx.call('ibftTitleFetch', ibftBody({ STAN: 123456 }));
      assert.equal(body(t).ResponseCode, '80');
      const j = await fx.call('ibftTitleFetch', '{not json');
      assert.equal(body(j).ResponseCode, '80');
    });

    test('live-looking IBAN is refused and flagged', async () => {
      const r = await fx.call(
        'ibftTitleFetch',
        ibftBody({ AccountNumberTo: 'PK36SCBL0000001123456702', ToBankIMD: '627271' }),
      );
      assert.equal(body(r).ResponseCode, '94');
      assert.equal(r.liveDataSuspected, true);
      assert.match(body(r).ResponseDetail, /LIVE DATA/);
      const events = await fx.sandbox.service.store.listLiveDataEvents('org_test');
      assert.equal(events.length, 1);
      assert.equal(events[0].field, 'AccountNumberTo');
    });
  });
}

import assert from 'node:assert/strict';
import { verify } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '../../platform/testing.ts';
import { BILL_RESPONSE_SIGNED_FIELDS } from './products/bills.ts';
import { signingString } from './signing.ts';
import { appKeys, billBody, openSandbox, type SandboxFixture } from './test-support.ts';

const b = (r: { body: unknown }) => r.body as Record<string, string>;

for (const engine of testEngines()) {
  describe(`1Bill (${engine.name})`, () => {
    let fx: SandboxFixture;
    before(async () => {
      fx = await openSandbox(engine);
    });
    after(async () => fx.cleanup());

    test('inquiry → payment → duplicate refused → void → payable again', async () => {
      const inq = await fx.call('billInquiry', billBody('billInquiry'));
      assert.equal(b(inq).ResponseCode, '00', b(inq).ResponseDetail);
      assert.equal(b(inq).BillStatus, 'U');
      assert.match(b(inq).AmountWithinDueDate, /^\+\d{13}$/);
      assert.equal(b(inq).ConsumerDetail.length, 30);
      const due = Number(b(inq).AmountWithinDueDate.slice(1));

      const wrong = await fx.call(
        'billPayment',
        billBody('billPayment', { AuthID: '123456', TransactionAmount: String(due + 1).padStart(12, '0') }),
      );
      assert.equal(b(wrong).ResponseCode, '48');

      const pay = billBody('billPayment', {
        AuthID: '123456',
        TransactionAmount: String(due).padStart(12, '0'),
      });
      const paid = await fx.call('billPayment', pay);
      assert.equal(b(paid).ResponseCode, '00', b(paid).ResponseDetail);
      const inq2 = await fx.call('billInquiry', billBody('billInquiry'));
      assert.equal(b(inq2).BillStatus, 'P');
      assert.equal(b(inq2).AuthID, '123456');

      const again = await fx.call(
        'billPayment',
        billBody('billPayment', { AuthID: '123457', TransactionAmount: String(due).padStart(12, '0') }),
      );
      assert.equal(b(again).ResponseCode, '89');
      const sameRrn = await fx.call('billPayment', pay);
      assert.equal(b(sameRrn).ResponseCode, '89');

      const v = await fx.call('voidBillPayment', billBody('voidBillPayment', { AuthID: '123456' }));
      assert.equal(b(v).ResponseCode, '00', b(v).ResponseDetail);
      assert.deepEqual(Object.keys(b(v)).sort(), [
        'AuthID',
        'ChannelID',
        'ClientID',
        'CompanyCode',
        'ConsumerNo',
        'HASH',
        'RRN',
        'Reserved1',
        'Reserved2',
        'ResponseCode',
        'ResponseDetail',
        'STAN',
      ]);
      const v2 = await fx.call('voidBillPayment', billBody('voidBillPayment', { AuthID: '123456' }));
      assert.equal(b(v2).ResponseCode, '35');
      const v3 = await fx.call('voidBillPayment', billBody('voidBillPayment', { AuthID: '999999' }));
      assert.equal(b(v3).ResponseCode, '30');
      const inq3 = await fx.call('billInquiry', billBody('billInquiry'));
      assert.equal(b(inq3).BillStatus, 'U');
      const payAgain = await fx.call(
        'billPayment',
        billBody('billPayment', { AuthID: '123458', TransactionAmount: String(due).padStart(12, '0') }),
      );
      assert.equal(b(payAgain).ResponseCode, '00');
    });

    test('overdue bills cost the amount after due date; partial payments where allowed', async () => {
      const inq = await fx.call('billInquiry', billBody('billInquiry', { ConsumerNo: '9900100004' }));
      const within = Number(b(inq).AmountWithinDueDate.slice(1));
      const afterDue = Number(b(inq).AmountAfterDueDate.slice(1));
      assert.ok(afterDue > within);
      const low = await fx.call(
        'billPayment',
        billBody('billPayment', {
          ConsumerNo: '9900100004',
          AuthID: '200001',
          TransactionAmount: String(within).padStart(12, '0'),
        }),
      );
      assert.equal(b(low).ResponseCode, '48');
      const ok = await fx.call(
        'billPayment',
        billBody('billPayment', {
          ConsumerNo: '9900100004',
          AuthID: '200001',
          TransactionAmount: String(afterDue).padStart(12, '0'),
        }),
      );
      assert.equal(b(ok).ResponseCode, '00');

      const uni = { CompanyCode: 'DUNIV001', ConsumerNo: '9900400001' };
      const p1 = await fx.call(
        'billPayment',
        billBody('billPayment', { ...uni, AuthID: '300001', TransactionAmount: '000005000000' }),
      );
      assert.equal(b(p1).ResponseCode, '00');
      const i1 = await fx.call('billInquiry', billBody('billInquiry', uni));
      assert.equal(b(i1).BillStatus, 'T');
      assert.equal(b(i1).AmountWithinDueDate, '+0000007000000');
      const tooMuch = await fx.call(
        'billPayment',
        billBody('billPayment', { ...uni, AuthID: '300002', TransactionAmount: '000007000001' }),
      );
      assert.equal(b(tooMuch).ResponseCode, '48');
      const rest = await fx.call(
        'billPayment',
        billBody('billPayment', { ...uni, AuthID: '300003', TransactionAmount: '000007000000' }),
      );
      assert.equal(b(rest).ResponseCode, '00');
      const i2 = await fx.call('billInquiry', billBody('billInquiry', uni));
      assert.equal(b(i2).BillStatus, 'P');
    });

    test('HASH: missing, wrong, no key → 22; responses are signed by the operator key', async () => {
      const missing = await fx.call('billInquiry', billBody('billInquiry', {}, false));
      assert.equal(b(missing).ResponseCode, '22');
      const tampered = billBody('billInquiry');
      tampered.ConsumerNo = '9900200001';
      assert.equal(b(await fx.call('billInquiry', tampered)).ResponseCode, '22');
      assert.equal(
        b(await fx.call('billInquiry', billBody('billInquiry'), { publicKeyPem: null })).ResponseCode,
        '22',
      );
      assert.equal(
        b(await fx.call('billInquiry', billBody('billInquiry'), { publicKeyPem: 'not a key' })).ResponseCode,
        '22',
      );
      const good = await fx.call('billInquiry', billBody('billInquiry'));
      const pem = await fx.sandbox.service.signer.publicKeyPem();
      const data = signingString(b(good), BILL_RESPONSE_SIGNED_FIELDS);
      assert.ok(verify('sha256', Buffer.from(data), pem, Buffer.from(b(good).HASH, 'base64')));
      assert.equal(b(good).HASH.length, 344);
      assert.ok(appKeys.publicPem.includes('PUBLIC KEY'));
    });

    test('live-looking consumer number is refused and flagged', async () => {
      const r = await fx.call(
        'billInquiry',
        billBody('billInquiry', { CompanyCode: 'DTELCO01', ConsumerNo: '03001234567' }),
      );
      assert.equal(b(r).ResponseCode, '94');
      assert.equal(r.liveDataSuspected, true);
      const ok = await fx.call(
        'billInquiry',
        billBody('billInquiry', { CompanyCode: 'DTELCO01', ConsumerNo: '03990000901' }),
      );
      assert.equal(b(ok).ResponseCode, '00');
    });
  });
}

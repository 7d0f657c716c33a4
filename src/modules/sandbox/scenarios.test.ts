import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '../../platform/testing.ts';
import { BILL_CODES, IBFT_CODES } from './codes.ts';
import { billBody, followUpBody, ibftBody, openSandbox, type SandboxFixture } from './test-support.ts';

/** Every scenario listed by listSandboxTestData answers its documented code; every code is reachable. */
const code = (r: { body: unknown }) => (r.body as Record<string, string>).ResponseCode;

for (const engine of testEngines()) {
  describe(`scenarios (${engine.name})`, () => {
    let fx: SandboxFixture;
    const org = 'org_scenarios';
    const seen = { ibft: new Set<string>(), bills: new Set<string>() };
    before(async () => {
      fx = await openSandbox(engine, { timeoutDelayMs: 20 });
    });
    after(async () => fx.cleanup());

    test('every account scenario returns its documented code', async () => {
      const data = await fx.sandbox.service.testData(org);
      for (const a of data.accounts) {
        for (const sc of [a.scenario, ...a.moreScenarios]) {
          for (const op of sc.operations) {
            const amount = sc.amount ?? '000000001000';
            const body =
              sc.use === 'sender'
                ? ibftBody({
                    FromBankIMD: a.imd,
                    AccountNumberFrom: a.accountNumber,
                    TransactionAmount: amount,
                  })
                : ibftBody({
                    AccountNumberTo: a.iban ?? a.accountNumber,
                    ToBankIMD: a.imd,
                    TransactionAmount: amount,
                  });
            const r = await fx.call(op, body, { orgId: org });
            assert.equal(
              code(r),
              sc.responseCode,
              `${op} ${a.imd}/${a.accountNumber}: ${JSON.stringify(r.body)}`,
            );
            seen.ibft.add(code(r));
          }
        }
      }
    });

    test('every bill scenario returns its documented code', async () => {
      await fx.sandbox.service.resetSandbox(org, { type: 'system', id: null });
      const data = await fx.sandbox.service.testData(org);
      let auth = 500000;
      for (const bill of data.bills) {
        for (const op of bill.scenario.operations) {
          const base = { CompanyCode: bill.companyCode, ConsumerNo: bill.consumerNo };
          const body =
            op === 'billPayment'
              ? billBody('billPayment', {
                  ...base,
                  AuthID: String(auth++),
                  TransactionAmount: bill.scenario.amount ?? bill.amountWithinDueDate,
                })
              : billBody('billInquiry', base);
          const r = await fx.call(op, body, { orgId: org });
          assert.equal(
            code(r),
            bill.scenario.responseCode,
            `${op} ${bill.companyCode}/${bill.consumerNo}: ${JSON.stringify(r.body)}`,
          );
          seen.bills.add(code(r));
        }
      }
    });

    test('the other documented values return their codes', async () => {
      const data = await fx.sandbox.service.testData(org);
      const hbl = data.accounts.find((a) => a.imd === '600648' && a.iban)!;
      const ibft: Array<[string, Record<string, unknown>, string]> = [
        ['ibftTitleFetch', { ToBankIMD: '999999' }, '06'],
        ['ibftTitleFetch', { AccountNumberTo: '9990000000009999' }, '02'],
        ['ibftTitleFetch', { AccountNumberTo: hbl.iban, ToBankIMD: '221166' }, '68'],
        ['ibftTitleFetch', { CurrencyCodeTransaction: '840' }, '19'],
        ['ibftTitleFetch', { STAN: '12345' }, '09'],
        ['ibftTitleFetch', { AccountNumberTo: undefined }, '80'],
        ['ibftTitleFetch', { AccountNumberTo: 'PK36SCBL0000001123456702', ToBankIMD: '627271' }, '94'],
        ['ibftFundsTransfer', { TransactionAmount: '000000000000' }, '48'],
      ];
      for (const [op, over, want] of ibft) {
        const r = await fx.call(op, ibftBody(over), { orgId: org });
        assert.equal(code(r), want, `${op} ${JSON.stringify(over)}: ${JSON.stringify(r.body)}`);
        seen.ibft.add(code(r));
      }
      const dup = ibftBody();
      await fx.call('ibftFundsTransfer', dup, { orgId: org });
      const r10 = await fx.call('ibftFundsTransfer', dup, { orgId: org });
      assert.equal(code(r10), '10');
      seen.ibft.add('10');

      const bills: Array<[string, Record<string, unknown>, string, boolean?]> = [
        ['billInquiry', { CompanyCode: 'NOSUCH01' }, '91'],
        ['billInquiry', { ConsumerNo: '9900199999' }, '88'],
        ['billInquiry', {}, '22', false],
        ['billInquiry', { ConsumerNo: '03001234567' }, '94'],
        ['billInquiry', { STAN: '12345' }, '09'],
        ['billInquiry', { ConsumerNo: undefined }, '80'],
        ['voidBillPayment', { AuthID: '999999' }, '30'],
      ];
      for (const [op, over, want, sign] of bills) {
        const r = await fx.call(op, billBody(op as 'billInquiry', over, sign !== false), { orgId: org });
        assert.equal(code(r), want, `${op} ${JSON.stringify(over)}: ${JSON.stringify(r.body)}`);
        seen.bills.add(code(r));
      }
      // 10 for bills: a repeated RRN on a partially payable bill; 48 for a wrong amount; 35 double void.
      const uni = { CompanyCode: 'DUNIV001', ConsumerNo: '9900400002' };
      const p = billBody('billPayment', { ...uni, AuthID: '610001', TransactionAmount: '000000010000' });
      assert.equal(code(await fx.call('billPayment', p, { orgId: org })), '00');
      assert.equal(code(await fx.call('billPayment', p, { orgId: org })), '10');
      assert.equal(
        code(
          await fx.call(
            'billPayment',
            billBody('billPayment', { ...uni, AuthID: '610002', TransactionAmount: '000000000000' }),
            { orgId: org },
          ),
        ),
        '48',
      );
      assert.equal(
        code(
          await fx.call('voidBillPayment', billBody('voidBillPayment', { ...uni, AuthID: '610001' }), {
            orgId: org,
          }),
        ),
        '00',
      );
      assert.equal(
        code(
          await fx.call('voidBillPayment', billBody('voidBillPayment', { ...uni, AuthID: '610001' }), {
            orgId: org,
          }),
        ),
        '35',
      );
      for (const c of ['10', '48', '35', '00']) seen.bills.add(c);
    });

    test('the inquiry and reversal values return their documented codes (30, 35, 96, 98, 99)', async () => {
      const data = await fx.sandbox.service.testData(org);
      const listed = data.otherScenarios.filter(
        (o) => o.operation === 'ibftReversal' || o.operation === 'ibftStatusInquiry',
      );
      const t = ibftBody({ TransactionAmount: '000000002000' });
      assert.equal(code(await fx.call('ibftFundsTransfer', t, { orgId: org })), '00');
      const lost = ibftBody({ TransactionAmount: '000000002000', AccountNumberTo: '9990000000005801' });
      assert.equal(code(await fx.call('ibftFundsTransfer', lost, { orgId: org })), '58');
      const cases: Array<[string, Record<string, unknown>, Record<string, unknown>, string]> = [
        ['ibftStatusInquiry', { RRN: '999999999999', STAN: '000001' }, { TransactionAmount: '' }, '30'],
        ['ibftStatusInquiry', t, {}, '00'],
        [
          'ibftReversal',
          { RRN: '999999999999', STAN: '000001', TransactionAmount: '000000002000' },
          {},
          '30',
        ],
        ['ibftReversal', t, { TransactionAmount: '000000001999' }, '98'],
        ['ibftReversal', t, { OriginalSTAN: '000002' }, '99'],
        ['ibftReversal', lost, {}, '96'],
        ['ibftReversal', t, {}, '00'],
        ['ibftReversal', t, {}, '35'],
      ];
      for (const [op, original, over, want] of cases) {
        const r = await fx.call(op, followUpBody(original, over), { orgId: org });
        assert.equal(code(r), want, `${op} ${JSON.stringify(over)}: ${JSON.stringify(r.body)}`);
        assert.ok(
          listed.some((o) => o.operation === op && o.responseCode === want),
          `${op} ${want} is listed in the test data`,
        );
        seen.ibft.add(code(r));
      }
    });

    test('every code the sandbox can return was reached', () => {
      assert.deepEqual([...seen.ibft].sort(), Object.keys(IBFT_CODES).sort());
      assert.deepEqual([...seen.bills].sort(), Object.keys(BILL_CODES).sort());
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { testEngines } from '../../platform/testing.ts';
import { followUpBody, ibftBody, openSandbox, type SandboxFixture } from './test-support.ts';
import { SCENARIO_ACCOUNTS } from './world.ts';

/**
 * Issue 34, item 1: the IBFT status inquiry and reversal. Unknown transfer → 30; a reversal of a
 * reversed transfer → 35; an amount mismatch → 98; a time-out whose answer is lost (58 after the
 * delay) with the ledger moved or not, told truthfully by the inquiry; a reversal undoes a
 * completed transfer exactly once, also under 50 concurrent reversals.
 */
const body = (r: { body: unknown }) => r.body as Record<string, string>;
const M = '221166';

for (const engine of testEngines()) {
  describe(`ibft status inquiry and reversal (${engine.name})`, () => {
    let fx: SandboxFixture;
    const delay = 150;
    before(async () => {
      fx = await openSandbox(engine, { timeoutDelayMs: delay });
    });
    after(async () => fx.cleanup());
    const balance = async (org: string, no: string) =>
      (await fx.sandbox.service.store.findAccount(org, M, no))!.balance;

    test('unknown transfer: inquiry 30 (NOT_FOUND), reversal 30', async () => {
      const q = await fx.call(
        'ibftStatusInquiry',
        followUpBody({ RRN: '999999999999', STAN: '123456' }, { TransactionAmount: '' }),
      );
      assert.equal(body(q).ResponseCode, '30', JSON.stringify(q.body));
      assert.equal(body(q).TransactionStatus, 'NOT_FOUND');
      const r = await fx.call(
        'ibftReversal',
        followUpBody({ RRN: '999999999999', STAN: '123456', TransactionAmount: '000000001000' }),
      );
      assert.equal(body(r).ResponseCode, '30');
    });

    test('a reversal restores both balances once; a second one gets 35; 98 and 99 change nothing', async () => {
      const org = 'org_rev1';
      const from = SCENARIO_ACCOUNTS.happy2;
      const to = SCENARIO_ACCOUNTS.happy1;
      const t = ibftBody({
        TransactionAmount: '000000123400',
        FromBankIMD: M,
        AccountNumberFrom: from,
        AccountNumberTo: to,
      });
      await fx.sandbox.service.store.ensureWorld(org, fx.clock.nowMs());
      const [from0, to0] = [await balance(org, from), await balance(org, to)];
      const total0 = await fx.sandbox.service.store.totalBalance(org);
      const ft = await fx.call('ibftFundsTransfer', t, { orgId: org });
      assert.equal(body(ft).ResponseCode, '00');
      assert.equal(await balance(org, to), to0 + 123400);

      const q = await fx.call('ibftStatusInquiry', followUpBody(t), { orgId: org });
      assert.equal(body(q).ResponseCode, '00', JSON.stringify(q.body));
      assert.equal(body(q).TransactionStatus, 'COMPLETED');
      assert.equal(body(q).OriginalResponseCode, '00');
      assert.equal(
        body(q).OriginalAuthorizationIdentificationResponse,
        body(ft).AuthorizationIdentificationResponse,
      );
      assert.equal(body(q).Amount, '000000123400');

      const wrongAmount = await fx.call(
        'ibftReversal',
        followUpBody(t, { TransactionAmount: '000000123300' }),
        { orgId: org },
      );
      assert.equal(body(wrongAmount).ResponseCode, '98');
      const wrongStan = await fx.call('ibftReversal', followUpBody(t, { OriginalSTAN: '000001' }), {
        orgId: org,
      });
      assert.equal(body(wrongStan).ResponseCode, '99');
      assert.match(body(wrongStan).ResponseDetail, /OriginalSTAN/);
      assert.equal(await balance(org, to), to0 + 123400);

      const rev = await fx.call('ibftReversal', followUpBody(t), { orgId: org });
      assert.equal(body(rev).ResponseCode, '00', JSON.stringify(rev.body));
      assert.match(body(rev).AuthorizationIdentificationResponse, /^\d{6}$/);
      assert.equal(body(rev).OriginalRRN, t.RRN);
      assert.equal(await balance(org, from), from0);
      assert.equal(await balance(org, to), to0);
      const again = await fx.call('ibftReversal', followUpBody(t), { orgId: org });
      assert.equal(body(again).ResponseCode, '35');
      assert.equal(await balance(org, from), from0);
      const q2 = await fx.call('ibftStatusInquiry', followUpBody(t), { orgId: org });
      assert.equal(body(q2).TransactionStatus, 'REVERSED');
      // A reversal's own RRN is used up for the day: reusing it for another reversal is a duplicate.
      const t2 = ibftBody({ TransactionAmount: '000000000100', AccountNumberTo: to });
      assert.equal(body(await fx.call('ibftFundsTransfer', t2, { orgId: org })).ResponseCode, '00');
      const sameRrn = await fx.call(
        'ibftReversal',
        { ...followUpBody(t2), RRN: body(rev).RRN },
        { orgId: org },
      );
      assert.equal(body(sameRrn).ResponseCode, '10');
      assert.equal(body(await fx.call('ibftReversal', followUpBody(t2), { orgId: org })).ResponseCode, '00');
      assert.equal(await fx.sandbox.service.store.totalBalance(org), total0);
    });

    test('lost answer after posting: 58 after the delay, the ledger moved, the inquiry says COMPLETED, a reversal undoes it', async () => {
      const org = 'org_lost1';
      await fx.sandbox.service.store.ensureWorld(org, fx.clock.nowMs());
      const to = SCENARIO_ACCOUNTS.lostPosted;
      const to0 = await balance(org, to);
      const t = ibftBody({ TransactionAmount: '000000050000', AccountNumberTo: to });
      const started = performance.now();
      const ft = await fx.call('ibftFundsTransfer', t, { orgId: org });
      assert.ok(performance.now() - started >= delay - 5, 'the answer waited for the time-out delay');
      assert.equal(body(ft).ResponseCode, '58');
      assert.equal(body(ft).AuthorizationIdentificationResponse, '000000');
      assert.equal(await balance(org, to), to0 + 50000);
      const q = await fx.call('ibftStatusInquiry', followUpBody(t), { orgId: org });
      assert.equal(body(q).TransactionStatus, 'COMPLETED');
      assert.equal(body(q).OriginalResponseCode, '00');
      const rev = await fx.call('ibftReversal', followUpBody(t), { orgId: org });
      assert.equal(body(rev).ResponseCode, '00');
      assert.equal(await balance(org, to), to0);
      // Sending the transfer again with its RRN is a duplicate (it was done).
      assert.equal(body(await fx.call('ibftFundsTransfer', t, { orgId: org })).ResponseCode, '10');
    });

    test('lost answer before posting: 58, no money moved, the inquiry says FAILED 58, a reversal gets 96', async () => {
      const org = 'org_lost2';
      await fx.sandbox.service.store.ensureWorld(org, fx.clock.nowMs());
      const total0 = await fx.sandbox.service.store.totalBalance(org);
      const to = SCENARIO_ACCOUNTS.lostUnposted;
      const to0 = await balance(org, to);
      const t = ibftBody({ TransactionAmount: '000000050000', AccountNumberTo: to });
      const ft = await fx.call('ibftFundsTransfer', t, { orgId: org });
      assert.equal(body(ft).ResponseCode, '58');
      assert.equal(await balance(org, to), to0);
      const q = await fx.call('ibftStatusInquiry', followUpBody(t), { orgId: org });
      assert.equal(body(q).ResponseCode, '00');
      assert.equal(body(q).TransactionStatus, 'FAILED');
      assert.equal(body(q).OriginalResponseCode, '58');
      assert.equal(body(q).OriginalAuthorizationIdentificationResponse, '000000');
      const rev = await fx.call('ibftReversal', followUpBody(t), { orgId: org });
      assert.equal(body(rev).ResponseCode, '96');
      assert.equal(await fx.sandbox.service.store.totalBalance(org), total0);
    });

    test('the plain time-out account still answers 58 without a record (inquiry 30)', async () => {
      const t = ibftBody({ AccountNumberTo: SCENARIO_ACCOUNTS.timeout });
      assert.equal(body(await fx.call('ibftFundsTransfer', t)).ResponseCode, '58');
      const q = await fx.call('ibftStatusInquiry', followUpBody(t));
      assert.equal(body(q).ResponseCode, '30');
    });

    for (const shared of [false, true]) {
      test(`50 concurrent reversals (${shared ? 'one shared RRN' : 'each its own RRN'}) have one effect`, async () => {
        const org = `org_race_${shared}`;
        await fx.sandbox.service.store.ensureWorld(org, fx.clock.nowMs());
        const from = SCENARIO_ACCOUNTS.happy2;
        const to = SCENARIO_ACCOUNTS.happy3;
        const [from0, to0] = [await balance(org, from), await balance(org, to)];
        const t = ibftBody({
          TransactionAmount: '000000070000',
          FromBankIMD: M,
          AccountNumberFrom: from,
          AccountNumberTo: to,
        });
        assert.equal(body(await fx.call('ibftFundsTransfer', t, { orgId: org })).ResponseCode, '00');
        const one = followUpBody(t);
        const results = await Promise.all(
          Array.from({ length: 50 }, () =>
            fx.call('ibftReversal', shared ? one : followUpBody(t), { orgId: org }),
          ),
        );
        const codes = results.map((r) => body(r).ResponseCode);
        assert.equal(codes.filter((c) => c === '00').length, 1, codes.join());
        assert.ok(
          codes.every((c) => ['00', '35', '10'].includes(c)),
          codes.join(),
        );
        if (!shared) assert.equal(codes.filter((c) => c === '35').length, 49);
        assert.equal(await balance(org, from), from0);
        assert.equal(await balance(org, to), to0);
      });
    }
  });
}

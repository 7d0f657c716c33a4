import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { classifyOutcome } from '../gateway/index.ts';
import { IBFT_CODES } from './codes.ts';
import { sandboxOutcomeRules as rules } from './outcomes.ts';
import { billOperations } from './products/bills.ts';
import { ibftOperations } from './products/ibft.ts';

describe('sandbox outcome rules', () => {
  it('name every operation the sandbox serves', () => {
    const core = {} as Parameters<typeof ibftOperations>[0];
    for (const op of [...ibftOperations(core), ...billOperations(core)]) {
      assert.ok(Object.hasOwn(rules.byOperation, op.operationId), op.operationId);
    }
  });

  it('IBFT: 00 approves, 58 is a time-out (failed), every other code is a decline (55 and 10 among them)', () => {
    for (const op of ['ibftTitleFetch', 'ibftFundsTransfer']) {
      for (const code of Object.keys(IBFT_CODES)) {
        const expected = code === '00' ? 'approved' : code === '58' ? 'failed' : 'declined';
        assert.equal(classifyOutcome(rules, op, 200, code), expected, `${op} ${code}`);
      }
      assert.equal(classifyOutcome(rules, op, 504, null), 'failed');
    }
  });

  it('1Bill: 00 and 66 (bill in process) approve, 25 (UBPS time-out) fails, 55, 10 and 89 decline', () => {
    for (const op of ['billInquiry', 'billPayment', 'voidBillPayment']) {
      assert.equal(classifyOutcome(rules, op, 200, '00'), 'approved');
      assert.equal(classifyOutcome(rules, op, 200, '66'), 'approved');
      assert.equal(classifyOutcome(rules, op, 200, '0266'), 'approved');
      assert.equal(classifyOutcome(rules, op, 200, '25'), 'failed');
      for (const code of ['55', '10', '89', '22'])
        assert.equal(classifyOutcome(rules, op, 200, code), 'declined');
    }
  });

  it('1QR (not yet served) approves with 0000 by the fallback rule', () => {
    assert.equal(classifyOutcome(rules, 'getQRCode', 200, '0000'), 'approved');
  });
});

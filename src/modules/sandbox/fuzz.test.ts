import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { testEngines } from '../../platform/testing.ts';
import { BILL_CODES, IBFT_CODES } from './codes.ts';
import { billBody, ibftBody, openSandbox, type SandboxFixture } from './test-support.ts';

/**
 * Bad input never breaks the sandbox: fuzzed bodies (wrong types, missing and oversized fields,
 * junk JSON, arrays, nested objects) always get a network-style answer, never an exception or a
 * 5xx, and the books still balance afterwards (no partial ledger write).
 */
const value = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.stringMatching(/^\d{0,14}$/),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.string(), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.string({ minLength: 500, maxLength: 5000 }),
);

function mutate(base: Record<string, unknown>) {
  return fc
    .array(
      fc.tuple(fc.constantFrom(...Object.keys(base), 'Extra', '__proto__', 'constructor'), fc.option(value)),
      { maxLength: 4 },
    )
    .map((changes) => {
      const copy: Record<string, unknown> = { ...base };
      for (const [k, v] of changes) {
        if (v === null) delete copy[k];
        else copy[k] = v;
      }
      return copy;
    });
}

const anyBody = (base: () => Record<string, unknown>) =>
  fc.oneof(
    mutate(base()),
    fc.string({ maxLength: 200 }),
    fc.json(),
    fc.anything(),
    fc.constant(undefined),
    fc.constant('{"STAN": '),
  );

for (const engine of testEngines()) {
  describe(`fuzz (${engine.name})`, () => {
    let fx: SandboxFixture;
    const org = 'org_fuzz';
    before(async () => {
      fx = await openSandbox(engine, { timeoutDelayMs: 0 });
    });
    after(async () => fx.cleanup());

    test('fuzzed bodies get network-style answers and the ledger stays whole', async () => {
      const store = fx.sandbox.service.store;
      await store.ensureWorld(org, fx.clock.nowMs());
      const total = await store.totalBalance(org);
      const cases: Array<[string, () => Record<string, unknown>, Record<string, string>]> = [
        ['ibftTitleFetch', () => ibftBody(), IBFT_CODES],
        ['ibftFundsTransfer', () => ibftBody({ TransactionAmount: '000000000100' }), IBFT_CODES],
        ['billInquiry', () => billBody('billInquiry'), BILL_CODES],
        [
          'billPayment',
          () => billBody('billPayment', { AuthID: '123456', TransactionAmount: '000000100000' }),
          BILL_CODES,
        ],
        ['voidBillPayment', () => billBody('voidBillPayment', { AuthID: '123456' }), BILL_CODES],
      ];
      for (const [op, base, codes] of cases) {
        await fc.assert(
          fc.asyncProperty(anyBody(base), async (body) => {
            const r = await fx.call(op, body, { orgId: org });
            assert.ok(r.status < 500, `${op}: status ${r.status}`);
            const rc = (r.body as Record<string, string>).ResponseCode;
            assert.ok(rc in codes, `${op}: unexpected code ${rc}`);
            assert.equal(typeof (r.body as Record<string, string>).ResponseDetail, 'string');
          }),
          { numRuns: 150 },
        );
      }
      assert.equal(await store.totalBalance(org), total);
      const unbalanced = await fx.db
        .selectFrom('sandbox_ledger_entries')
        .select(['transfer_id', sql<number>`sum(amount)`.as('s'), sql<number>`count(*)`.as('n')])
        .where('org_id', '=', org)
        .groupBy('transfer_id')
        .execute();
      for (const t of unbalanced) {
        assert.equal(Number(t.s), 0);
        assert.equal(Number(t.n), 2);
      }
    });
  });
}

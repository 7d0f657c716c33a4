import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { sql } from 'kysely';
import { testEngines } from '../../platform/testing.ts';
import { billBody, followUpBody, ibftBody, openSandbox, type SandboxFixture } from './test-support.ts';

/**
 * Issue 34: ledger conservation as a property over 1,000 random operations — funds transfers
 * (including the lost-answer accounts), status inquiries, reversals (of any earlier transfer, with
 * right and wrong amounts, repeated) and bill payments — run in concurrent batches. After them: the
 * organisation's total is the seeded total, no balance is negative, every posted movement has two
 * entries summing to zero, each balance is its seed plus its entries, every transfer is reversed at
 * most once and the inquiry's status agrees with the ledger.
 */
const code = (r: { body: unknown }) => (r.body as Record<string, string>).ResponseCode;

type Op =
  | { kind: 'transfer'; from: number; to: number; amount: number }
  | { kind: 'inquiry'; of: number }
  | { kind: 'reversal'; of: number; wrongAmount: boolean }
  | { kind: 'bill'; bill: number; amount: number | null };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      kind: fc.constant('transfer' as const),
      from: fc.nat(),
      to: fc.nat(),
      amount: fc.constantFrom(1, 100, 5_000, 100_000, 2_500_000, 50_000_000, 900_000_000),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('inquiry' as const), of: fc.nat() }) },
  {
    weight: 3,
    arbitrary: fc.record({ kind: fc.constant('reversal' as const), of: fc.nat(), wrongAmount: fc.boolean() }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('bill' as const),
      bill: fc.nat(),
      amount: fc.option(fc.constantFrom(1, 10_000, 100_000), { nil: null }),
    }),
  },
);

for (const engine of testEngines()) {
  describe(`ledger property (${engine.name})`, () => {
    let fx: SandboxFixture;
    before(async () => {
      fx = await openSandbox(engine, { timeoutDelayMs: 1 });
    });
    after(async () => fx.cleanup());

    test('1,000 random transfers, inquiries, reversals and bill payments conserve money', async () => {
      let run = 0;
      await fc.assert(
        fc.asyncProperty(fc.array(opArb, { minLength: 1000, maxLength: 1000 }), async (ops) => {
          const org = `org_prop_${run++}`;
          const store = fx.sandbox.service.store;
          await store.ensureWorld(org, fx.clock.nowMs());
          const seeded = await store.listAccounts(org);
          const seededTotal = await store.totalBalance(org);
          const customers = seeded.filter((a) => a.role === 'customer');
          const bills = await store.listBills(org);
          const transfers: Array<Record<string, unknown>> = [];
          let auth = 100000;
          const seen = new Map<string, number>();
          for (let i = 0; i < ops.length; i += 10) {
            const batch = ops.slice(i, i + 10).map((op) => {
              if (op.kind === 'transfer') {
                const from = op.from % 5 === 0 ? null : customers[op.from % customers.length];
                const to = customers[op.to % customers.length];
                const body = ibftBody({
                  TransactionAmount: String(op.amount).padStart(12, '0'),
                  FromBankIMD: from ? from.imd : '998876',
                  AccountNumberFrom: from ? (from.iban ?? from.accountNo) : '',
                  AccountNumberTo: to.iban ?? to.accountNo,
                  ToBankIMD: to.imd,
                });
                transfers.push(body);
                return fx.call('ibftFundsTransfer', body, { orgId: org });
              }
              if (op.kind === 'bill') {
                const b = bills[op.bill % bills.length];
                return fx.call(
                  'billPayment',
                  billBody('billPayment', {
                    CompanyCode: b.companyCode,
                    ConsumerNo: b.consumerNo,
                    AuthID: String(auth++),
                    TransactionAmount: String(op.amount ?? b.amountWithin).padStart(12, '0'),
                  }),
                  { orgId: org },
                );
              }
              const t = transfers.length
                ? transfers[op.of % transfers.length]
                : ibftBody({ RRN: '999999999999' });
              if (op.kind === 'inquiry') return fx.call('ibftStatusInquiry', followUpBody(t), { orgId: org });
              const over = op.wrongAmount ? { TransactionAmount: '000000000003' } : {};
              return fx.call('ibftReversal', followUpBody(t, over), { orgId: org });
            });
            const kinds = ops.slice(i, i + 10).map((o) => o.kind);
            (await Promise.all(batch)).forEach((r, k) => {
              const key = `${kinds[k]} ${code(r)}`;
              seen.set(key, (seen.get(key) ?? 0) + 1);
            });
          }
          // A real mix: reversals that took effect and ones refused, paid bills, completed transfers.
          for (const k of [
            'transfer 00',
            'reversal 00',
            'reversal 98',
            'reversal 35',
            'bill 00',
            'inquiry 00',
          ])
            assert.ok(seen.has(k), `expected some "${k}": ${JSON.stringify([...seen])}`);

          assert.equal(await store.totalBalance(org), seededTotal);
          const now = await store.listAccounts(org);
          assert.ok(now.every((a) => a.balance >= 0));
          const db = fx.db;
          const perMove = await db
            .selectFrom('sandbox_ledger_entries')
            .select(['transfer_id', sql<number>`count(*)`.as('n'), sql<number>`sum(amount)`.as('total')])
            .where('org_id', '=', org)
            .groupBy('transfer_id')
            .execute();
          for (const m of perMove) {
            assert.equal(Number(m.n), 2);
            assert.equal(Number(m.total), 0);
          }
          const entries = await db
            .selectFrom('sandbox_ledger_entries')
            .select(['imd', 'account_no', sql<number>`sum(amount)`.as('total')])
            .where('org_id', '=', org)
            .groupBy(['imd', 'account_no'])
            .execute();
          const delta = new Map(entries.map((e) => [`${e.imd}/${e.account_no}`, Number(e.total)]));
          const seedMap = new Map(seeded.map((a) => [`${a.imd}/${a.accountNo}`, a.balance]));
          for (const a of now) {
            const k = `${a.imd}/${a.accountNo}`;
            assert.equal(a.balance, seedMap.get(k)! + (delta.get(k) ?? 0), k);
          }
          // Each reversal undid a distinct completed transfer, and the inquiry agrees.
          const reversals = await db
            .selectFrom('sandbox_transfers')
            .select(['original_id'])
            .where('org_id', '=', org)
            .where('kind', '=', 'reversal')
            .where('response_code', '=', '00')
            .execute();
          const originals = reversals.map((r) => r.original_id);
          assert.equal(new Set(originals).size, originals.length);
          for (const t of transfers.slice(0, 40)) {
            const q = await fx.call('ibftStatusInquiry', followUpBody(t), { orgId: org });
            const rows = await store.findTransfers(org, t.RRN as string);
            const b = q.body as Record<string, string>;
            if (!rows.length) {
              assert.equal(b.ResponseCode, '30');
              continue;
            }
            const want =
              rows[0].responseCode !== '00' ? 'FAILED' : rows[0].reversedBy ? 'REVERSED' : 'COMPLETED';
            assert.equal(b.TransactionStatus, want);
            if (want === 'REVERSED') assert.ok(originals.includes(rows[0].id));
          }
          await fx.sandbox.service.resetSandbox(org, { type: 'system', id: null });
          assert.deepEqual(await store.listAccounts(org), seeded);
        }),
        { numRuns: 1, seed: 34, endOnFailure: true },
      );
    });
  });
}

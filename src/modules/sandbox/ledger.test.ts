import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { testEngines } from '../../platform/testing.ts';
import { createPrng } from './prng.ts';
import { ibftBody, openSandbox, type SandboxFixture } from './test-support.ts';

/**
 * The ledger's promises under load: 1,000 random transfers (batches run concurrently, many of them
 * failing) leave every balance non-negative, every successful transfer with two entries summing to
 * zero, each balance equal to its seed plus its entries, and the total equal to the seeded total.
 * Reset then restores the seeded world exactly.
 */
for (const engine of testEngines()) {
  describe(`ledger (${engine.name})`, () => {
    let fx: SandboxFixture;
    const org = 'org_ledger';
    before(async () => {
      fx = await openSandbox(engine, { timeoutDelayMs: 1 });
    });
    after(async () => fx.cleanup());

    test('1,000 random transfers keep the books balanced; reset restores the seed', async () => {
      const store = fx.sandbox.service.store;
      await store.ensureWorld(org, fx.clock.nowMs());
      const seeded = await store.listAccounts(org);
      const seededBills = await store.listBills(org);
      const seededTotal = await store.totalBalance(org);
      assert.equal(
        seededTotal,
        seeded.reduce((s, a) => s + a.balance, 0),
      );

      const rng = createPrng('ledger-test');
      // The lost-answer accounts answer 58 to posted transfers (reversal.test.ts covers them).
      const customers = seeded.filter((a) => a.role === 'customer' && !a.scenario?.startsWith('lost_'));
      const codes = new Map<string, number>();
      const usedRrns: string[] = [];
      let n = 0;
      while (n < 1000) {
        const batch = [];
        for (let k = 0; k < 10 && n < 1000; k++, n++) {
          const from = rng.next() < 0.2 ? null : rng.pick(customers);
          const to = rng.pick(customers);
          const amount = rng.pick([1, 100, 5_000, 100_000, 2_500_000, 50_000_000, 900_000_000]);
          const body = ibftBody({
            TransactionAmount: String(amount).padStart(12, '0'),
            FromBankIMD: from ? from.imd : '998876',
            AccountNumberFrom: from ? (from.iban ?? from.accountNo) : '',
            AccountNumberTo: to.iban ?? to.accountNo,
            ToBankIMD: to.imd,
          });
          if (usedRrns.length && rng.next() < 0.05) body.RRN = rng.pick(usedRrns);
          usedRrns.push(body.RRN as string);
          batch.push(fx.call('ibftFundsTransfer', body, { orgId: org }));
        }
        for (const r of await Promise.all(batch)) {
          const code = (r.body as Record<string, string>).ResponseCode;
          codes.set(code, (codes.get(code) ?? 0) + 1);
        }
      }
      // A healthy mix of outcomes, including failures.
      assert.ok((codes.get('00') ?? 0) > 300, JSON.stringify([...codes]));
      for (const c of ['04', '10', '03'])
        assert.ok((codes.get(c) ?? 0) > 0, `expected some ${c}: ${JSON.stringify([...codes])}`);

      const now = await store.listAccounts(org);
      assert.equal(await store.totalBalance(org), seededTotal);
      assert.ok(now.every((a) => a.balance >= 0));
      const db = fx.db;
      const perTransfer = await db
        .selectFrom('sandbox_ledger_entries')
        .select(['transfer_id', sql<number>`count(*)`.as('n'), sql<number>`sum(amount)`.as('total')])
        .where('org_id', '=', org)
        .groupBy('transfer_id')
        .execute();
      const ok = await db
        .selectFrom('sandbox_transfers')
        .select('id')
        .where('org_id', '=', org)
        .where('response_code', '=', '00')
        .execute();
      assert.equal(perTransfer.length, ok.length);
      assert.equal(ok.length, codes.get('00'));
      for (const t of perTransfer) {
        assert.equal(Number(t.n), 2);
        assert.equal(Number(t.total), 0);
      }
      const entries = await db
        .selectFrom('sandbox_ledger_entries')
        .select(['imd', 'account_no', sql<number>`sum(amount)`.as('total')])
        .where('org_id', '=', org)
        .groupBy(['imd', 'account_no'])
        .execute();
      const delta = new Map(entries.map((e) => [`${e.imd}/${e.account_no}`, Number(e.total)]));
      const seedMap = new Map(seeded.map((a) => [`${a.imd}/${a.accountNo}`, a.balance]));
      for (const a of now)
        assert.equal(
          a.balance,
          seedMap.get(`${a.imd}/${a.accountNo}`)! + (delta.get(`${a.imd}/${a.accountNo}`) ?? 0),
        );

      await fx.sandbox.service.resetSandbox(org, { type: 'system', id: null });
      assert.deepEqual(await store.listAccounts(org), seeded);
      assert.deepEqual(await store.listBills(org), seededBills);
      const left = await db.selectFrom('sandbox_transfers').select('id').where('org_id', '=', org).execute();
      assert.equal(left.length, 0);
    });

    test('concurrent transfers from one account never overdraw it', async () => {
      const store = fx.sandbox.service.store;
      const org2 = 'org_race';
      await store.ensureWorld(org2, fx.clock.nowMs());
      const sender = (await store.findAccount(org2, '221166', '9990000000001003'))!; // PKR 75,000
      const each = 1_000_000; // PKR 10,000: at most 7 can succeed
      const results = await Promise.all(
        Array.from({ length: 20 }, () =>
          fx.call(
            'ibftFundsTransfer',
            ibftBody({
              TransactionAmount: String(each).padStart(12, '0'),
              FromBankIMD: '221166',
              AccountNumberFrom: sender.accountNo,
            }),
            { orgId: org2 },
          ),
        ),
      );
      const okCount = results.filter((r) => (r.body as Record<string, string>).ResponseCode === '00').length;
      assert.equal(okCount, Math.floor(sender.balance / each));
      const after = (await store.findAccount(org2, '221166', sender.accountNo))!;
      assert.equal(after.balance, sender.balance - okCount * each);
    });

    test('termination deletes the world; next use creates a fresh one', async () => {
      const store = fx.sandbox.service.store;
      await store.ensureWorld('org_term', fx.clock.nowMs());
      const r = await fx.call('ibftFundsTransfer', ibftBody({ TransactionAmount: '000000010000' }), {
        orgId: 'org_term',
      });
      assert.equal((r.body as Record<string, string>).ResponseCode, '00');
      await fx.sandbox.service.onOrganizationTerminated('org_term', 'test');
      assert.equal((await store.listAccounts('org_term')).length, 0);
      await store.ensureWorld('org_term', fx.clock.nowMs());
      const fresh = await store.findAccount('org_term', '221166', '9990000000001001');
      assert.equal(fresh!.balance, store.staticAccount('221166', '9990000000001001')!.balance);
    });

    test('worlds are per organisation', async () => {
      const store = fx.sandbox.service.store;
      await store.ensureWorld('org_iso', fx.clock.nowMs());
      const r = await fx.call('ibftFundsTransfer', ibftBody({ TransactionAmount: '000000010000' }), {
        orgId: 'org_iso',
      });
      assert.equal((r.body as Record<string, string>).ResponseCode, '00');
      const mine = await store.findAccount('org_iso', '221166', '9990000000001001');
      const theirs = await store.findAccount('org_iso2', '221166', '9990000000001001');
      assert.equal(theirs, null); // not created until first use
      await store.ensureWorld('org_iso2', fx.clock.nowMs());
      const fresh = await store.findAccount('org_iso2', '221166', '9990000000001001');
      assert.equal(mine!.balance - fresh!.balance, 10_000);
    });
  });
}

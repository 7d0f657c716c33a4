import { type Kysely, sql } from 'kysely';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import { businessDay } from './business-day.ts';
import type { SandboxTables } from './tables.ts';
import type { BillStatus } from './world.ts';

/**
 * SQL storage of the double-entry ledger: transfers, bill payments and their voids. Promises:
 * - a transfer either moves money from one account to another and writes both ledger entries, or
 *   changes nothing; balances never go negative (conditional UPDATE … WHERE balance >= amount,
 *   plus a CHECK constraint), so the sum of an organisation's balances never changes.
 */
/** Thrown inside a ledger transaction to roll it back with a network response code. */
class Decline extends Error {
  readonly code: string;
  constructor(code: string, detail?: string) {
    super(detail ?? code);
    this.code = code;
  }
}

export type MoveInput = {
  orgId: string;
  kind: 'ibft' | 'bill' | 'void' | 'reversal';
  rrn: string;
  stan: string;
  from: { imd: string; accountNo: string };
  to: { imd: string; accountNo: string };
  amount: number;
  authId: string;
  appId: string | null;
  nowMs: number;
  /** For a reversal: the transfer it undoes. */
  originalId?: string;
};

/** An IBFT transfer as the status inquiry and the reversal see it (sandbox_transfers). */
export type TransferRow = {
  id: string;
  bizDay: string;
  rrn: string;
  stan: string;
  from: { imd: string; accountNo: string };
  to: { imd: string; accountNo: string };
  amount: number;
  responseCode: string;
  authId: string;
  reversedBy: string | null;
  createdAt: string;
};

export type MoveResult = { ok: true; transferId: string } | { ok: false; code: string; detail: string };

export class LedgerStore {
  readonly #db: Kysely<SandboxTables>;

  constructor(db: Kysely<SandboxTables>) {
    this.#db = db;
  }

  /**
   * Moves `amount` paisa between two accounts as one transaction with its record and two ledger
   * entries. `extra` runs inside the same transaction (bill status changes) and may throw Decline;
   * `first` likewise, but before the accounts are touched (a reversal's mark).
   * Rows are updated in key order so two opposite transfers cannot deadlock on PostgreSQL.
   */
  async move(
    input: MoveInput,
    extra?: (trx: Kysely<SandboxTables>, transferId: string) => Promise<void>,
    first?: (trx: Kysely<SandboxTables>, transferId: string) => Promise<void>,
  ): Promise<MoveResult> {
    // PostgreSQL may still pick this transaction as a deadlock victim (e.g. against a reset); the
    // transaction rolled back whole, so it is safe to run again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#moveOnce(input, extra, first);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 3 || (code !== '40P01' && code !== '40001')) throw err;
      }
    }
  }

  async #moveOnce(
    input: MoveInput,
    extra?: (trx: Kysely<SandboxTables>, transferId: string) => Promise<void>,
    first?: (trx: Kysely<SandboxTables>, transferId: string) => Promise<void>,
  ): Promise<MoveResult> {
    const { orgId, amount } = input;
    const day = businessDay(input.nowMs);
    const at = new Date(input.nowMs).toISOString();
    const transferId = newId('txn', input.nowMs);
    const record = {
      id: transferId,
      org_id: orgId,
      kind: input.kind,
      biz_day: day,
      rrn: input.rrn,
      stan: input.stan,
      from_imd: input.from.imd,
      from_account: input.from.accountNo,
      to_imd: input.to.imd,
      to_account: input.to.accountNo,
      amount,
      response_code: '00',
      auth_id: input.authId,
      app_id: input.appId,
      created_at: at,
      original_id: input.originalId ?? null,
    };
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx.insertInto('sandbox_transfers').values(record).execute();
        if (first) await first(trx, transferId);
        const legs = [
          { side: 'debit' as const, ...input.from },
          { side: 'credit' as const, ...input.to },
        ].sort((a, b) => (a.imd + a.accountNo < b.imd + b.accountNo ? -1 : 1));
        for (const leg of legs) {
          // A reversal takes back what was received: the beneficiary's daily limit does not apply.
          if (leg.side === 'debit')
            await this.#debit(trx, orgId, leg, amount, day, input.kind !== 'reversal');
          else await this.#credit(trx, orgId, leg, amount);
        }
        await trx
          .insertInto('sandbox_ledger_entries')
          .values([
            {
              id: `${transferId}_d`,
              org_id: orgId,
              transfer_id: transferId,
              imd: input.from.imd,
              account_no: input.from.accountNo,
              amount: -amount,
              created_at: at,
            },
            {
              id: `${transferId}_c`,
              org_id: orgId,
              transfer_id: transferId,
              imd: input.to.imd,
              account_no: input.to.accountNo,
              amount,
              created_at: at,
            },
          ])
          .execute();
        if (extra) await extra(trx, transferId);
      });
      return { ok: true, transferId };
    } catch (err) {
      if (err instanceof Decline) {
        // The declined attempt keeps its RRN (a retry with the same RRN is a duplicate, as on the
        // network); losing that record to a race changes nothing about balances.
        await this.#db
          .insertInto('sandbox_transfers')
          .values({ ...record, id: newId('txn', input.nowMs), response_code: err.code, auth_id: '000000' })
          .execute()
          .catch(() => {});
        return { ok: false, code: err.code, detail: err.message };
      }
      if (isUniqueViolation(err)) return { ok: false, code: '10', detail: 'DUPLICATE TRANSACTION' };
      throw err;
    }
  }

  async #debit(
    trx: Kysely<SandboxTables>,
    orgId: string,
    acct: { imd: string; accountNo: string },
    amount: number,
    day: string,
    limited = true,
  ): Promise<void> {
    const usedToday = sql`(case when limit_day = ${day} then limit_used else 0 end)`;
    const r = limited
      ? await trx
          .updateTable('sandbox_accounts')
          .set({
            balance: sql<number>`balance - ${amount}`,
            limit_used: sql<number>`${usedToday} + ${amount}`,
            limit_day: day,
          })
          .where('org_id', '=', orgId)
          .where('imd', '=', acct.imd)
          .where('account_no', '=', acct.accountNo)
          .where('balance', '>=', amount)
          .where(sql<boolean>`${usedToday} + ${amount} <= daily_limit`)
          .executeTakeFirst()
      : await trx
          .updateTable('sandbox_accounts')
          .set({ balance: sql<number>`balance - ${amount}` })
          .where('org_id', '=', orgId)
          .where('imd', '=', acct.imd)
          .where('account_no', '=', acct.accountNo)
          .where('balance', '>=', amount)
          .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) return;
    const row = await trx
      .selectFrom('sandbox_accounts')
      .select(['balance'])
      .where('org_id', '=', orgId)
      .where('imd', '=', acct.imd)
      .where('account_no', '=', acct.accountNo)
      .executeTakeFirst();
    if (!row) throw new Decline('02', 'INVALID ACCOUNT');
    if (Number(row.balance) < amount) throw new Decline('04', 'LOW BALANCE');
    throw new Decline('01', 'LIMIT EXCEEDED: DAILY LIMIT OF SENDER');
  }

  async #credit(
    trx: Kysely<SandboxTables>,
    orgId: string,
    acct: { imd: string; accountNo: string },
    amount: number,
  ) {
    const r = await trx
      .updateTable('sandbox_accounts')
      .set({ balance: sql<number>`balance + ${amount}` })
      .where('org_id', '=', orgId)
      .where('imd', '=', acct.imd)
      .where('account_no', '=', acct.accountNo)
      .where((eb) =>
        eb.or([eb('max_balance', 'is', null), eb(sql`balance + ${amount}`, '<=', sql.ref('max_balance'))]),
      )
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 1) return;
    const row = await trx
      .selectFrom('sandbox_accounts')
      .select(['balance'])
      .where('org_id', '=', orgId)
      .where('imd', '=', acct.imd)
      .where('account_no', '=', acct.accountNo)
      .executeTakeFirst();
    if (!row) throw new Decline('68', 'INVALID TO ACCOUNT');
    throw new Decline('01', 'LIMIT EXCEEDED: BENEFICIARY ACCOUNT BALANCE LIMIT');
  }

  /**
   * Pays (part of) a bill: money moves from the settlement account to the biller's collection
   * account and the bill changes, in one transaction. The bill update is conditional on the state
   * that was priced, so two concurrent payments of one bill cannot both succeed (the loser gets 89).
   */
  async payBill(
    input: MoveInput & { companyCode: string; consumerNo: string },
    priced: { billStatus: BillStatus; amountPaid: number; newStatus: BillStatus; datePaid: string },
  ): Promise<MoveResult> {
    return this.move(input, async (trx, transferId) => {
      const r = await trx
        .updateTable('sandbox_bills')
        .set({
          bill_status: priced.newStatus,
          amount_paid: priced.amountPaid + input.amount,
          date_paid: priced.datePaid,
          tran_auth_id: input.authId,
        })
        .where('org_id', '=', input.orgId)
        .where('company_code', '=', input.companyCode)
        .where('consumer_no', '=', input.consumerNo)
        .where('bill_status', '=', priced.billStatus)
        .where('amount_paid', '=', priced.amountPaid)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new Decline('89', 'BILL ALREADY PAID');
      await trx
        .insertInto('sandbox_bill_payments')
        .values({
          id: transferId,
          org_id: input.orgId,
          company_code: input.companyCode,
          consumer_no: input.consumerNo,
          auth_id: input.authId,
          rrn: input.rrn,
          amount: input.amount,
          status: 'paid',
          prev_bill_status: priced.billStatus,
          paid_at: new Date(input.nowMs).toISOString(),
          voided_at: null,
        })
        .execute();
    });
  }

  /** The latest payment of a bill with this AuthID (any status). */
  async findBillPayment(
    orgId: string,
    companyCode: string,
    consumerNo: string,
    authId: string,
  ): Promise<{ id: string; amount: number; status: string; prevBillStatus: BillStatus } | null> {
    const rows = await this.#db
      .selectFrom('sandbox_bill_payments')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('company_code', '=', companyCode)
      .where('consumer_no', '=', consumerNo)
      .where('auth_id', '=', authId)
      .orderBy('id', 'desc')
      .execute();
    const r = rows.find((x) => x.status === 'paid') ?? rows[0];
    return r
      ? {
          id: r.id,
          amount: Number(r.amount),
          status: r.status,
          prevBillStatus: r.prev_bill_status as BillStatus,
        }
      : null;
  }

  /** Voids a bill payment: the money goes back and the bill returns to its earlier status. */
  async voidBillPayment(
    input: MoveInput & {
      companyCode: string;
      consumerNo: string;
      paymentId: string;
      prevBillStatus: BillStatus;
    },
  ): Promise<MoveResult> {
    return this.move(input, async (trx) => {
      const p = await trx
        .updateTable('sandbox_bill_payments')
        .set({ status: 'voided', voided_at: new Date(input.nowMs).toISOString() })
        .where('id', '=', input.paymentId)
        .where('status', '=', 'paid')
        .executeTakeFirst();
      if (Number(p.numUpdatedRows) !== 1) throw new Decline('35', 'ORIGINAL ALREADY REVERSED');
      await trx
        .updateTable('sandbox_bills')
        .set({
          bill_status: input.prevBillStatus,
          amount_paid: sql<number>`amount_paid - ${input.amount}`,
          date_paid: null,
          tran_auth_id: null,
        })
        .where('org_id', '=', input.orgId)
        .where('company_code', '=', input.companyCode)
        .where('consumer_no', '=', input.consumerNo)
        .execute();
    });
  }

  /**
   * Records a transfer the network timed out before posting (code 58, nothing moved), so a status
   * inquiry finds it and tells the truth. Its RRN counts as used, like a declined attempt's.
   * False when the RRN was already used today (the caller answers 10).
   */
  async recordUnposted(input: MoveInput, code: string): Promise<boolean> {
    try {
      await this.#db
        .insertInto('sandbox_transfers')
        .values({
          id: newId('txn', input.nowMs),
          org_id: input.orgId,
          kind: input.kind,
          biz_day: businessDay(input.nowMs),
          rrn: input.rrn,
          stan: input.stan,
          from_imd: input.from.imd,
          from_account: input.from.accountNo,
          to_imd: input.to.imd,
          to_account: input.to.accountNo,
          amount: input.amount,
          response_code: code,
          auth_id: '000000',
          app_id: input.appId,
          created_at: new Date(input.nowMs).toISOString(),
        })
        .execute();
      return true;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /**
   * The IBFT transfers with this RRN, newest first (one per business day at most; `bizDay`
   * narrows to one day).
   */
  async findTransfers(orgId: string, rrn: string, bizDay?: string): Promise<TransferRow[]> {
    let q = this.#db
      .selectFrom('sandbox_transfers')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('kind', '=', 'ibft')
      .where('rrn', '=', rrn);
    if (bizDay) q = q.where('biz_day', '=', bizDay);
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').execute();
    return rows.map((r) => ({
      id: r.id,
      bizDay: r.biz_day,
      rrn: r.rrn,
      stan: r.stan,
      from: { imd: r.from_imd ?? '', accountNo: r.from_account ?? '' },
      to: { imd: r.to_imd ?? '', accountNo: r.to_account ?? '' },
      amount: Number(r.amount),
      responseCode: r.response_code,
      authId: r.auth_id,
      reversedBy: r.reversed_by ?? null,
      createdAt: r.created_at,
    }));
  }

  /**
   * Reverses a completed transfer: the amount goes back from the beneficiary to the sender and the
   * transfer is marked reversed, in one transaction. The mark is a conditional UPDATE (only while
   * unmarked), so of any number of concurrent reversals exactly one takes effect; the others roll
   * back whole and get 35 ORIGINAL ALREADY REVERSED.
   */
  async reverseTransfer(input: MoveInput & { originalId: string }): Promise<MoveResult> {
    // The mark comes before the legs: a concurrent reversal waits on the original's row, then finds
    // it marked and answers 35 without touching the accounts.
    return this.move(input, undefined, async (trx, reversalId) => {
      const r = await trx
        .updateTable('sandbox_transfers')
        .set({ reversed_by: reversalId })
        .where('id', '=', input.originalId)
        .where('org_id', '=', input.orgId)
        .where('response_code', '=', '00')
        .where('reversed_by', 'is', null)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) !== 1) throw new Decline('35', 'ORIGINAL ALREADY REVERSED');
    });
  }

  /** Sum of all balances of an organisation (paisa): constant under transfers. */
  async totalBalance(orgId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('sandbox_accounts')
      .select(sql<string>`coalesce(sum(balance), 0)`.as('total'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    return Number(r.total);
  }
}

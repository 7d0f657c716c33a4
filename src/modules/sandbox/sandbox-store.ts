import { type Kysely, type Selectable, sql } from 'kysely';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { newId } from '../../platform/ids.ts';
import type { SandboxTables } from './tables.ts';
import {
  type AccountRole,
  type AccountScenario,
  type AccountStatus,
  type BillStatus,
  generateWorld,
  type World,
  type WorldAccount,
  type WorldBill,
  type WorldBiller,
} from './world.ts';

/**
 * SQL storage of the per-organisation worlds, the double-entry ledger, live-data events and the
 * operator signing key: the only file of the module that talks to the database. Promises:
 * - a world is created once per organisation, lazily, even when first calls race;
 * - a transfer either moves money from one account to another and writes both ledger entries, or
 *   changes nothing; balances never go negative (conditional UPDATE … WHERE balance >= amount,
 *   plus a CHECK constraint), so the sum of an organisation's balances never changes;
 * - reset deletes and re-creates an organisation's world in one transaction.
 */
const PKT_OFFSET_MS = 5 * 3_600_000;
const DAY_MS = 86_400_000;

/** The business day (Pakistan time) of an instant, `YYYY-MM-DD`. */
function businessDay(nowMs: number): string {
  return new Date(nowMs + PKT_OFFSET_MS).toISOString().slice(0, 10);
}
/** Midnight (as a UTC timestamp) of the Pakistan business day containing nowMs. */
function businessDayStartMs(nowMs: number): number {
  return Math.floor((nowMs + PKT_OFFSET_MS) / DAY_MS) * DAY_MS;
}

export type AccountRow = {
  imd: string;
  accountNo: string;
  bankCode: string | null;
  iban: string | null;
  title: string;
  branchName: string;
  cnic: string;
  mobile: string;
  cardPan: string;
  accountType: string;
  currency: string;
  balance: number;
  dailyLimit: number;
  maxBalance: number | null;
  status: AccountStatus;
  scenario: AccountScenario | null;
  role: AccountRole;
};

export type BillerRow = WorldBiller;
export type BillRow = WorldBill;

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
  kind: 'ibft' | 'bill' | 'void';
  rrn: string;
  stan: string;
  from: { imd: string; accountNo: string };
  to: { imd: string; accountNo: string };
  amount: number;
  authId: string;
  appId: string | null;
  nowMs: number;
};

export type MoveResult = { ok: true; transferId: string } | { ok: false; code: string; detail: string };

function toAccount(r: Selectable<SandboxTables['sandbox_accounts']>): AccountRow {
  return {
    imd: r.imd,
    accountNo: r.account_no,
    bankCode: r.bank_code,
    iban: r.iban,
    title: r.title,
    branchName: r.branch_name,
    cnic: r.cnic,
    mobile: r.mobile,
    cardPan: r.card_pan,
    accountType: r.account_type,
    currency: r.currency,
    balance: Number(r.balance),
    dailyLimit: Number(r.daily_limit),
    maxBalance: r.max_balance === null ? null : Number(r.max_balance),
    status: r.status as AccountStatus,
    scenario: r.scenario as AccountScenario | null,
    role: r.role as AccountRole,
  };
}

function toBill(r: Selectable<SandboxTables['sandbox_bills']>): BillRow {
  return {
    companyCode: r.company_code,
    consumerNo: r.consumer_no,
    consumerName: r.consumer_name,
    billStatus: r.bill_status as BillStatus,
    dueDate: r.due_date,
    billingMonth: r.billing_month,
    amountWithin: Number(r.amount_within),
    amountAfter: Number(r.amount_after),
    amountPaid: Number(r.amount_paid),
    datePaid: r.date_paid,
    tranAuthId: r.tran_auth_id,
    scenario: r.scenario as WorldBill['scenario'],
  };
}

function toBiller(r: Selectable<SandboxTables['sandbox_billers']>): BillerRow {
  return {
    companyCode: r.company_code,
    name: r.name,
    partialAllowed: Number(r.partial_allowed) === 1,
    status: r.status as WorldBiller['status'],
    collectionImd: r.collection_imd,
    collectionAccount: r.collection_account,
  };
}

export class SandboxStore {
  readonly #db: Kysely<SandboxTables>;
  readonly #seed: string;
  /** Organisations whose world is known to exist (worlds are never deleted, only reset). */
  readonly #known = new Set<string>();
  readonly #creating = new Map<string, Promise<void>>();

  constructor(db: Kysely<SandboxTables>, seed: string) {
    this.#db = db;
    this.#seed = seed;
  }

  /** Makes sure the organisation has a world; cheap after the first call (in-process cache). */
  /** Whether the organisation's world is known to exist (then `ensureWorld` has nothing to do). */
  hasWorld(orgId: string): boolean {
    return this.#known.has(orgId);
  }

  async ensureWorld(orgId: string, nowMs: number): Promise<void> {
    if (this.#known.has(orgId)) return;
    let p = this.#creating.get(orgId);
    if (!p) {
      p = this.#create(orgId, nowMs).finally(() => this.#creating.delete(orgId));
      this.#creating.set(orgId, p);
    }
    await p;
  }

  async #create(orgId: string, nowMs: number): Promise<void> {
    const existing = await this.#db
      .selectFrom('sandbox_worlds')
      .select('org_id')
      .where('org_id', '=', orgId)
      .executeTakeFirst();
    if (!existing) {
      try {
        await this.#db.transaction().execute(async (trx) => {
          await trx
            .insertInto('sandbox_worlds')
            .values({
              org_id: orgId,
              seed: this.#seed,
              generated_at: new Date(nowMs).toISOString(),
              reset_count: 0,
            })
            .execute();
          await this.#insertWorld(trx, orgId, generateWorld(this.#seed, businessDayStartMs(nowMs)));
        });
      } catch (err) {
        // Another process created it first: that world is as good as ours.
        if (!isUniqueViolation(err)) throw err;
      }
    }
    this.#known.add(orgId);
  }

  /** Restores the organisation's world from its seed, in one transaction; history is cleared. */
  async resetWorld(orgId: string, nowMs: number): Promise<{ accounts: number; bills: number }> {
    const world = generateWorld(this.#seed, businessDayStartMs(nowMs));
    await this.#db.transaction().execute(async (trx) => {
      for (const t of [
        'sandbox_ledger_entries',
        'sandbox_transfers',
        'sandbox_bill_payments',
        'sandbox_bills',
        'sandbox_billers',
        'sandbox_accounts',
      ] as const) {
        await trx.deleteFrom(t).where('org_id', '=', orgId).execute();
      }
      const updated = await trx
        .updateTable('sandbox_worlds')
        .set({ generated_at: new Date(nowMs).toISOString(), reset_count: sql<number>`reset_count + 1` })
        .where('org_id', '=', orgId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await trx
          .insertInto('sandbox_worlds')
          .values({
            org_id: orgId,
            seed: this.#seed,
            generated_at: new Date(nowMs).toISOString(),
            reset_count: 0,
          })
          .execute();
      }
      await this.#insertWorld(trx, orgId, world);
    });
    this.#known.add(orgId);
    return { accounts: world.accounts.length, bills: world.bills.length };
  }

  /** Deletes an organisation's world (termination); live-data events stay as monitoring evidence. */
  async dropWorld(orgId: string): Promise<void> {
    await this.#db.transaction().execute(async (trx) => {
      for (const t of [
        'sandbox_ledger_entries',
        'sandbox_transfers',
        'sandbox_bill_payments',
        'sandbox_bills',
        'sandbox_billers',
        'sandbox_accounts',
        'sandbox_worlds',
      ] as const) {
        await trx.deleteFrom(t).where('org_id', '=', orgId).execute();
      }
    });
    this.#known.delete(orgId);
  }

  async #insertWorld(trx: Kysely<SandboxTables>, orgId: string, world: World): Promise<void> {
    const rows = world.accounts.map((a: WorldAccount) => ({
      org_id: orgId,
      imd: a.imd,
      account_no: a.accountNo,
      bank_code: a.bankCode,
      iban: a.iban,
      title: a.title,
      branch_name: a.branchName,
      cnic: a.cnic,
      mobile: a.mobile,
      card_pan: a.cardPan,
      account_type: a.accountType,
      currency: a.currency,
      balance: a.balance,
      daily_limit: a.dailyLimit,
      limit_day: '',
      limit_used: 0,
      max_balance: a.maxBalance,
      status: a.status,
      scenario: a.scenario,
      role: a.role,
    }));
    for (let i = 0; i < rows.length; i += 200) {
      await trx
        .insertInto('sandbox_accounts')
        .values(rows.slice(i, i + 200))
        .execute();
    }
    await trx
      .insertInto('sandbox_billers')
      .values(
        world.billers.map((b) => ({
          org_id: orgId,
          company_code: b.companyCode,
          name: b.name,
          partial_allowed: b.partialAllowed ? 1 : 0,
          status: b.status,
          collection_imd: b.collectionImd,
          collection_account: b.collectionAccount,
        })),
      )
      .execute();
    await trx
      .insertInto('sandbox_bills')
      .values(
        world.bills.map((b) => ({
          org_id: orgId,
          company_code: b.companyCode,
          consumer_no: b.consumerNo,
          consumer_name: b.consumerName,
          bill_status: b.billStatus,
          due_date: b.dueDate,
          billing_month: b.billingMonth,
          amount_within: b.amountWithin,
          amount_after: b.amountAfter,
          amount_paid: b.amountPaid,
          date_paid: b.datePaid,
          tran_auth_id: b.tranAuthId,
          scenario: b.scenario,
        })),
      )
      .execute();
  }

  // ------------------------------------------------------------------------------------ reads
  /**
   * An account's fixed attributes (title, branch, IBAN, status, scenario, limits) as generated from
   * the seed. They never change in the database (only balances and limit usage do, and reset
   * regenerates the same values), so the hot path (title fetch, resolving the parties of a
   * transfer) answers from memory; `balance` here is the seeded one, never the live one.
   */
  staticAccount(imd: string, accountNo: string): AccountRow | null {
    return this.#static().byKey.get(`${imd}/${accountNo}`) ?? null;
  }

  staticAccountByIban(iban: string): AccountRow | null {
    return this.#static().byIban.get(iban) ?? null;
  }

  #staticIndex: { byKey: Map<string, AccountRow>; byIban: Map<string, AccountRow> } | null = null;
  #static() {
    if (!this.#staticIndex) {
      const byKey = new Map<string, AccountRow>();
      const byIban = new Map<string, AccountRow>();
      // Accounts do not depend on the generation day (only bill dates do).
      for (const a of generateWorld(this.#seed, 0).accounts) {
        const row: AccountRow = { ...a };
        byKey.set(`${a.imd}/${a.accountNo}`, row);
        if (a.iban) byIban.set(a.iban, row);
      }
      this.#staticIndex = { byKey, byIban };
    }
    return this.#staticIndex;
  }

  async findAccount(orgId: string, imd: string, accountNo: string): Promise<AccountRow | null> {
    const r = await this.#db
      .selectFrom('sandbox_accounts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('imd', '=', imd)
      .where('account_no', '=', accountNo)
      .executeTakeFirst();
    return r ? toAccount(r) : null;
  }

  async findAccountByIban(orgId: string, iban: string): Promise<AccountRow | null> {
    const r = await this.#db
      .selectFrom('sandbox_accounts')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('iban', '=', iban)
      .executeTakeFirst();
    return r ? toAccount(r) : null;
  }

  async listAccounts(orgId: string): Promise<AccountRow[]> {
    const rows = await this.#db
      .selectFrom('sandbox_accounts')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('imd')
      .orderBy('account_no')
      .execute();
    return rows.map(toAccount);
  }

  async listBillers(orgId: string): Promise<BillerRow[]> {
    const rows = await this.#db
      .selectFrom('sandbox_billers')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('company_code')
      .execute();
    return rows.map(toBiller);
  }

  async listBills(orgId: string): Promise<BillRow[]> {
    const rows = await this.#db
      .selectFrom('sandbox_bills')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('company_code')
      .orderBy('consumer_no')
      .execute();
    return rows.map(toBill);
  }

  async findBiller(orgId: string, companyCode: string): Promise<BillerRow | null> {
    const r = await this.#db
      .selectFrom('sandbox_billers')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('company_code', '=', companyCode)
      .executeTakeFirst();
    return r ? toBiller(r) : null;
  }

  async findBill(
    orgId: string,
    companyCode: string,
    consumerNo: string,
    trx?: Kysely<SandboxTables>,
  ): Promise<BillRow | null> {
    const r = await (trx ?? this.#db)
      .selectFrom('sandbox_bills')
      .selectAll()
      .where('org_id', '=', orgId)
      .where('company_code', '=', companyCode)
      .where('consumer_no', '=', consumerNo)
      .executeTakeFirst();
    return r ? toBill(r) : null;
  }

  // ----------------------------------------------------------------------------------- ledger
  /**
   * Moves `amount` paisa between two accounts as one transaction with its record and two ledger
   * entries. `extra` runs inside the same transaction (bill status changes) and may throw Decline.
   * Rows are updated in key order so two opposite transfers cannot deadlock on PostgreSQL.
   */
  async move(
    input: MoveInput,
    extra?: (trx: Kysely<SandboxTables>, transferId: string) => Promise<void>,
  ): Promise<MoveResult> {
    // PostgreSQL may still pick this transaction as a deadlock victim (e.g. against a reset); the
    // transaction rolled back whole, so it is safe to run again.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#moveOnce(input, extra);
      } catch (err) {
        const code = (err as { code?: string }).code;
        if (attempt >= 3 || (code !== '40P01' && code !== '40001')) throw err;
      }
    }
  }

  async #moveOnce(
    input: MoveInput,
    extra?: (trx: Kysely<SandboxTables>, transferId: string) => Promise<void>,
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
    };
    try {
      await this.#db.transaction().execute(async (trx) => {
        await trx.insertInto('sandbox_transfers').values(record).execute();
        const legs = [
          { side: 'debit' as const, ...input.from },
          { side: 'credit' as const, ...input.to },
        ].sort((a, b) => (a.imd + a.accountNo < b.imd + b.accountNo ? -1 : 1));
        for (const leg of legs) {
          if (leg.side === 'debit') await this.#debit(trx, orgId, leg, amount, day);
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
  ): Promise<void> {
    const usedToday = sql`(case when limit_day = ${day} then limit_used else 0 end)`;
    const r = await trx
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

  /** Sum of all balances of an organisation (paisa): constant under transfers. */
  async totalBalance(orgId: string): Promise<number> {
    const r = await this.#db
      .selectFrom('sandbox_accounts')
      .select(sql<string>`coalesce(sum(balance), 0)`.as('total'))
      .where('org_id', '=', orgId)
      .executeTakeFirstOrThrow();
    return Number(r.total);
  }

  async recordLiveData(e: {
    orgId: string;
    appId: string | null;
    requestId: string | null;
    operation: string;
    field: string;
    kind: string;
    maskedValue: string;
    nowMs: number;
  }): Promise<void> {
    await this.#db
      .insertInto('sandbox_live_data_events')
      .values({
        id: newId('sbx', e.nowMs),
        at: new Date(e.nowMs).toISOString(),
        org_id: e.orgId,
        app_id: e.appId,
        request_id: e.requestId,
        operation: e.operation,
        field: e.field,
        kind: e.kind,
        masked_value: e.maskedValue,
      })
      .execute();
  }

  async listLiveDataEvents(orgId: string, limit = 100): Promise<Array<Record<string, unknown>>> {
    return this.#db
      .selectFrom('sandbox_live_data_events')
      .selectAll()
      .where('org_id', '=', orgId)
      .orderBy('id', 'desc')
      .limit(limit)
      .execute();
  }

  // ------------------------------------------------------------------------- operator key
  /** The stored operator signing key (signing.ts), if any. */
  async findOperatorKey(id: string): Promise<{ publicPem: string; privateSealed: string } | null> {
    const r = await this.#db
      .selectFrom('sandbox_operator_keys')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
    return r ? { publicPem: r.public_pem, privateSealed: r.private_sealed } : null;
  }

  /** Stores the operator key; throws a unique violation when another process stored one first. */
  async insertOperatorKey(k: {
    id: string;
    createdAt: string;
    publicPem: string;
    privateSealed: string;
  }): Promise<void> {
    await this.#db
      .insertInto('sandbox_operator_keys')
      .values({
        id: k.id,
        created_at: k.createdAt,
        public_pem: k.publicPem,
        private_sealed: k.privateSealed,
      })
      .execute();
  }
}

export type { BillStatus };

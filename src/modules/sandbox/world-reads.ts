import type { Kysely, Selectable } from 'kysely';
import type { SandboxTables } from './tables.ts';
import {
  type AccountRole,
  type AccountScenario,
  type AccountStatus,
  type BillStatus,
  generateWorld,
  type WorldBill,
  type WorldBiller,
} from './world.ts';

/**
 * SQL reads of an organisation's world (accounts, billers, bills) and the in-memory index of the
 * accounts' fixed attributes as generated from the seed. Reads only: the ledger (ledger-store.ts)
 * changes balances and bills, the world store (world-store.ts) creates and resets them.
 */
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

export class WorldReads {
  readonly #db: Kysely<SandboxTables>;
  readonly #seed: string;

  constructor(db: Kysely<SandboxTables>, seed: string) {
    this.#db = db;
    this.#seed = seed;
  }

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
}

import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { businessDayStartMs } from './business-day.ts';
import type { SandboxTables } from './tables.ts';
import { generateWorld, type World, type WorldAccount } from './world.ts';

/**
 * SQL storage of the per-organisation worlds' lifecycle: creating, resetting and dropping an
 * organisation's accounts, billers and bills. Promises:
 * - a world is created once per organisation, lazily, even when first calls race;
 * - reset deletes and re-creates an organisation's world in one transaction.
 */
export class WorldStore {
  readonly #db: Kysely<SandboxTables>;
  readonly #seed: string;
  /** Organisations whose world is known to exist (worlds are never deleted, only reset). */
  readonly #known = new Set<string>();
  readonly #creating = new Map<string, Promise<void>>();

  constructor(db: Kysely<SandboxTables>, seed: string) {
    this.#db = db;
    this.#seed = seed;
  }

  /** Whether the organisation's world is known to exist (then `ensureWorld` has nothing to do). */
  hasWorld(orgId: string): boolean {
    return this.#known.has(orgId);
  }

  /** Makes sure the organisation has a world; cheap after the first call (in-process cache). */
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
}

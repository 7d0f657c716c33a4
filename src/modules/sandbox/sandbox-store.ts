import type { Kysely } from 'kysely';
import { LedgerStore, type MoveInput, type MoveResult, type TransferRow } from './ledger-store.ts';
import { type LiveDataEvent, LiveDataStore } from './live-data-store.ts';
import { type NewOperatorKey, OperatorKeyStore } from './operator-key-store.ts';
import type { SandboxTables } from './tables.ts';
import type { BillStatus } from './world.ts';
import { type AccountRow, type BillerRow, type BillRow, WorldReads } from './world-reads.ts';
import { WorldStore } from './world-store.ts';

export type { AccountRow, BillerRow, BillRow, BillStatus, MoveInput, MoveResult, TransferRow };

/**
 * The sandbox's storage as one object for the service, the products and signing.ts: it holds no
 * SQL itself and only hands each call to the store of that responsibility, all over one database:
 * - world-store.ts: creating, resetting and dropping an organisation's world;
 * - world-reads.ts: reading its accounts, billers and bills (and the seeded accounts in memory);
 * - ledger-store.ts: transfers, bill payments and voids (money moves whole or not at all);
 * - live-data-store.ts: suspected live-data events (monitoring evidence);
 * - operator-key-store.ts: the operator signing key.
 */
export class SandboxStore {
  readonly #worlds: WorldStore;
  readonly #reads: WorldReads;
  readonly #ledger: LedgerStore;
  readonly #liveData: LiveDataStore;
  readonly #operatorKeys: OperatorKeyStore;

  constructor(db: Kysely<SandboxTables>, seed: string) {
    this.#worlds = new WorldStore(db, seed);
    this.#reads = new WorldReads(db, seed);
    this.#ledger = new LedgerStore(db);
    this.#liveData = new LiveDataStore(db);
    this.#operatorKeys = new OperatorKeyStore(db);
  }

  // ------------------------------------------------------------------------------- worlds
  hasWorld(orgId: string): boolean {
    return this.#worlds.hasWorld(orgId);
  }
  ensureWorld(orgId: string, nowMs: number): Promise<void> {
    return this.#worlds.ensureWorld(orgId, nowMs);
  }
  resetWorld(orgId: string, nowMs: number): Promise<{ accounts: number; bills: number }> {
    return this.#worlds.resetWorld(orgId, nowMs);
  }
  dropWorld(orgId: string): Promise<void> {
    return this.#worlds.dropWorld(orgId);
  }

  // -------------------------------------------------------------------------------- reads
  staticAccount(imd: string, accountNo: string): AccountRow | null {
    return this.#reads.staticAccount(imd, accountNo);
  }
  staticAccountByIban(iban: string): AccountRow | null {
    return this.#reads.staticAccountByIban(iban);
  }
  findAccount(orgId: string, imd: string, accountNo: string): Promise<AccountRow | null> {
    return this.#reads.findAccount(orgId, imd, accountNo);
  }
  findAccountByIban(orgId: string, iban: string): Promise<AccountRow | null> {
    return this.#reads.findAccountByIban(orgId, iban);
  }
  listAccounts(orgId: string): Promise<AccountRow[]> {
    return this.#reads.listAccounts(orgId);
  }
  listBillers(orgId: string): Promise<BillerRow[]> {
    return this.#reads.listBillers(orgId);
  }
  listBills(orgId: string): Promise<BillRow[]> {
    return this.#reads.listBills(orgId);
  }
  findBiller(orgId: string, companyCode: string): Promise<BillerRow | null> {
    return this.#reads.findBiller(orgId, companyCode);
  }
  findBill(
    orgId: string,
    companyCode: string,
    consumerNo: string,
    trx?: Kysely<SandboxTables>,
  ): Promise<BillRow | null> {
    return this.#reads.findBill(orgId, companyCode, consumerNo, trx);
  }

  // ------------------------------------------------------------------------------- ledger
  move(
    input: MoveInput,
    extra?: (trx: Kysely<SandboxTables>, transferId: string) => Promise<void>,
  ): Promise<MoveResult> {
    return this.#ledger.move(input, extra);
  }
  payBill(
    input: MoveInput & { companyCode: string; consumerNo: string },
    priced: { billStatus: BillStatus; amountPaid: number; newStatus: BillStatus; datePaid: string },
  ): Promise<MoveResult> {
    return this.#ledger.payBill(input, priced);
  }
  findBillPayment(
    orgId: string,
    companyCode: string,
    consumerNo: string,
    authId: string,
  ): Promise<{ id: string; amount: number; status: string; prevBillStatus: BillStatus } | null> {
    return this.#ledger.findBillPayment(orgId, companyCode, consumerNo, authId);
  }
  voidBillPayment(
    input: MoveInput & {
      companyCode: string;
      consumerNo: string;
      paymentId: string;
      prevBillStatus: BillStatus;
    },
  ): Promise<MoveResult> {
    return this.#ledger.voidBillPayment(input);
  }
  recordUnposted(input: MoveInput, code: string): Promise<boolean> {
    return this.#ledger.recordUnposted(input, code);
  }
  findTransfers(orgId: string, rrn: string, bizDay?: string): Promise<TransferRow[]> {
    return this.#ledger.findTransfers(orgId, rrn, bizDay);
  }
  reverseTransfer(input: MoveInput & { originalId: string }): Promise<MoveResult> {
    return this.#ledger.reverseTransfer(input);
  }
  totalBalance(orgId: string): Promise<number> {
    return this.#ledger.totalBalance(orgId);
  }

  // ---------------------------------------------------------------- live data, operator key
  recordLiveData(e: LiveDataEvent): Promise<void> {
    return this.#liveData.recordLiveData(e);
  }
  listLiveDataEvents(orgId: string, limit = 100): Promise<Array<Record<string, unknown>>> {
    return this.#liveData.listLiveDataEvents(orgId, limit);
  }
  findOperatorKey(id: string): Promise<{ publicPem: string; privateSealed: string } | null> {
    return this.#operatorKeys.findOperatorKey(id);
  }
  insertOperatorKey(k: NewOperatorKey): Promise<void> {
    return this.#operatorKeys.insertOperatorKey(k);
  }
}

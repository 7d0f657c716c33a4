import { type Kysely, sql } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

/**
 * The sandbox's own tables. Every row of the simulated world carries `org_id`: each organisation
 * has its own copy, so developers never see each other's transfers, and reset deletes and
 * re-inserts one organisation's rows in one transaction. Money is integer paisa (bigint).
 */
export const migrations: MigrationSet = {
  '202611231930_sandbox_worlds': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sandbox_worlds')
        .addColumn('org_id', 'text', (c) => c.primaryKey())
        .addColumn('seed', 'text', (c) => c.notNull())
        .addColumn('generated_at', 'text', (c) => c.notNull())
        .addColumn('reset_count', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
    },
  },
  '202611231931_sandbox_accounts': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sandbox_accounts')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('imd', 'text', (c) => c.notNull())
        .addColumn('account_no', 'text', (c) => c.notNull())
        .addColumn('bank_code', 'text')
        .addColumn('iban', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('branch_name', 'text', (c) => c.notNull())
        .addColumn('cnic', 'text', (c) => c.notNull())
        .addColumn('mobile', 'text', (c) => c.notNull())
        .addColumn('card_pan', 'text', (c) => c.notNull())
        .addColumn('account_type', 'text', (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('balance', 'bigint', (c) => c.notNull())
        .addColumn('daily_limit', 'bigint', (c) => c.notNull())
        .addColumn('limit_day', 'text', (c) => c.notNull().defaultTo(''))
        .addColumn('limit_used', 'bigint', (c) => c.notNull().defaultTo(0))
        .addColumn('max_balance', 'bigint')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('scenario', 'text')
        .addColumn('role', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sandbox_accounts_pk', ['org_id', 'imd', 'account_no'])
        .addCheckConstraint('sandbox_accounts_balance_nonneg', sql`balance >= 0`)
        .execute();
      await db.schema
        .createIndex('sandbox_accounts_iban')
        .on('sandbox_accounts')
        .columns(['org_id', 'iban'])
        .execute();
    },
  },
  '202611231932_sandbox_transfers': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sandbox_transfers')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('biz_day', 'text', (c) => c.notNull())
        .addColumn('rrn', 'text', (c) => c.notNull())
        .addColumn('stan', 'text', (c) => c.notNull())
        .addColumn('from_imd', 'text')
        .addColumn('from_account', 'text')
        .addColumn('to_imd', 'text')
        .addColumn('to_account', 'text')
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('response_code', 'text', (c) => c.notNull())
        .addColumn('auth_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      // Same RRN on the same business day is a duplicate (1LINK answers 10).
      await db.schema
        .createIndex('sandbox_transfers_rrn')
        .on('sandbox_transfers')
        .columns(['org_id', 'kind', 'biz_day', 'rrn'])
        .unique()
        .execute();
      await db.schema
        .createTable('sandbox_ledger_entries')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('transfer_id', 'text', (c) => c.notNull())
        .addColumn('imd', 'text', (c) => c.notNull())
        .addColumn('account_no', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('sandbox_ledger_transfer')
        .on('sandbox_ledger_entries')
        .columns(['org_id', 'transfer_id'])
        .execute();
    },
  },
  '202611231933_sandbox_bills': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sandbox_billers')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('company_code', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('partial_allowed', 'integer', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('collection_imd', 'text', (c) => c.notNull())
        .addColumn('collection_account', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('sandbox_billers_pk', ['org_id', 'company_code'])
        .execute();
      await db.schema
        .createTable('sandbox_bills')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('company_code', 'text', (c) => c.notNull())
        .addColumn('consumer_no', 'text', (c) => c.notNull())
        .addColumn('consumer_name', 'text', (c) => c.notNull())
        .addColumn('bill_status', 'text', (c) => c.notNull())
        .addColumn('due_date', 'text', (c) => c.notNull())
        .addColumn('billing_month', 'text', (c) => c.notNull())
        .addColumn('amount_within', 'bigint', (c) => c.notNull())
        .addColumn('amount_after', 'bigint', (c) => c.notNull())
        .addColumn('amount_paid', 'bigint', (c) => c.notNull())
        .addColumn('date_paid', 'text')
        .addColumn('tran_auth_id', 'text')
        .addColumn('scenario', 'text')
        .addPrimaryKeyConstraint('sandbox_bills_pk', ['org_id', 'company_code', 'consumer_no'])
        .execute();
      await db.schema
        .createTable('sandbox_bill_payments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('company_code', 'text', (c) => c.notNull())
        .addColumn('consumer_no', 'text', (c) => c.notNull())
        .addColumn('auth_id', 'text', (c) => c.notNull())
        .addColumn('rrn', 'text', (c) => c.notNull())
        .addColumn('amount', 'bigint', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('prev_bill_status', 'text', (c) => c.notNull())
        .addColumn('paid_at', 'text', (c) => c.notNull())
        .addColumn('voided_at', 'text')
        .execute();
      await db.schema
        .createIndex('sandbox_bill_payments_lookup')
        .on('sandbox_bill_payments')
        .columns(['org_id', 'company_code', 'consumer_no', 'auth_id'])
        .execute();
    },
  },
  '202611231934_sandbox_monitoring_keys': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('sandbox_live_data_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text')
        .addColumn('request_id', 'text')
        .addColumn('operation', 'text', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('masked_value', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('sandbox_live_data_events_org')
        .on('sandbox_live_data_events')
        .columns(['org_id', 'at'])
        .execute();
      // The operator key that signs sandbox responses; the private half is sealed with the keyring.
      await db.schema
        .createTable('sandbox_operator_keys')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('public_pem', 'text', (c) => c.notNull())
        .addColumn('private_sealed', 'text', (c) => c.notNull())
        .execute();
    },
  },
  /**
   * IBFT reversal (issue 34): a transfer remembers the reversal that undid it (set once, by a
   * conditional UPDATE inside the reversal's transaction, so concurrent reversals give one effect),
   * and a reversal the transfer it undid.
   */
  '202612070310_sandbox_transfer_reversals': {
    async up(db: Kysely<any>) {
      await db.schema.alterTable('sandbox_transfers').addColumn('reversed_by', 'text').execute();
      await db.schema.alterTable('sandbox_transfers').addColumn('original_id', 'text').execute();
      await db.schema
        .createIndex('sandbox_transfers_lookup')
        .on('sandbox_transfers')
        .columns(['org_id', 'kind', 'rrn'])
        .execute();
    },
  },
};

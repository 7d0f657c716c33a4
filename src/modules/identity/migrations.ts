import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

/**
 * Identity tables. Secrets never appear in clear: passwords are argon2id hashes, TOTP seeds are
 * sealed with the keyring (key outside the database), session/link tokens and recovery codes are
 * stored as keyed HMACs.
 */
export const migrations: MigrationSet = {
  '202611231910_identity_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('users')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('date_of_birth', 'text')
        .addColumn('country_of_residence', 'text')
        .addColumn('country_of_use', 'text')
        .addColumn('phone', 'text')
        .addColumn('job_title', 'text')
        // unverified → pending → active | rejected (pending users may be held for screening review)
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('is_operator', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('screening_match', 'text')
        .addColumn('terms_version', 'text')
        .addColumn('terms_accepted_at', 'text')
        .addColumn('rejection_reason', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('activated_at', 'text')
        .addColumn('totp_secret_enc', 'text')
        .addColumn('totp_pending_enc', 'text')
        .addColumn('totp_last_step', 'bigint')
        .addColumn('profile_confirmed_at', 'text')
        .addColumn('update_required', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('password_changed_at', 'text')
        .execute();
      await db.schema.createIndex('users_status').on('users').columns(['status', 'id']).execute();

      await db.schema
        .createTable('user_sessions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('mfa', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('last_seen_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('user_sessions_user').on('user_sessions').columns(['user_id']).execute();

      // Single-use e-mail link tokens (activation, password reset), keyed by their HMAC.
      await db.schema
        .createTable('user_tokens')
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema
        .createIndex('user_tokens_user')
        .on('user_tokens')
        .columns(['user_id', 'purpose'])
        .execute();

      await db.schema
        .createTable('recovery_codes')
        .addColumn('code_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('recovery_codes_user').on('recovery_codes').columns(['user_id']).execute();

      // Operator-managed eligibility data.
      await db.schema
        .createTable('barred_countries')
        .addColumn('code', 'text', (c) => c.primaryKey())
        .addColumn('note', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('screening_entries')
        .addColumn('normalized_name', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('reference', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('auto_approve_rules')
        .addColumn('email_domain', 'text', (c) => c.primaryKey())
        .addColumn('note', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('identity_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

/**
 * A default barred list the operator is expected to review: the jurisdictions under FATF's
 * "call for action" (DPRK, Iran, Myanmar). The operator edits it through the admin API.
 */
migrations['202611231912_identity_default_barred_countries'] = {
  async up(db: Kysely<any>) {
    const at = '2026-11-23T19:12:00.000Z';
    await db
      .insertInto('barred_countries')
      .values([
        { code: 'KP', note: 'FATF call for action', created_at: at },
        { code: 'IR', note: 'FATF call for action', created_at: at },
        { code: 'MM', note: 'FATF call for action', created_at: at },
      ])
      .execute();
    await db.insertInto('identity_settings').values({ key: 'reconfirm_months', value: '12' }).execute();
  },
};

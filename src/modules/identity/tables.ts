import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * Identity's tables exactly as its migrations build them (migrations.ts, all of them in order;
 * ADR 0008). The schema test compares this with the migrated database on both engines, so a
 * migration that changes one of these tables changes this file in the same commit.
 */
export const identityTables = [
  defineTable('users', {
    id: col.text(),
    email: col.text(),
    name: col.text(),
    password_hash: col.text(),
    date_of_birth: col.text().nullable(),
    country_of_residence: col.text().nullable(),
    country_of_use: col.text().nullable(),
    phone: col.text().nullable(),
    job_title: col.text().nullable(),
    /** unverified → pending → active | rejected (contracts.ts: userStatus). */
    status: col.text(),
    is_operator: col.flag().withDefault(),
    screening_match: col.text().nullable(),
    terms_version: col.text().nullable(),
    terms_accepted_at: col.time().nullable(),
    rejection_reason: col.text().nullable(),
    /** An operator's user id, `cli`, or `rule:<domain>` for an auto-approval. */
    decided_by: col.text().nullable(),
    decided_at: col.time().nullable(),
    created_at: col.time(),
    activated_at: col.time().nullable(),
    /** Sealed with the keyring (purpose `totp`). */
    totp_secret_enc: col.text().nullable(),
    totp_pending_enc: col.text().nullable(),
    /** The last TOTP time step accepted (each step is accepted once). */
    totp_last_step: col.bigint().nullable(),
    profile_confirmed_at: col.time().nullable(),
    update_required: col.flag().withDefault(),
    password_changed_at: col.time().nullable(),
  }),
  defineTable('user_sessions', {
    id: col.text(),
    user_id: col.text(),
    /** Keyed HMAC of the session token (purpose `session`). */
    token_hash: col.text(),
    mfa: col.flag().withDefault(),
    created_at: col.time(),
    last_seen_at: col.time(),
    expires_at: col.time(),
    ip: col.text().nullable(),
    user_agent: col.text().nullable(),
    revoked_at: col.time().nullable(),
  }),
  /** Single-use e-mail link tokens (activation, password reset), keyed by their HMAC. */
  defineTable('user_tokens', {
    token_hash: col.text(),
    user_id: col.text(),
    /** `activation` | `password_reset`. */
    purpose: col.text(),
    created_at: col.time(),
    expires_at: col.time(),
    used_at: col.time().nullable(),
  }),
  defineTable('recovery_codes', {
    /** Keyed HMAC of the code (purpose `recovery-code`). */
    code_hash: col.text(),
    user_id: col.text(),
    created_at: col.time(),
    used_at: col.time().nullable(),
  }),
  defineTable('barred_countries', {
    /** ISO 3166-1 alpha-2, upper case. */
    code: col.text(),
    note: col.text().nullable(),
    created_at: col.time(),
  }),
  defineTable('screening_entries', {
    normalized_name: col.text(),
    name: col.text(),
    reference: col.text().nullable(),
    created_at: col.time(),
  }),
  defineTable('auto_approve_rules', {
    email_domain: col.text(),
    note: col.text().nullable(),
    created_by: col.text().nullable(),
    created_at: col.time(),
  }),
  /** Operator settings as key/value text (`reconfirm_months`). */
  defineTable('identity_settings', {
    key: col.text(),
    value: col.text(),
  }),
] as const;

export type IdentityTables = TablesOf<typeof identityTables>;

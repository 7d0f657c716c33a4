import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The tables the organizations migrations build (migrations.ts), as the store reads and writes
 * them (ADR 0008).
 */
export const organizationsTables = [
  defineTable('participants', {
    id: col.text(),
    name: col.text(),
    code: col.text().nullable(),
    email_domain: col.text().nullable(),
    created_at: col.time(),
  }),
  defineTable('participant_reviewers', {
    participant_id: col.text(),
    user_id: col.text(),
    created_at: col.time(),
  }),
  defineTable('organizations', {
    id: col.text(),
    name: col.text(),
    registration_number: col.text(),
    participant_id: col.text(),
    /** An `OrgStatus`: active, suspended or terminated. */
    status: col.text(),
    address: col.text().nullable(),
    website: col.text().nullable(),
    authority_attested_by: col.text(),
    authority_attested_at: col.time(),
    authority_statement: col.text(),
    created_by: col.text(),
    created_at: col.time(),
    details_confirmed_at: col.time(),
    /** An operator asked for the details to be updated (cleared by an update or confirmation). */
    update_required: col.flag().withDefault(),
  }),
  defineTable('org_members', {
    id: col.text(),
    org_id: col.text(),
    user_id: col.text(),
    /** An `OrgRole`: owner, admin, developer or viewer. */
    role: col.text(),
    created_at: col.time(),
  }),
  defineTable('org_invitations', {
    id: col.text(),
    org_id: col.text(),
    email: col.text(),
    role: col.text(),
    /** HMAC of the invitation token (the token itself only ever leaves in the e-mail). */
    token_hash: col.text(),
    invited_by: col.text(),
    created_at: col.time(),
    expires_at: col.time(),
    accepted_at: col.time().nullable(),
    accepted_by: col.text().nullable(),
    revoked_at: col.time().nullable(),
  }),
  defineTable('org_representatives', {
    org_id: col.text(),
    user_id: col.text(),
    /** pending, confirmed or rejected (expiry is read from `expires_at`). */
    status: col.text(),
    reason: col.text().nullable(),
    expires_at: col.time().nullable(),
    decided_by: col.text().nullable(),
    decided_at: col.time().nullable(),
    created_at: col.time(),
  }),
] as const;

export type OrganizationsTables = TablesOf<typeof organizationsTables>;

import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

/** Organisations, their members and invitations, corporate participants and their reviewers. */
export const migrations: MigrationSet = {
  '202611231911_organizations_core': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('participants')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('code', 'text')
        .addColumn('email_domain', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('participant_reviewers')
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('participant_reviewers_pk', ['participant_id', 'user_id'])
        .execute();
      await db.schema
        .createIndex('participant_reviewers_user')
        .on('participant_reviewers')
        .columns(['user_id'])
        .execute();

      await db.schema
        .createTable('organizations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('registration_number', 'text', (c) => c.notNull())
        .addColumn('participant_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('address', 'text')
        .addColumn('website', 'text')
        .addColumn('authority_attested_by', 'text', (c) => c.notNull())
        .addColumn('authority_attested_at', 'text', (c) => c.notNull())
        .addColumn('authority_statement', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('details_confirmed_at', 'text', (c) => c.notNull())
        .addColumn('update_required', 'integer', (c) => c.notNull().defaultTo(0))
        .execute();
      await db.schema
        .createIndex('organizations_participant')
        .on('organizations')
        .columns(['participant_id'])
        .execute();
      await db.schema.createIndex('organizations_name').on('organizations').columns(['name']).execute();

      await db.schema
        .createTable('org_members')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addUniqueConstraint('org_members_org_user', ['org_id', 'user_id'])
        .execute();
      await db.schema.createIndex('org_members_user').on('org_members').columns(['user_id']).execute();

      await db.schema
        .createTable('org_invitations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('email', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('invited_by', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('accepted_at', 'text')
        .addColumn('accepted_by', 'text')
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema.createIndex('org_invitations_org').on('org_invitations').columns(['org_id']).execute();

      // A participant's decision about one person acting for one organisation.
      await db.schema
        .createTable('org_representatives')
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('expires_at', 'text')
        .addColumn('decided_by', 'text')
        .addColumn('decided_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('org_representatives_pk', ['org_id', 'user_id'])
        .execute();
    },
  },
};

import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

/**
 * Terms documents and their versions, every acceptance/decline (the proof), organisation
 * terminations and the operator's settings for notice periods.
 */
export const migrations: MigrationSet = {
  '202611232010_terms_documents': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('terms_documents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull().unique())
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('product_slug', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createTable('terms_versions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('document_id', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        // Assigned at publication (1, 2, 3…); drafts have none.
        .addColumn('version_number', 'integer')
        .addColumn('body_md', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('change_class', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('published_at', 'text')
        .addColumn('published_by', 'text')
        .addColumn('effective_at', 'text')
        .execute();
      await db.schema
        .createIndex('terms_versions_doc_number')
        .on('terms_versions')
        .columns(['document_id', 'version_number'])
        .unique()
        .execute();
      await db.schema
        .createIndex('terms_versions_status')
        .on('terms_versions')
        .columns(['status', 'effective_at'])
        .execute();
    },
  },
  '202611232011_terms_acceptances': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('terms_acceptances')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('version_id', 'text', (c) => c.notNull())
        .addColumn('document_id', 'text', (c) => c.notNull())
        // 'user' (for themselves) or 'org' (for the entity).
        .addColumn('subject_type', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        // Who acted (null for records made by the system on first access / continued use).
        .addColumn('user_id', 'text')
        // 'accepted' | 'declined' | 'effective' (first access)
        .addColumn('decision', 'text', (c) => c.notNull())
        // 'explicit' | 'continued_use' | 'first_access'
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('ip', 'text')
        .addColumn('user_agent', 'text')
        // Records the system must make at most once (first access, continued use) carry a key.
        .addColumn('unique_key', 'text', (c) => c.unique())
        .addColumn('effect_notified_at', 'text')
        .execute();
      await db.schema
        .createIndex('terms_acceptances_subject')
        .on('terms_acceptances')
        .columns(['subject_type', 'subject_id', 'id'])
        .execute();
      await db.schema
        .createIndex('terms_acceptances_org')
        .on('terms_acceptances')
        .columns(['org_id', 'id'])
        .execute();
      await db.schema
        .createIndex('terms_acceptances_version')
        .on('terms_acceptances')
        .columns(['version_id', 'decision'])
        .execute();
    },
  },
  '202611232012_terms_terminations': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('org_terminations')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('org_id', 'text', (c) => c.notNull())
        // 'notice' (by the organisation) | 'operator' | 'automatic' (breach)
        .addColumn('kind', 'text', (c) => c.notNull())
        // 'pending' | 'withdrawn' | 'completed' | 'superseded'
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('requested_by', 'text')
        .addColumn('requested_at', 'text', (c) => c.notNull())
        .addColumn('effective_at', 'text', (c) => c.notNull())
        .addColumn('withdrawn_at', 'text')
        .addColumn('withdrawn_by', 'text')
        .addColumn('completed_at', 'text')
        .addColumn('retention_until', 'text')
        .addColumn('last_error', 'text')
        // org id while pending or completed: one live termination per organisation.
        .addColumn('live_key', 'text', (c) => c.unique())
        .execute();
      await db.schema
        .createIndex('org_terminations_due')
        .on('org_terminations')
        .columns(['status', 'effective_at'])
        .execute();
      await db.schema
        .createIndex('org_terminations_org')
        .on('org_terminations')
        .columns(['org_id', 'id'])
        .execute();
      await db.schema
        .createTable('terms_settings')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .execute();
    },
  },
};

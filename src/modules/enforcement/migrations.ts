import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202612070200_enforcement_incidents_actions_policies': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('incidents')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('detector', 'text', (c) => c.notNull())
        .addColumn('severity', 'text', (c) => c.notNull())
        .addColumn('subject_kind', 'text', (c) => c.notNull())
        .addColumn('subject_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('open_key', 'text')
        .addColumn('title', 'text', (c) => c.notNull())
        .addColumn('summary', 'text', (c) => c.notNull())
        .addColumn('terms_clause', 'text')
        .addColumn('breach_type', 'text')
        .addColumn('window_start', 'text', (c) => c.notNull())
        .addColumn('window_end', 'text', (c) => c.notNull())
        .addColumn('count', 'integer', (c) => c.notNull())
        .addColumn('resolution_reason', 'text')
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .addColumn('closed_at', 'text')
        .addColumn('closed_by', 'text')
        .execute();
      // One live incident per (detector, subject): NULL keys (closed incidents) never collide.
      await db.schema.createIndex('incidents_open_key').on('incidents').column('open_key').unique().execute();
      await db.schema.createIndex('incidents_org').on('incidents').columns(['org_id', 'id']).execute();
      await db.schema.createIndex('incidents_status').on('incidents').columns(['status', 'id']).execute();
      await db.schema
        .createTable('incident_evidence')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('sample', 'text')
        .addColumn('note', 'text')
        .execute();
      await db.schema
        .createIndex('incident_evidence_incident')
        .on('incident_evidence')
        .columns(['incident_id', 'id'])
        .execute();
      await db.schema
        .createTable('incident_replies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('incident_id', 'text', (c) => c.notNull())
        .addColumn('author_role', 'text', (c) => c.notNull())
        .addColumn('author_id', 'text', (c) => c.notNull())
        .addColumn('body', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('incident_replies_incident')
        .on('incident_replies')
        .columns(['incident_id', 'id'])
        .execute();
      await db.schema
        .createTable('enforcement_actions')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('app_id', 'text')
        .addColumn('incident_id', 'text')
        .addColumn('policy_id', 'text')
        .addColumn('taken_by', 'text', (c) => c.notNull())
        .addColumn('actor_id', 'text')
        .addColumn('reason_category', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('throttle', 'text')
        .addColumn('effective_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text')
        .addColumn('ended_at', 'text')
        .addColumn('ended_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute();
      await db.schema
        .createIndex('enforcement_actions_org')
        .on('enforcement_actions')
        .columns(['org_id', 'id'])
        .execute();
      await db.schema
        .createIndex('enforcement_actions_app')
        .on('enforcement_actions')
        .columns(['app_id', 'id'])
        .execute();
      await db.schema
        .createTable('enforcement_policies')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull().unique())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('trig', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('reason_category', 'text', (c) => c.notNull())
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('created_by', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

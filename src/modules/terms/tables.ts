import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The tables the terms migrations build (migrations.ts, all of them in order), as the store
 * reads and writes them (ADR 0008).
 */
export const termsTables = [
  defineTable('terms_documents', {
    id: col.text(),
    kind: col.text(),
    slug: col.text(),
    title: col.text(),
    product_slug: col.text().nullable(),
    created_at: col.time(),
  }),
  defineTable('terms_versions', {
    id: col.text(),
    document_id: col.text(),
    status: col.text(),
    /** Assigned at publication (1, 2, 3…); drafts have none. */
    version_number: col.int().nullable(),
    body_md: col.text(),
    summary: col.text(),
    change_class: col.text(),
    created_at: col.time(),
    created_by: col.text().nullable(),
    updated_at: col.time(),
    published_at: col.time().nullable(),
    published_by: col.text().nullable(),
    effective_at: col.time().nullable(),
  }),
  defineTable('terms_acceptances', {
    id: col.text(),
    version_id: col.text(),
    document_id: col.text(),
    subject_type: col.text(),
    subject_id: col.text(),
    org_id: col.text().nullable(),
    user_id: col.text().nullable(),
    decision: col.text(),
    method: col.text(),
    at: col.time(),
    ip: col.text().nullable(),
    user_agent: col.text().nullable(),
    unique_key: col.text().nullable(),
    effect_notified_at: col.time().nullable(),
  }),
  defineTable('org_terminations', {
    id: col.text(),
    org_id: col.text(),
    kind: col.text(),
    status: col.text(),
    reason: col.text().nullable(),
    requested_by: col.text().nullable(),
    requested_at: col.time(),
    effective_at: col.time(),
    withdrawn_at: col.time().nullable(),
    withdrawn_by: col.text().nullable(),
    completed_at: col.time().nullable(),
    retention_until: col.time().nullable(),
    last_error: col.text().nullable(),
    live_key: col.text().nullable(),
  }),
  defineTable('terms_settings', {
    key: col.text(),
    value: col.text(),
    updated_at: col.time(),
    updated_by: col.text().nullable(),
  }),
] as const;

export type TermsTables = TablesOf<typeof termsTables>;

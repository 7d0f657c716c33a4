import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The table the audit migrations build (migrations.ts), as the store reads and writes it
 * (ADR 0008).
 */
export const auditTables = [
  defineTable('audit_events', {
    id: col.text(),
    at: col.time(),
    actor_type: col.text(),
    actor_id: col.text().nullable(),
    action: col.text(),
    target_type: col.text().nullable(),
    target_id: col.text().nullable(),
    org_id: col.text().nullable(),
    ip: col.text().nullable(),
    user_agent: col.text().nullable(),
    details: col.json().withDefault(),
    /** Reserved for the hash chain (a later issue fills these without changing callers). */
    prev_hash: col.text().nullable(),
    hash: col.text().nullable(),
  }),
] as const;

export type AuditTables = TablesOf<typeof auditTables>;

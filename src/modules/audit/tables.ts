import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The tables the audit migrations build (migrations.ts), as the store reads and writes it
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
    /** The chain (docs/audit.md): null until the sealer seals the event after its commit. */
    prev_hash: col.text().nullable(),
    hash: col.text().nullable(),
    seq: col.bigint().nullable(),
  }),
  /** Signed anchors of the chain: the hash after event `seq`, signed with Ed25519 key `key_id`. */
  defineTable('audit_checkpoints', {
    seq: col.bigint(),
    hash: col.text(),
    at: col.time(),
    key_id: col.text(),
    signature: col.text(),
  }),
  /** One row ('chain'): the sealer's lease and the last verification's result (JSON). */
  defineTable('audit_chain_state', {
    id: col.text(),
    lease_owner: col.text().nullable(),
    lease_until: col.time().nullable(),
    last_verification: col.json().nullable(),
  }),
] as const;

export type AuditTables = TablesOf<typeof auditTables>;

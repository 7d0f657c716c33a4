import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/** The tables the regulator migrations build (migrations.ts), as the store reads them (ADR 0008). */
export const regulatorTables = [
  defineTable('regulator_requests', {
    id: col.text(),
    authority: col.text(),
    reference: col.text(),
    legal_basis: col.text(),
    due_at: col.time(),
    /** JSON { orgIds, userIds, appIds } as recorded; `resolved_org_ids` is what it reaches. */
    scope: col.json(),
    /** JSON array of the organisations the scope reaches (notified on delivery unless confidential). */
    resolved_org_ids: col.json(),
    range_from: col.time(),
    range_to: col.time(),
    /** JSON array of data classes (contracts.ts DATA_CLASSES). */
    data_classes: col.json(),
    confidential: col.flag(),
    notes: col.text(),
    /** received | approved | delivered */
    status: col.text(),
    created_by: col.text(),
    created_at: col.time(),
    approved_by: col.text().nullable(),
    approved_at: col.time().nullable(),
    delivered_at: col.time().nullable(),
    /** none | pending | building | ready | failed: the export bundle's state (built by the worker). */
    export_state: col.text(),
    /** Rows written so far / the class being written: the operator console shows them. */
    export_rows: col.int(),
    export_progress: col.text().nullable(),
    export_error: col.text().nullable(),
    /** The signed manifest (JSON text) and its signature (base64) once the bundle is ready. */
    manifest: col.text().nullable(),
    manifest_sig: col.text().nullable(),
    sums: col.text().nullable(),
    sums_sig: col.text().nullable(),
    key_id: col.text().nullable(),
    /** When operators were told the due date is near (once). */
    due_noticed_at: col.time().nullable(),
  }),
  defineTable('regulator_export_files', {
    request_id: col.text(),
    /** Path inside the bundle, e.g. files/usage.jsonl. */
    path: col.text(),
    size: col.bigint(),
    sha256: col.text(),
    rows: col.int(),
  }),
  defineTable('regulator_export_chunks', {
    request_id: col.text(),
    path: col.text(),
    seq: col.int(),
    /** One page of the file, AES-256-GCM under a key derived from MASTER_KEY (Keyring.encrypt). */
    data_enc: col.text(),
  }),
  defineTable('information_requests', {
    id: col.text(),
    org_id: col.text(),
    subject: col.text(),
    body: col.text(),
    due_at: col.time().nullable(),
    /** received | answered */
    status: col.text(),
    created_by: col.text(),
    created_at: col.time(),
    answer: col.text().nullable(),
    answered_by: col.text().nullable(),
    answered_at: col.time().nullable(),
  }),
] as const;

export type RegulatorTables = TablesOf<typeof regulatorTables>;

import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/** The tables the conformance migrations build (migrations.ts), as the store reads them (ADR 0008). */
export const conformanceTables = [
  defineTable('conformance_suites', {
    product_slug: col.text(),
    /** The cases, JSON, in the operator's order: validated (suite-schema.ts) before they are stored. */
    cases: col.json(),
    /** Bumped by every edit. */
    version: col.int(),
    updated_by: col.text().nullable(),
    updated_at: col.time(),
  }),
  defineTable('conformance_calls', {
    /** Time-ordered id (`ccl_`), in the order the feed delivered the calls. */
    id: col.text(),
    app_id: col.text(),
    org_id: col.text(),
    product_slug: col.text(),
    operation_id: col.text(),
    network_code: col.text().nullable(),
    /** The call's RRN, for the relation lookups (an inquiry's transfer, a retry's first attempt). */
    rrn: col.text().nullable(),
    request_id: col.text(),
    at_ms: col.bigint(),
    /** The observed call (observed-call.ts), JSON: the record's fields a case can name, no bodies. */
    call: col.json(),
  }),
  defineTable('conformance_passes', {
    app_id: col.text(),
    product_slug: col.text(),
    case_id: col.text(),
    /** Hash of the case's definition when it passed: an edited case needs new evidence. */
    case_hash: col.text(),
    org_id: col.text(),
    /** The request that proved the case, and the earlier one it relates to (if the case has one). */
    request_id: col.text(),
    earlier_request_id: col.text().nullable(),
    at_ms: col.bigint(),
    created_at: col.time(),
  }),
] as const;

export type ConformanceTables = TablesOf<typeof conformanceTables>;

import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The tables the gateway migrations build (migrations.ts, all of them in order, with the later
 * `dropped_reason` and `outcome`), as the usage store reads and writes them (ADR 0008).
 */
export const gatewayTables = [
  /** One row per gateway call (the monitoring record; kept long). */
  defineTable('gateway_usage', {
    id: col.text(),
    at: col.time(),
    org_id: col.text().nullable(),
    app_id: col.text().nullable(),
    product_slug: col.text().nullable(),
    operation_id: col.text().nullable(),
    catalog: col.text(),
    method: col.text(),
    path: col.text(),
    status: col.int(),
    error_code: col.text().nullable(),
    network_code: col.text().nullable(),
    latency_us: col.int(),
    client_ip: col.text().nullable(),
    end_user_hash: col.text().nullable(),
    request_id: col.text(),
    bytes_in: col.int(),
    bytes_out: col.int(),
    replayed: col.flag().withDefault(),
    live_data_suspected: col.flag().withDefault(),
    /**
     * approved | declined | failed (outcome.ts), set by the usage writer; null only on rows written
     * before the column existed, until the outcome back-fill (usage-service.ts) reaches them.
     */
    outcome: col.text().nullable(),
  }),
  /** The masked headers and bodies of a call (same id as its usage row); pruned after retention. */
  defineTable('gateway_request_logs', {
    id: col.text(),
    at: col.time(),
    org_id: col.text().nullable(),
    app_id: col.text().nullable(),
    request_headers: col.json().nullable(),
    request_body: col.text().nullable(),
    response_body: col.text().nullable(),
    /** Why the bodies are not in the row (they could not be stored). */
    dropped_reason: col.text().nullable(),
  }),
] as const;

export type GatewayTables = TablesOf<typeof gatewayTables>;

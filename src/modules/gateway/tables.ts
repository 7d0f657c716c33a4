import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';
import { LATENCY_COLUMNS } from './rollups/histogram.ts';

/** The latency histogram's columns l00 … l39 (rollups/histogram.ts), calls per bucket. */
const latencyColumns = Object.fromEntries(LATENCY_COLUMNS.map((c) => [c, col.int()])) as Record<
  `l${number}`,
  ReturnType<typeof col.int>
>;

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
  /**
   * Rollups of gateway_usage (rollups/rollup-delta.ts: grains, scopes, what '*' and '-' mean),
   * added to in the same transaction as their raw rows. Counts are exact; latency is a histogram.
   */
  defineTable('gateway_usage_rollups', {
    grain: col.text(),
    scope: col.text(),
    app_id: col.text(),
    org_id: col.text(),
    bucket: col.text(),
    operation_id: col.text(),
    status: col.int(),
    network_code: col.text(),
    calls: col.int(),
    approved: col.int(),
    declined: col.int(),
    failed: col.int(),
    c429: col.int(),
    shed: col.int(),
    lat_sum: col.bigint(),
    lat_max: col.int(),
    ...latencyColumns,
  }),
  /** Distinct end users per hour / day of an app, an organisation, the gateway (rollups/hll.ts). */
  defineTable('gateway_usage_sketches', {
    grain: col.text(),
    bucket: col.text(),
    org_id: col.text(),
    app_id: col.text(),
    users: col.text(),
  }),
  /** The one-off back-fill of rollups from rows written before they existed (its cursor). */
  defineTable('gateway_rollup_backfill', {
    id: col.int(),
    upto_id: col.text(),
    after_id: col.text(),
  }),
] as const;

export type GatewayTables = TablesOf<typeof gatewayTables>;

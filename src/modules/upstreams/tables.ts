import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/** The tables the upstreams module's migrations build (migrations.ts), as the store reads them (ADR 0008). */
export const upstreamsTables = [
  defineTable('upstreams', {
    /** The catalogue product whose production calls go here (one upstream per product). */
    product_slug: col.text(),
    base_url: col.text(),
    connect_timeout_ms: col.int(),
    response_timeout_ms: col.int(),
    max_response_bytes: col.int(),
    /** JSON array of lower-case header names passed on from the caller. */
    header_allow_list: col.json(),
    /** Client certificate (PEM) for mutual TLS; public, shown summarised. */
    tls_cert_pem: col.text().nullable(),
    /** Its private key, sealed with the keyring (purpose 'upstream-tls-key'); never returned. */
    tls_key_sealed: col.text().nullable(),
    /** The CA (PEM) that signs the upstream's certificate, when it is a private one. */
    tls_ca_pem: col.text().nullable(),
    enabled: col.flag(),
    /** Bumped on every change: gateways rebuild the product's pool when it moves. */
    version: col.int(),
    updated_by: col.text().nullable(),
    updated_at: col.time(),
  }),
] as const;

export type UpstreamsTables = TablesOf<typeof upstreamsTables>;

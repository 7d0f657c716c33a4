import { col, defineTable, type TablesOf } from '../../platform/db/table.ts';

/**
 * The oauth module's tables, exactly as its migrations build them (migrations.ts): access tokens
 * (stored only as keyed hashes) and the addresses that obtained a token for a client.
 */
export const oauthTables = [
  defineTable('oauth_tokens', {
    id: col.text(),
    /** keyring.hmac(token, 'access-token'): the token itself is never stored. */
    token_hash: col.text(),
    app_id: col.text(),
    client_id: col.text(),
    secret_id: col.text(),
    org_id: col.text(),
    /** sandbox | production */
    environment: col.text(),
    /** Space-separated. */
    scopes: col.text(),
    issued_at: col.time(),
    expires_at: col.time(),
    revoked_at: col.time().nullable(),
    /** The network (/24, /64) the token was issued to, never the address; null when unknown. */
    issued_network: col.text().nullable(),
  }),
  defineTable('oauth_client_sources', {
    client_id: col.text(),
    /** keyring.hmac of the source unit, never the address. */
    source_hash: col.text(),
    last_token_at: col.time(),
  }),
] as const;

export type OAuthTables = TablesOf<typeof oauthTables>;

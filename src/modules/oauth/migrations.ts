import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202611231932_oauth_tokens': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('oauth_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        // keyring.hmac(token, 'access-token'): the token itself is never stored
        .addColumn('token_hash', 'text', (c) => c.notNull().unique())
        .addColumn('app_id', 'text', (c) => c.notNull())
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('secret_id', 'text', (c) => c.notNull())
        .addColumn('org_id', 'text', (c) => c.notNull())
        .addColumn('environment', 'text', (c) => c.notNull())
        .addColumn('scopes', 'text', (c) => c.notNull())
        .addColumn('issued_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .execute();
      await db.schema
        .createIndex('oauth_tokens_app')
        .on('oauth_tokens')
        .columns(['app_id', 'expires_at'])
        .execute();
    },
  },
  '202612062130_oauth_client_sources': {
    async up(db: Kysely<any>) {
      // Addresses (keyring.hmac of the source unit, never the address) that obtained a token for a
      // client: past the client's hourly cap on failed secrets, only these are still checked.
      await db.schema
        .createTable('oauth_client_sources')
        .addColumn('client_id', 'text', (c) => c.notNull())
        .addColumn('source_hash', 'text', (c) => c.notNull())
        .addColumn('last_token_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('oauth_client_sources_pk', ['client_id', 'source_hash'])
        .execute();
    },
  },
  '202612070530_oauth_tokens_issued_network': {
    async up(db: Kysely<any>) {
      // The network (/24, /64) a token was issued to, never the address: the detectors compare it
      // with the network each call comes from (credential sharing). Null for older tokens.
      await db.schema.alterTable('oauth_tokens').addColumn('issued_network', 'text').execute();
    },
  },
};

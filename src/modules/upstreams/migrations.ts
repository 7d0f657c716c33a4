import type { Kysely } from 'kysely';
import type { MigrationSet } from '../../platform/db/migrator.ts';

export const migrations: MigrationSet = {
  '202612071000_upstreams': {
    async up(db: Kysely<any>) {
      await db.schema
        .createTable('upstreams')
        .addColumn('product_slug', 'text', (c) => c.primaryKey())
        .addColumn('base_url', 'text', (c) => c.notNull())
        .addColumn('connect_timeout_ms', 'integer', (c) => c.notNull())
        .addColumn('response_timeout_ms', 'integer', (c) => c.notNull())
        .addColumn('max_response_bytes', 'integer', (c) => c.notNull())
        .addColumn('header_allow_list', 'text', (c) => c.notNull())
        .addColumn('tls_cert_pem', 'text')
        .addColumn('tls_key_sealed', 'text')
        .addColumn('tls_ca_pem', 'text')
        .addColumn('enabled', 'integer', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('updated_by', 'text')
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

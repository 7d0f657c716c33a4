import type { Kysely } from 'kysely';
import type { MigrationSet } from './db/migrator.ts';
import { col, defineTable, type TablesOf } from './db/table.ts';
import type { Keyring } from './master-key.ts';

/**
 * What a database records about the deployment that serves it, so that a tool run beside the
 * server (the admin CLI) works on the same data, with the same master key, and reports the
 * server's own addresses rather than its own guesses:
 * - `key_fingerprint`: an HMAC of a fixed label under the master key (it reveals nothing about the
 *   key). `serve`, `migrate` and `seed` write it on first use and refuse a different key afterwards;
 *   the admin CLI refuses a database without it or with another. Secrets hashed or sealed under one
 *   key are useless under another, so acting with the wrong key would only issue credentials the
 *   server then rejects.
 * - `gateway_base_urls`: JSON `{ catalogue: base URL }` as the last `serve` with a gateway (roles
 *   `all`, `gateway`) computed them from its own settings (public URL, GATEWAY_PROVIDER).
 */
export const instanceMigrations: MigrationSet = {
  '202612070900_platform_instance_settings': {
    async up(db) {
      await db.schema
        .createTable('instance_settings')
        .addColumn('name', 'text', (c) => c.primaryKey())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('updated_at', 'text', (c) => c.notNull())
        .execute();
    },
  },
};

/** What the migration above builds (ADR 0008). */
export const instanceTables = [
  defineTable('instance_settings', {
    name: col.text(),
    value: col.text(),
    updated_at: col.time(),
  }),
] as const;
export type InstanceTables = TablesOf<typeof instanceTables>;

export type InstanceSettingName = 'key_fingerprint' | 'gateway_base_urls';

/** The master key's fingerprint: the same key always gives the same value. */
export function keyFingerprint(keyring: Keyring): string {
  return keyring.hmac('darwaza instance: master key fingerprint v1', 'instance-key-fingerprint');
}

function missingTable(err: unknown): boolean {
  const e = err as { code?: string; message?: string };
  return e?.code === '42P01' || /no such table/i.test(e?.message ?? '');
}

/**
 * Every recorded setting; null when the database has never been set up by this version (no
 * settings table: a fresh or foreign database, or one not yet migrated).
 */
export async function readInstanceSettings(
  db: Kysely<InstanceTables>,
): Promise<Partial<Record<InstanceSettingName, string>> | null> {
  try {
    const rows = await db.selectFrom('instance_settings').select(['name', 'value']).execute();
    return Object.fromEntries(rows.map((r) => [r.name, r.value]));
  } catch (err) {
    if (missingTable(err)) return null;
    throw err;
  }
}

export async function writeInstanceSettings(
  db: Kysely<InstanceTables>,
  values: Partial<Record<InstanceSettingName, string>>,
  nowIso: string,
): Promise<void> {
  for (const [name, value] of Object.entries(values)) {
    if (value === undefined) continue;
    await db
      .insertInto('instance_settings')
      .values({ name, value, updated_at: nowIso })
      .onConflict((oc) => oc.column('name').doUpdateSet({ value, updated_at: nowIso }))
      .execute();
  }
}

/** The gateway's base URL for `catalog` as the serving process recorded it, if it did. */
export function recordedGatewayBaseUrl(
  settings: Partial<Record<InstanceSettingName, string>> | null,
  catalog: string,
): string | null {
  const raw = settings?.gateway_base_urls;
  if (!raw) return null;
  try {
    const urls = JSON.parse(raw) as Record<string, unknown>;
    return typeof urls[catalog] === 'string' ? (urls[catalog] as string) : null;
  } catch {
    return null;
  }
}

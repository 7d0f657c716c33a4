import {
  type DatabaseIntrospector,
  type Kysely,
  type Migration,
  Migrator,
  PostgresAdapter,
  sql,
  type TableMetadata,
} from 'kysely';

/**
 * Migrations live with their modules (`src/modules/<m>/migrations.ts` exports `migrations`). Names
 * are `YYYYMMDDHHmm_<module>_<what>` so a fresh database applies them in the order they were
 * written, whichever module owns them. Applied migrations are recorded in `kysely_migration`;
 * PostgreSQL runs them under a lock so several processes may start at once.
 */
export type MigrationSet = Record<string, Migration>;

export async function migrateToLatest<DB>(
  db: Kysely<DB>,
  sets: MigrationSet[],
  onProgress?: (name: string, index: number, total: number) => void,
): Promise<{ applied: string[] }> {
  const all: MigrationSet = {};
  for (const set of sets) {
    for (const [name, m] of Object.entries(set)) {
      if (all[name]) throw new Error(`migration ${name} is defined twice`);
      all[name] = m;
    }
  }
  // On PostgreSQL name the schema: Kysely otherwise takes a kysely_migration table in *any* schema
  // (another database user's, or a parallel test's) as ours, skips creating it and then fails.
  const schema =
    db.getExecutor().adapter instanceof PostgresAdapter
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(db)).rows[0]?.s
      : undefined;
  const migrator = new Migrator({
    db: schema ? withOwnSchemaIntrospection(db, schema) : db,
    provider: { getMigrations: async () => all },
    allowUnorderedMigrations: true,
    ...(schema ? { migrationTableSchema: schema } : {}),
  });
  const pending = (await migrator.getMigrations()).filter((m) => !m.executedAt);
  const total = pending.length;
  let index = 0;
  const { error, results } = await migrator.migrateToLatest();
  const applied: string[] = [];
  for (const r of results ?? []) {
    if (r.status === 'Success') {
      applied.push(r.migrationName);
      onProgress?.(r.migrationName, ++index, total);
    }
  }
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(
      failed
        ? `migration ${failed} failed: ${(error as Error).message}`
        : `migrations failed: ${(error as Error).message}`,
    );
  }
  return { applied };
}

/**
 * Kysely's migrator asks whether its two tables exist by introspecting every schema of the
 * database, checking each one's privileges by name: a schema another user drops meanwhile (parallel
 * test runs do it all the time) fails that query with 3F000 "schema does not exist", and with it
 * the migration. The migrator here sees only its own schema.
 */
function withOwnSchemaIntrospection<DB>(db: Kysely<DB>, schema: string): Kysely<DB> {
  const getTables = async (): Promise<TableMetadata[]> => {
    const r = await sql<{ name: string }>`select table_name as name from information_schema.tables
      where table_schema = ${schema}`.execute(db);
    return r.rows.map((row) => ({ name: row.name, schema, isView: false, columns: [] }));
  };
  const introspection: DatabaseIntrospector = {
    getSchemas: async () => [{ name: schema }],
    getTables,
    getMetadata: async () => ({ tables: await getTables() }),
  };
  return new Proxy(db, {
    get(target, prop) {
      if (prop === 'introspection') return introspection;
      // Kysely's methods use private fields: call them on the real instance.
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

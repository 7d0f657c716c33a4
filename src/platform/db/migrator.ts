import { type Kysely, type Migration, Migrator, PostgresAdapter, sql } from 'kysely';

/**
 * Migrations live with their modules (`src/modules/<m>/migrations.ts` exports `migrations`). Names
 * are `YYYYMMDDHHmm_<module>_<what>` so a fresh database applies them in the order they were
 * written, whichever module owns them. Applied migrations are recorded in `kysely_migration`;
 * PostgreSQL runs them under a lock so several processes may start at once.
 */
export type MigrationSet = Record<string, Migration>;

export async function migrateToLatest(
  db: Kysely<any>,
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
    db,
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

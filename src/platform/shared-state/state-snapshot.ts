import type { Kysely } from 'kysely';
import type { MigrationSet } from '../db/migrator.ts';
import { col, defineTable, type TablesOf } from '../db/table.ts';
import type { LimitStateEntry, MemorySharedState } from './memory-shared-state.ts';

/**
 * The embedded mode's rate-limit state across a restart (ADR 0006). With in-process shared state
 * the counters live in the serving process's memory, so a restart used to hand every budget out
 * again. A graceful stop now writes the live limit state (`MemorySharedState.exportLimitState`) to
 * `shared_state_snapshot` in the database, and the next start puts back what has not expired:
 * a restart inside a window keeps its count.
 *
 * The snapshot is replaced at every graceful stop and kept after a restore. A process killed outright
 * (kill -9) saves nothing, and the next start restores the snapshot of the stop before. That holds
 * fewer calls than were really made, never more, so it can only admit too many, as no snapshot
 * would, never refuse too many. With Redis none of this applies: the state outlives the processes.
 */
export const snapshotMigrations: MigrationSet = {
  '202612070901_platform_shared_state_snapshot': {
    async up(db) {
      await db.schema
        .createTable('shared_state_snapshot')
        .addColumn('key', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('expires_at_ms', 'bigint', (c) => c.notNull())
        .execute();
    },
  },
};

/** What the migration above builds (ADR 0008). `data` is the entry's JSON; the expiry is epoch ms. */
export const snapshotTables = [
  defineTable('shared_state_snapshot', {
    key: col.text(),
    kind: col.text(),
    data: col.json(),
    expires_at_ms: col.bigint(),
  }),
] as const;
export type SnapshotTables = TablesOf<typeof snapshotTables>;

/** Rows per INSERT: 4 parameters each, far below either engine's parameter limit. */
const CHUNK = 500;

/** Replaces the stored snapshot with the state's live limit entries; returns how many. */
export async function saveLimitState(db: Kysely<SnapshotTables>, state: MemorySharedState): Promise<number> {
  const entries = state.exportLimitState();
  await db.transaction().execute(async (trx) => {
    await trx.deleteFrom('shared_state_snapshot').execute();
    for (let i = 0; i < entries.length; i += CHUNK) {
      await trx
        .insertInto('shared_state_snapshot')
        .values(
          entries.slice(i, i + CHUNK).map((e) => ({
            key: e.key,
            kind: e.kind,
            data: JSON.stringify(e.data),
            expires_at_ms: e.expiresAt,
          })),
        )
        .execute();
    }
  });
  return entries.length;
}

/** Puts the stored snapshot's unexpired entries into `state`; returns how many. */
export async function restoreLimitState(
  db: Kysely<SnapshotTables>,
  state: MemorySharedState,
): Promise<number> {
  const rows = await db
    .selectFrom('shared_state_snapshot')
    .select(['key', 'kind', 'data', 'expires_at_ms'])
    .where('expires_at_ms', '>', Date.now())
    .execute();
  const entries: LimitStateEntry[] = [];
  for (const r of rows) {
    if (r.kind !== 'count' && r.kind !== 'set' && r.kind !== 'log') continue;
    entries.push({
      key: r.key,
      kind: r.kind,
      data: JSON.parse(r.data),
      expiresAt: Number(r.expires_at_ms),
    } as LimitStateEntry);
  }
  return state.importLimitState(entries);
}

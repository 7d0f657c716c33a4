import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import pg from 'pg';
import type { DatabaseLocation } from './db/database.ts';

/**
 * One serving process per database while the shared state is in memory (ADR 0006). A second
 * `serve` would keep its own rate-limit counters and admit every limit again, so it must not
 * start. The lock belongs to the process: the operating system or the database server drops it
 * when the process ends, `kill -9` and crashes included, so a stale lock never blocks a restart.
 * - SQLite: an exclusive SQLite lock (a POSIX advisory lock taken by SQLite) on `<database
 *   file>.serve-lock`, held by a connection that stays open. Other tools (admin CLI, migrate, seed)
 *   do not take it and work beside the server.
 * - PostgreSQL: a session-level advisory lock named after the schema, on a connection of its own.
 *   If that connection is lost (a database restart), the lock goes with it until the next start.
 */
export type ServeLock = { release(): Promise<void> };

export class ServeLockHeldError extends Error {
  readonly where: string;
  constructor(where: string) {
    super(`another darwaza serve is running on ${where}`);
    this.where = where;
  }
}

export async function acquireServeLock(location: DatabaseLocation, describe: string): Promise<ServeLock> {
  return location.engine === 'sqlite'
    ? sqliteLock(`${location.file}.serve-lock`, describe)
    : postgresLock(location.url, location.searchPath, describe);
}

function sqliteLock(file: string, describe: string): ServeLock {
  mkdirSync(dirname(file), { recursive: true });
  const db = new DatabaseSync(file);
  try {
    db.exec('PRAGMA busy_timeout = 0');
    // EXCLUSIVE locking mode keeps the lock the first write takes until the connection closes.
    db.exec('PRAGMA locking_mode = EXCLUSIVE');
    db.exec('CREATE TABLE IF NOT EXISTS serve_lock (pid INTEGER NOT NULL, started_at TEXT NOT NULL)');
    db.exec('BEGIN EXCLUSIVE');
    db.exec('DELETE FROM serve_lock');
    db.prepare('INSERT INTO serve_lock (pid, started_at) VALUES (?, ?)').run(
      process.pid,
      new Date().toISOString(),
    );
    db.exec('COMMIT');
  } catch (err) {
    db.close();
    if (/database is locked|SQLITE_BUSY/i.test((err as Error).message))
      throw new ServeLockHeldError(describe);
    throw err;
  }
  return {
    async release() {
      if (db.isOpen) db.close();
    },
  };
}

async function postgresLock(
  url: string,
  searchPath: string | undefined,
  describe: string,
): Promise<ServeLock> {
  const client = new pg.Client({
    connectionString: url,
    connectionTimeoutMillis: 5000,
    options: searchPath ? `-c search_path=${searchPath}` : undefined,
  });
  // A lost connection must not crash the server; the lock is simply gone with it.
  client.on('error', () => {});
  await client.connect();
  try {
    const r = await client.query<{ ok: boolean }>(
      "select pg_try_advisory_lock(hashtextextended('darwaza serve:' || coalesce(current_schema(), ''), 0)) as ok",
    );
    if (!r.rows[0]?.ok) throw new ServeLockHeldError(describe);
  } catch (err) {
    await client.end().catch(() => {});
    throw err;
  }
  return {
    async release() {
      await client.end().catch(() => {});
    },
  };
}

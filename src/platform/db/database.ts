import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Kysely, type LogConfig, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { BooleanToIntegerPlugin } from './boolean-plugin.ts';
import { NodeSqliteDialect, openSqliteFile, wrapNodeSqlite } from './node-sqlite-dialect.ts';

/**
 * The one query layer over two engines. Schema conventions that keep both engines identical:
 * times are ISO-8601 UTC text, booleans are integers 0/1, JSON is text, money is integer paisa
 * (bigint columns, read back as JS numbers — safe up to 2^53 paisa).
 */
export type Dialect = 'sqlite' | 'postgres';

/**
 * Where a database lives, enough for another thread to open its own connection to it (the usage
 * worker does). Null for an in-memory SQLite database, which no other connection can reach.
 */
export type DatabaseLocation =
  | { engine: 'sqlite'; file: string }
  | { engine: 'postgres'; url: string; searchPath?: string };

/**
 * An open database, typed to the tables `DB` (ADR 0008): the root opens it as the intersection of
 * every module's tables (`DatabaseTables`, src/modules.ts); a module's store sees it as its own
 * tables only (the root database is assignable to it). Without `DB` it knows no table: it can be
 * handed to a typed store or to the migrator, and a query names its tables (`Database<AuditTables>`).
 */
export type Database<DB = unknown> = {
  db: Kysely<DB>;
  dialect: Dialect;
  location: DatabaseLocation | null;
  /** Human-readable location without credentials, for logs. */
  describe: string;
  ping(): Promise<void>;
  close(): Promise<void>;
};

// int8 and numeric come back as JS numbers (ids are text; counters and paisa fit in 2^53).
pg.types.setTypeParser(20, (v: string) => Number(v));
pg.types.setTypeParser(1700, (v: string) => Number(v));

/** `log`: Kysely's statement log (benchmarks that show where a writer's time goes); none by default. */
export function openSqlite<DB = unknown>(file: string, opts: { log?: LogConfig } = {}): Database<DB> {
  if (file !== ':memory:') mkdirSync(dirname(resolve(file)), { recursive: true });
  const raw = openSqliteFile(file);
  const db = new Kysely<DB>({
    dialect: new NodeSqliteDialect({ database: wrapNodeSqlite(raw) }),
    plugins: [new BooleanToIntegerPlugin()],
    log: opts.log,
  });
  return {
    db,
    dialect: 'sqlite',
    location: file === ':memory:' ? null : { engine: 'sqlite', file: resolve(file) },
    describe: `sqlite:${file}`,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

export function openPostgres<DB = unknown>(
  url: string,
  opts: { poolSize?: number; searchPath?: string; log?: LogConfig } = {},
): Database<DB> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.poolSize ?? 10,
    connectionTimeoutMillis: 5000,
    idleTimeoutMillis: 30_000,
    options: opts.searchPath ? `-c search_path=${opts.searchPath}` : undefined,
  });
  // An idle client that errors (server restart) must not crash the process.
  pool.on('error', () => {});
  const db = new Kysely<DB>({
    dialect: new PostgresDialect({ pool }),
    plugins: [new BooleanToIntegerPlugin()],
    log: opts.log,
  });
  const u = new URL(url);
  return {
    db,
    dialect: 'postgres',
    location: { engine: 'postgres', url, searchPath: opts.searchPath },
    describe: `postgres://${u.hostname}:${u.port || 5432}${u.pathname}`,
    ping: async () => {
      await sql`select 1`.execute(db);
    },
    close: () => db.destroy(),
  };
}

export function openDatabase<DB = unknown>(cfg: {
  databaseUrl?: string;
  dataDir: string;
  dbPoolSize?: number;
}): Database<DB> {
  if (cfg.databaseUrl) return openPostgres<DB>(cfg.databaseUrl, { poolSize: cfg.dbPoolSize });
  return openSqlite<DB>(resolve(cfg.dataDir, 'darwaza.db'));
}

/** Opens another connection (pool) to a database given by its location. */
export function openLocation<DB = unknown>(location: DatabaseLocation, poolSize = 2): Database<DB> {
  return location.engine === 'sqlite'
    ? openSqlite<DB>(location.file)
    : openPostgres<DB>(location.url, { poolSize, searchPath: location.searchPath });
}

/** True when the error is a unique-constraint violation on either engine. */
export function isUniqueViolation(err: unknown): boolean {
  const e = err as { code?: string; errcode?: number; message?: string };
  return (
    e?.code === '23505' ||
    (e?.code === 'ERR_SQLITE_ERROR' && /UNIQUE constraint failed/.test(e.message ?? '')) ||
    /UNIQUE constraint failed/.test(e?.message ?? '')
  );
}

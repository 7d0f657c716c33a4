import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';

/**
 * Kysely over Node's built-in `node:sqlite`. Values Kysely passes are mapped to what SQLite binds
 * (booleans → 0/1, Date → ISO text). Transactions start with BEGIN IMMEDIATE so two processes on
 * one file serialise on the write lock up front instead of failing on lock upgrade.
 */
function bindable(v: unknown): SQLInputValue {
  if (v === undefined || v === null) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.toISOString();
  return v as SQLInputValue;
}

/**
 * Prepared statements are cached by SQL text (Kysely prepares on every execution; preparing costs
 * more than running a small statement). `all` and `run` finish synchronously, so one cached
 * statement is never used by two calls at once; `iterate` (lazy) always gets its own statement.
 */
const STATEMENT_CACHE_SIZE = 256;

export function wrapNodeSqlite(db: DatabaseSync): SqliteDatabase {
  const cache = new Map<string, { stmt: StatementSync; reader: boolean }>();
  const prepared = (sql: string) => {
    let entry = cache.get(sql);
    if (!entry) {
      const stmt = db.prepare(sql);
      entry = { stmt, reader: stmt.columns().length > 0 };
      if (cache.size >= STATEMENT_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(sql, entry);
    }
    return entry;
  };
  return {
    close: () => {
      cache.clear();
      db.close();
    },
    prepare(sql: string): SqliteStatement {
      const { stmt, reader } = prepared(sql);
      return {
        reader,
        all: (params) => stmt.all(...params.map(bindable)) as unknown[],
        run: (params) => {
          const r = stmt.run(...params.map(bindable));
          return { changes: r.changes, lastInsertRowid: r.lastInsertRowid };
        },
        iterate: (params) => db.prepare(sql).iterate(...params.map(bindable)) as IterableIterator<unknown>,
      };
    },
  };
}

class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

export class NodeSqliteDialect implements Dialect {
  readonly #inner: SqliteDialect;
  readonly #config: { database: SqliteDatabase };
  constructor(config: { database: SqliteDatabase }) {
    this.#config = config;
    this.#inner = new SqliteDialect(config);
  }
  createAdapter() {
    return new SqliteAdapter();
  }
  createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
  createQueryCompiler() {
    return this.#inner.createQueryCompiler();
  }
  createIntrospector(db: Parameters<SqliteDialect['createIntrospector']>[0]) {
    return this.#inner.createIntrospector(db);
  }
}

export function openSqliteFile(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA busy_timeout = 5000');
  // Temporary B-trees and statement journals in memory: a multi-row INSERT inside a transaction
  // otherwise creates, writes and unlinks a temp file per statement (measured: one per usage batch).
  db.exec('PRAGMA temp_store = MEMORY');
  return db;
}

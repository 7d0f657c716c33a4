import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  CompiledQuery,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type QueryResult,
  SqliteAdapter,
  type SqliteDatabase,
  SqliteDialect,
  SqliteDriver,
  type SqliteStatement,
} from 'kysely';

/**
 * Kysely over Node's built-in `node:sqlite`. Values Kysely passes are mapped to what SQLite binds
 * (booleans → 0/1, Date → ISO text). Transactions start with BEGIN IMMEDIATE so two processes on
 * one file serialise on the write lock up front instead of failing on lock upgrade; waiting for
 * that lock never holds the thread (BusyWaitingConnection).
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

/** How long a statement waits for another connection's write lock before SQLITE_BUSY is its answer. */
const BUSY_WAIT_MS = 5_000;
/** Pauses between attempts (ms), as SQLite's own busy handler sleeps; the last one repeats. */
const BUSY_PAUSES = [1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100];

function isBusy(err: unknown): boolean {
  const code = (err as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && (code & 0xff) === 5;
}

/**
 * Waits for a busy database without holding the thread. node:sqlite runs statements
 * synchronously, so SQLite's own busy_timeout would wait inside the call, and every request the
 * thread serves would wait with it (the usage worker holds the write lock for whole transactions
 * when it is behind: docs/performance.md item 42). The connection runs with busy_timeout 0; a
 * statement answered SQLITE_BUSY did nothing and is run again after a timer, for up to
 * BUSY_WAIT_MS. In WAL mode only taking the write lock can be busy — `begin immediate` or a
 * write outside a transaction — so a transaction's later statements never wait here.
 */
class BusyWaitingConnection implements DatabaseConnection {
  readonly #inner: DatabaseConnection;
  constructor(inner: DatabaseConnection) {
    this.#inner = inner;
  }
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    let waited = 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.#inner.executeQuery<R>(query);
      } catch (err) {
        if (!isBusy(err) || waited >= BUSY_WAIT_MS) throw err;
        const pause = BUSY_PAUSES[Math.min(attempt, BUSY_PAUSES.length - 1)]!;
        await sleep(pause);
        waited += pause;
      }
    }
  }
  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.#inner.streamQuery<R>(query, chunkSize);
  }
}

class ImmediateSqliteDriver extends SqliteDriver {
  #wrapped: { inner: DatabaseConnection; outer: BusyWaitingConnection } | null = null;
  override async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await super.acquireConnection();
    if (this.#wrapped?.inner !== inner) this.#wrapped = { inner, outer: new BusyWaitingConnection(inner) };
    return this.#wrapped.outer;
  }
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
  // No waiting inside a statement: BusyWaitingConnection waits between attempts instead.
  db.exec('PRAGMA busy_timeout = 0');
  // Temporary B-trees and statement journals in memory: a multi-row INSERT inside a transaction
  // otherwise creates, writes and unlinks a temp file per statement (measured: one per usage batch).
  db.exec('PRAGMA temp_store = MEMORY');
  return db;
}

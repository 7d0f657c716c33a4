import { type ColumnType, type Kysely, sql } from 'kysely';

/**
 * Tables declared as run-time objects, their Kysely types derived from them (ADR 0008). A
 * declaration encodes the house storage rules once — times are ISO-8601 text, booleans 0/1
 * integers (written as boolean or number, read as number), JSON is text, money is integer paisa —
 * and, being data, is compared with the schema the migrations really produced
 * (`compareWithDatabase`, run by a test on SQLite and PostgreSQL), so a table type cannot drift
 * from its migration.
 */
type Storage = 'text' | 'integer' | 'bigint';

export type Column<S, I, U> = {
  readonly storage: Storage;
  readonly isNullable: boolean;
  /** The database fills it when an insert leaves it out. */
  readonly hasDefault: boolean;
  /** Carries the select / insert / update types; never set at run time. */
  readonly types?: [S, I, U];
  /** May hold NULL. */
  nullable(): Column<S | null, I | null | undefined, U | null>;
  /** Has a database default, so inserts may leave it out. */
  withDefault(): Column<S, I | undefined, U>;
};

function column<S, I, U>(storage: Storage, isNullable = false, hasDefault = false): Column<S, I, U> {
  return {
    storage,
    isNullable,
    hasDefault,
    nullable: () => column(storage, true, hasDefault),
    withDefault: () => column(storage, isNullable, true),
  };
}

/** The column kinds the house rules allow. */
export const col = {
  /** Text: ids, names, codes. */
  text: () => column<string, string, string>('text'),
  /** An instant as ISO-8601 UTC text (`2026-12-06T10:00:00.000Z`). */
  time: () => column<string, string, string>('text'),
  /** A JSON document stored as text (parse on read, stringify on write). */
  json: () => column<string, string, string>('text'),
  /** A 0/1 flag: written as boolean or number, read as number. */
  flag: () => column<number, boolean | number, boolean | number>('integer'),
  /** A 32-bit integer (counts, small numbers). */
  int: () => column<number, number, number>('integer'),
  /** A 64-bit integer read as a JS number: money in paisa, epoch milliseconds, counters. */
  bigint: () => column<number, number, number>('bigint'),
};

export type AnyColumn = Column<unknown, unknown, unknown>;
export type TableSpec = { readonly name: string; readonly columns: Readonly<Record<string, AnyColumn>> };

export function defineTable<const N extends string, const C extends Record<string, AnyColumn>>(
  name: N,
  columns: C,
): { name: N; columns: C } {
  return { name, columns };
}

type ColumnTypeOf<C> = C extends Column<infer S, infer I, infer U> ? ColumnType<S, I, U> : never;

/** The Kysely row type of one declared table. */
type RowOf<T extends TableSpec> = { [K in keyof T['columns']]: ColumnTypeOf<T['columns'][K]> };

/** The Kysely database type of a set of declared tables, keyed by table name. */
export type TablesOf<T extends readonly TableSpec[]> = { [S in T[number] as S['name']]: RowOf<S> };

/** One disagreement between a declaration and the migrated schema. */
export type SchemaDifference = { table: string; column?: string; problem: string };

function storageOf(dataType: string): Storage | 'other' {
  const t = dataType.toLowerCase();
  if (t === 'text' || t.startsWith('varchar') || t === 'character varying') return 'text';
  if (t === 'integer' || t === 'int4' || t === 'int' || t === 'int2' || t === 'smallint') return 'integer';
  if (t === 'bigint' || t === 'int8') return 'bigint';
  return 'other';
}

type LiveColumn = { table: string; column: string; dataType: string; isNullable: boolean };

/**
 * The migrated schema as the engine describes it, for the connection's own schema only (other
 * schemas come and go under parallel tests). SQLite lets a non-integer PRIMARY KEY hold NULL only
 * by an old bug the project never relies on; it is read as NOT NULL, as PostgreSQL declares it.
 */
async function liveColumns<DB>(db: Kysely<DB>, dialect: 'sqlite' | 'postgres'): Promise<LiveColumn[]> {
  if (dialect === 'postgres') {
    const r = await sql<{ table_name: string; column_name: string; data_type: string; is_nullable: string }>`
      select table_name, column_name, data_type, is_nullable from information_schema.columns
      where table_schema = current_schema()`.execute(db);
    return r.rows.map((c) => ({
      table: c.table_name,
      column: c.column_name,
      dataType: c.data_type,
      isNullable: c.is_nullable === 'YES',
    }));
  }
  const tables = await sql<{ name: string }>`
    select name from sqlite_master where type = 'table' and name not like 'sqlite_%'`.execute(db);
  const out: LiveColumn[] = [];
  for (const t of tables.rows) {
    const cols = await sql<{ name: string; type: string; notnull: number; pk: number }>`
      select name, type, "notnull", pk from pragma_table_info(${t.name})`.execute(db);
    for (const c of cols.rows)
      out.push({
        table: t.name,
        column: c.name,
        dataType: c.type,
        isNullable: c.notnull === 0 && c.pk === 0,
      });
  }
  return out;
}

/** The migrator's own bookkeeping (`kysely_migration`, `kysely_migration_lock`): no module's table. */
function isMigratorTable(name: string): boolean {
  return name.startsWith('kysely_migration');
}

/**
 * Compares declared tables with the migrated schema: same columns, same nullability, same
 * storage. Returns every difference (empty when they agree). With `undeclaredTables`, a migrated
 * table that no declaration names is a difference too (the migrator's own tables excepted), so a
 * complete list of declarations (src/modules.ts `allTables`) is held to cover the whole schema.
 */
export async function compareWithDatabase<DB>(
  db: Kysely<DB>,
  dialect: 'sqlite' | 'postgres',
  tables: readonly TableSpec[],
  opts: { undeclaredTables?: boolean } = {},
): Promise<SchemaDifference[]> {
  const live = await liveColumns(db, dialect);
  const byTable = new Map<string, Map<string, LiveColumn>>();
  for (const c of live) {
    const m = byTable.get(c.table) ?? new Map<string, LiveColumn>();
    m.set(c.column, c);
    byTable.set(c.table, m);
  }
  const out: SchemaDifference[] = [];
  for (const spec of tables) {
    const cols = byTable.get(spec.name);
    if (!cols) {
      out.push({ table: spec.name, problem: 'declared but not in the migrated schema' });
      continue;
    }
    for (const [name, decl] of Object.entries(spec.columns)) {
      const c = cols.get(name);
      if (!c) {
        out.push({ table: spec.name, column: name, problem: 'declared but not in the migrated schema' });
        continue;
      }
      const storage = storageOf(c.dataType);
      if (storage !== decl.storage)
        out.push({
          table: spec.name,
          column: name,
          problem: `declared ${decl.storage}, migrated ${c.dataType}`,
        });
      if (c.isNullable !== decl.isNullable)
        out.push({
          table: spec.name,
          column: name,
          problem: decl.isNullable
            ? 'declared nullable, migrated NOT NULL'
            : 'declared NOT NULL, migrated nullable',
        });
    }
    for (const name of cols.keys())
      if (!Object.hasOwn(spec.columns, name))
        out.push({ table: spec.name, column: name, problem: 'migrated but not declared' });
  }
  if (opts.undeclaredTables) {
    const declared = new Set(tables.map((t) => t.name));
    for (const name of byTable.keys())
      if (!declared.has(name) && !isMigratorTable(name))
        out.push({ table: name, problem: 'migrated but no declaration names the table' });
  }
  return out;
}

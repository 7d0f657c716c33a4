import { CompiledQuery } from 'kysely';

/**
 * How a batch of rows (flat values, one per column a row) reaches the database, for the usage
 * rows and the rollups (ADR 0024):
 * - SQLite: statements of 64, 32, …, 1 rows of bound parameters (the binary digits of the count,
 *   largest first), so that only seven texts exist per kind and each is prepared once — with one
 *   text per batch size, each new size was parsed and prepared again (~4 % of the usage worker's
 *   time under load);
 * - PostgreSQL: one statement per batch, `select * from unnest($1::text[], $2::integer[], …)` with
 *   one array parameter per column — parsed once whatever the batch's size (64-row VALUES lists
 *   cost a parse and plan of thousands of parameters per 64 rows).
 * `statement(source)` wraps the rows' source — `values (?, …), …` or the `unnest` select — into
 * the whole INSERT; the texts are cached here.
 */
const MAX_ROWS = 64;

export class MultiRow {
  readonly #pg: boolean;
  readonly #types: readonly string[];
  readonly #statement: (source: string) => string;
  readonly #texts = new Map<number, string>();

  /** `types`: each column's SQL type (PostgreSQL's arrays are cast to them). */
  constructor(
    dialect: 'sqlite' | 'postgres',
    types: readonly string[],
    statement: (source: string) => string,
  ) {
    this.#pg = dialect === 'postgres';
    this.#types = types;
    this.#statement = statement;
  }

  /** The statements that write `values` (none for none). */
  statements(values: readonly unknown[]): CompiledQuery[] {
    const width = this.#types.length;
    if (values.length === 0) return [];
    if (this.#pg) {
      const columns: unknown[][] = Array.from({ length: width }, () => []);
      for (let i = 0; i < values.length; i += width) {
        for (let c = 0; c < width; c++) columns[c].push(values[i + c]);
      }
      return [CompiledQuery.raw(this.#text(0), columns)];
    }
    const out: CompiledQuery[] = [];
    let rows = values.length / width;
    let at = 0;
    for (let size = MAX_ROWS; rows > 0; size >>= 1) {
      while (rows >= size) {
        const end = at + size * width;
        out.push(CompiledQuery.raw(this.#text(size), values.slice(at, end)));
        at = end;
        rows -= size;
      }
    }
    return out;
  }

  /** The text for `rows` rows of parameters (0: PostgreSQL's one array per column). */
  #text(rows: number): string {
    let text = this.#texts.get(rows);
    if (text) return text;
    if (rows === 0) {
      text = this.#statement(
        `select * from unnest(${this.#types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`,
      );
    } else {
      const row = `(${this.#types.map(() => '?').join(', ')})`;
      text = this.#statement(`values ${new Array(rows).fill(row).join(', ')}`);
    }
    this.#texts.set(rows, text);
    return text;
  }
}

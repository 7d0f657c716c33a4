import { CompiledQuery } from 'kysely';

/**
 * Multi-row statements over flat values (`width` values a row), for the usage rows and the
 * rollups. Rows are cut into statements of 64, 32, …, 1 rows (the binary digits of the count,
 * largest first), so that only seven statement texts exist per kind: with one text per batch
 * size, each new size was parsed and prepared again (up to 10 000 parameters), ~4 % of the usage
 * worker's time under load. 64 rows of the widest row (56 rollup columns) stay under
 * PostgreSQL's 65 535 parameters.
 */
const MAX_ROWS = 64;

/** The statements for `values`; `text(rows)` gives (and should cache) the text for a row count. */
export function multiRow(
  values: readonly unknown[],
  width: number,
  text: (rows: number) => string,
): CompiledQuery[] {
  const out: CompiledQuery[] = [];
  let rows = values.length / width;
  let at = 0;
  for (let size = MAX_ROWS; rows > 0; size >>= 1) {
    while (rows >= size) {
      const end = at + size * width;
      out.push(CompiledQuery.raw(text(size), values.slice(at, end)));
      at = end;
      rows -= size;
    }
  }
  return out;
}

/** The VALUES list of `rows` rows of `width` parameters: `(?, ?), …` or `($1, $2), …`. */
export function valuesList(rows: number, width: number, pg: boolean): string {
  let n = 0;
  const tuples: string[] = [];
  for (let r = 0; r < rows; r++) {
    const row: string[] = [];
    for (let c = 0; c < width; c++) row.push(pg ? `$${++n}` : '?');
    tuples.push(`(${row.join(', ')})`);
  }
  return tuples.join(', ');
}

/**
 * PostgreSQL: rows as `select * from unnest($1::text[], $2::integer[], …)` — one array parameter
 * per column (`types`: each column's SQL type) — so a batch is one statement, parsed once,
 * whatever its row count; 64-row VALUES lists cost a parse and plan of thousands of parameters
 * per 64 rows. `columnsOf` turns flat rows into those arrays.
 */
export function unnestSelect(types: readonly string[]): string {
  return `select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
}

export function columnsOf(values: readonly unknown[], width: number): unknown[][] {
  const out: unknown[][] = Array.from({ length: width }, () => []);
  for (let i = 0; i < values.length; i += width) for (let c = 0; c < width; c++) out[c].push(values[i + c]);
  return out;
}

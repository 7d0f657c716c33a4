import { createHash } from 'node:crypto';
import type { SuiteRow } from './conformance-store.ts';
import { type ConformanceCase, conformanceCase } from './suite-schema.ts';

/** A case in force, with the hash of its definition (a pass counts only for the definition it proved). */
export type ActiveCase = { def: ConformanceCase; hash: string };

export type BookSuite = {
  productSlug: string;
  cases: ActiveCase[];
  /** The cases not retired, in order (computed once per load). */
  active: ActiveCase[];
  version: number;
  updatedAt: string;
  updatedBy: string | null;
};

/** The hash of what a case asks (its title, description and place do not change what proves it). */
function caseHash(c: ConformanceCase): string {
  const { title: _t, description: _d, retired: _r, ...what } = c;
  return createHash('sha256').update(JSON.stringify(what)).digest('base64url').slice(0, 16);
}

/**
 * The suites in force in this process, read from the database at start, after each edit this
 * process makes, and on the module's timer (edits other processes made). A stored case the schema
 * now refuses is left out, never guessed.
 */
export class SuiteBook {
  #suites = new Map<string, BookSuite>();

  load(rows: readonly SuiteRow[]): void {
    const next = new Map<string, BookSuite>();
    for (const row of rows) next.set(row.product_slug, suiteOf(row));
    this.#suites = next;
  }

  put(row: SuiteRow): void {
    this.#suites.set(row.product_slug, suiteOf(row));
  }

  get(productSlug: string): BookSuite | undefined {
    return this.#suites.get(productSlug);
  }

  all(): BookSuite[] {
    return [...this.#suites.values()].sort((a, b) => a.productSlug.localeCompare(b.productSlug));
  }

  /** The cases that block production (not retired), in the suite's order. */
  activeCases(productSlug: string): ActiveCase[] {
    return this.#suites.get(productSlug)?.active ?? [];
  }
}

function suiteOf(row: SuiteRow): BookSuite {
  const cases: ActiveCase[] = [];
  for (const raw of JSON.parse(row.cases) as unknown[]) {
    const p = conformanceCase.safeParse(raw);
    if (p.success) cases.push({ def: p.data, hash: caseHash(p.data) });
  }
  return {
    productSlug: row.product_slug,
    cases,
    active: cases.filter((c) => !c.def.retired),
    version: row.version,
    updatedAt: row.updated_at,
    updatedBy: row.updated_by,
  };
}

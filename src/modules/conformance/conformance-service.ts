import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import { conformanceAuditActions } from './audit-actions.ts';
import { ConformanceStore, type PassRow, type SuiteRow } from './conformance-store.ts';
import type { progressView, suiteView } from './contracts.ts';
import { passRow, proves, Recognizer } from './recognizer.ts';
import { SEED_SUITES } from './seed-suites.ts';
import { type BookSuite, SuiteBook } from './suite-book.ts';
import { productProblem, suiteInput } from './suite-schema.ts';
import type { ConformanceTables } from './tables.ts';

/** The products as the catalogue knows them (id ↔ slug). */
type ProductDirectory = {
  listProducts(opts: { includeAll?: boolean }): Promise<Array<{ id: string; slug: string }>>;
};
/** Does the app belong to the organisation? (apps' getApp: not_found otherwise). */
type AppLookup = { getApp(orgId: string, appId: string): Promise<unknown> };

export type ConformanceOptions = {
  db: Kysely<ConformanceTables>;
  clock: Clock;
  audit: AuditLog;
  /** The sandbox's operations: which operationIds each product has (cases may name only those). */
  operations: ReadonlyArray<{ productSlug: string; operationId: string }>;
  products: ProductDirectory;
  apps: AppLookup;
};

type SuiteView = z.infer<typeof suiteView>;
type ProgressView = z.infer<typeof progressView>;
export type GateVerdict = { ok: true } | { ok: false; missing: string[] };

/**
 * The suites (operators edit them; developers read them), each app's progress, and the gate the
 * apps module asks before it records a production request (the `ProductionGate` port).
 */
export class ConformanceService {
  readonly store: ConformanceStore;
  readonly book = new SuiteBook();
  /** Recognises cases from the call-record feed (the module subscribes `recognizer.offer`). */
  readonly recognizer: Recognizer;
  readonly #o: ConformanceOptions;
  readonly #audit: ReturnType<typeof auditTrail<typeof conformanceAuditActions>>;
  readonly #opsByProduct = new Map<string, Set<string>>();

  constructor(o: ConformanceOptions) {
    this.#o = o;
    this.store = new ConformanceStore(o.db);
    this.#audit = auditTrail(o.audit, conformanceAuditActions);
    this.recognizer = new Recognizer({ store: this.store, book: this.book, clock: o.clock });
    for (const op of o.operations) {
      const set = this.#opsByProduct.get(op.productSlug) ?? new Set<string>();
      set.add(op.operationId);
      this.#opsByProduct.set(op.productSlug, set);
    }
  }

  /** Writes the shipped suites where a product has none, then reads every suite. */
  async start(): Promise<void> {
    const at = this.#o.clock.now().toISOString();
    for (const [slug, suite] of Object.entries(SEED_SUITES)) {
      const parsed = suiteInput.parse(suite);
      await this.store.insertSuiteIfAbsent({
        product_slug: slug,
        cases: JSON.stringify(parsed.cases),
        version: 1,
        updated_by: null,
        updated_at: at,
      });
    }
    await this.refresh();
  }

  async refresh(): Promise<void> {
    this.book.load(await this.store.listSuites());
  }

  listSuites(): SuiteView[] {
    return this.book.all().map(viewOf);
  }

  getSuite(productSlug: string): SuiteView {
    const s = this.book.get(productSlug);
    if (!s) throw new AppError('not_found', { message: 'This product has no conformance suite.' });
    return viewOf(s);
  }

  /**
   * Replaces a product's suite. Validated case by case (422 naming the field); applies to
   * production requests made after it (granted access is not touched); stored evidence is
   * evaluated at once for the cases that are new or whose definition changed.
   */
  async updateSuite(
    productSlug: string,
    body: { cases: unknown[]; version?: number },
    ctx: RequestContext,
  ): Promise<SuiteView & { reevaluated: { calls: number; passes: number } }> {
    const known = (await this.#o.products.listProducts({ includeAll: true })).some(
      (p) => p.slug === productSlug,
    );
    const operations = this.#opsByProduct.get(productSlug) ?? new Set<string>();
    if (!known && operations.size === 0) throw new AppError('not_found', { message: 'No such product.' });
    const parsed = suiteInput.safeParse({ cases: body.cases });
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      invalid(issue.path, issue.message);
    }
    const cases = parsed.data!.cases;
    const problem = productProblem(cases, operations);
    if (problem) invalid(problem[0], problem[1]);

    const before = await this.store.findSuite(productSlug);
    if (body.version !== undefined && before && before.version !== body.version)
      throw new AppError('conflict', {
        message: `The suite changed (now version ${before.version}); reload it.`,
      });
    const row: SuiteRow = {
      product_slug: productSlug,
      cases: JSON.stringify(cases),
      version: (before?.version ?? 0) + 1,
      updated_by: ctx.actor.id,
      updated_at: this.#o.clock.now().toISOString(),
    };
    if (!(await this.store.saveSuite(row, before?.version ?? null)))
      throw new AppError('conflict', { message: 'Another edit of this suite came first; reload it.' });
    const oldHashes = new Set(before ? this.#hashesOf(before) : []);
    this.book.put(row);
    const fresh = this.book.activeCases(productSlug).filter((c) => !oldHashes.has(c.hash));
    const reevaluated = await this.#reevaluate(productSlug, fresh);
    await this.#audit(
      ctx,
      'conformance_suite.update',
      { type: 'conformance_suite', id: productSlug },
      {
        details: {
          version: row.version,
          cases: cases.map((c) => ({ id: c.id, retired: c.retired })),
          reevaluated,
        },
      },
    );
    return { ...viewOf(this.book.get(productSlug)!), reevaluated };
  }

  #hashesOf(row: SuiteRow): string[] {
    const tmp = new SuiteBook();
    tmp.put(row);
    return tmp.activeCases(row.product_slug).map((c) => c.hash);
  }

  /** Stored calls of the product against the given cases, a page at a time, in delivery order. */
  async #reevaluate(productSlug: string, cases: ReturnType<SuiteBook['activeCases']>) {
    let calls = 0;
    let passes = 0;
    if (cases.length === 0) return { calls, passes };
    const nowIso = this.#o.clock.now().toISOString();
    const done = new Set<string>();
    let after = '';
    for (;;) {
      const page = await this.store.callsOfProduct(productSlug, after, 1000);
      if (page.length === 0) break;
      after = page[page.length - 1]!.id;
      calls += page.length;
      const rows: PassRow[] = [];
      for (const { call } of page) {
        for (const kase of cases) {
          const key = `${call.appId}|${kase.def.id}`;
          if (done.has(key)) continue;
          const p = await proves(call, kase, (ops, rrn) => this.store.earlierCalls(call.appId, ops, rrn));
          if (!p) continue;
          done.add(key);
          rows.push(passRow(call, kase, p.earlierRequestId, nowIso));
        }
      }
      await this.store.insertPasses(rows);
      passes += rows.length;
    }
    return { calls, passes };
  }

  /** The app's progress per suite (of one product when named); the app must be the organisation's. */
  async progress(orgId: string, appId: string, productSlug?: string): Promise<ProgressView> {
    await this.#o.apps.getApp(orgId, appId);
    await this.refresh();
    const passes = await this.store.passesOfApp(appId, productSlug);
    const suites = this.book.all().filter((s) => !productSlug || s.productSlug === productSlug);
    return {
      orgId,
      appId,
      products: suites.map((s) => {
        const cases = s.active.map((c) => {
          const p = passes.find(
            (x) => x.product_slug === s.productSlug && x.case_id === c.def.id && x.case_hash === c.hash,
          );
          return {
            caseId: c.def.id,
            title: c.def.title,
            passed: p !== undefined,
            requestId: p?.request_id ?? null,
            earlierRequestId: p?.earlier_request_id ?? null,
            provedAt: p ? new Date(p.at_ms).toISOString() : null,
          };
        });
        const passed = cases.filter((c) => c.passed).length;
        return {
          productSlug: s.productSlug,
          suiteVersion: s.version,
          passed,
          total: cases.length,
          complete: cases.length > 0 && passed === cases.length,
          cases,
        };
      }),
    };
  }

  /**
   * The production gate: has the app passed every active case of the product's suite? A product
   * without a suite, or whose suite has no active case, never passes. Reads the suite from the
   * database, so an edit made a moment ago in another process applies.
   */
  async check(appId: string, productId: string): Promise<GateVerdict> {
    const product = (await this.#o.products.listProducts({ includeAll: true })).find(
      (p) => p.id === productId,
    );
    if (!product) return { ok: false, missing: ['The product is not in the catalogue.'] };
    const row = await this.store.findSuite(product.slug);
    if (row) this.book.put(row);
    const active = row ? this.book.activeCases(product.slug) : [];
    if (active.length === 0)
      return {
        ok: false,
        missing: [
          `${product.slug} has no conformance suite yet: an operator must write one before any app goes to production with it.`,
        ],
      };
    const have = new Set(
      (await this.store.passesOfApp(appId, product.slug)).map((p) => `${p.case_id}|${p.case_hash}`),
    );
    const missing = active
      .filter((c) => !have.has(`${c.def.id}|${c.hash}`))
      .map((c) => `${c.def.id}: ${c.def.title}`);
    return missing.length === 0 ? { ok: true } : { ok: false, missing };
  }
}

function invalid(path: ReadonlyArray<PropertyKey>, message: string): never {
  const field = path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`))
    .join('');
  throw new AppError('conformance_case_invalid', {
    message: `${field}: ${message}`,
    details: { field, message },
  });
}

function viewOf(s: BookSuite): SuiteView {
  return {
    productSlug: s.productSlug,
    version: s.version,
    updatedAt: s.updatedAt,
    cases: s.cases.map((c) => c.def),
    activeCases: s.active.length,
  };
}

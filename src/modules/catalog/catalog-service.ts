import type { Kysely, Updateable } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventEmitter } from '../../platform/events.ts';
import { newId } from '../../platform/ids.ts';
import type { CacheInvalidation } from '../../platform/shared-state/cache-invalidation.ts';
import { CatalogStore, type PlanRow, type ProductRow } from './catalog-store.ts';
import {
  CATALOGS,
  type operationView,
  planInputSchema,
  planPatchSchema,
  type planView,
  productInputSchema,
  type productStatus,
  type productView,
  RATE_PERIODS,
} from './contracts.ts';
import type { CatalogTables } from './tables.ts';

/**
 * The API catalogue: catalogs (sandbox, production) under one provider name, products that group
 * API versions (each an OpenAPI 3.1 document whose operations carry operationIds), and the plans
 * an app subscribes to. Listing and reading published products is public; operators change them.
 */
export { CATALOGS, RATE_PERIODS };
export type CatalogName = (typeof CATALOGS)[number];
export type RatePeriod = (typeof RATE_PERIODS)[number];
export const PERIOD_MS: Record<RatePeriod, number> = {
  second: 1000,
  minute: 60_000,
  hour: 3_600_000,
  day: 86_400_000,
  week: 604_800_000,
};

export type ProductStatus = z.infer<typeof productStatus>;
export type Plan = z.infer<typeof planView>;
export type Operation = z.infer<typeof operationView>;
export type Product = z.infer<typeof productView>;
export type PlanInput = z.input<typeof planInputSchema>;

export type LifecycleEvent = {
  kind: 'published' | 'deprecated' | 'retired';
  product: { id: string; slug: string; name: string };
  note: string | null;
};

/** Parses service input; a failure is the same validation_failed a route would answer. */
export function parseInput<T extends z.ZodType>(schema: T, value: unknown): z.output<T> {
  const r = schema.safeParse(value);
  if (!r.success) {
    throw new AppError('validation_failed', {
      details: r.error.issues.map((i) => ({
        in: 'body',
        field: i.path.join('.') || 'body',
        code: i.code,
        message: i.message,
      })),
    });
  }
  return r.data;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'];

/** Operations of an OpenAPI document; throws invalid_openapi when one lacks a unique operationId. */
export function operationsOf(doc: Record<string, unknown>): Operation[] {
  const version = typeof doc.openapi === 'string' ? doc.openapi : '';
  if (!/^3\.1\.\d+$/.test(version)) {
    throw new AppError('invalid_openapi', { message: 'The document must declare openapi: 3.1.x.' });
  }
  const paths = (doc.paths ?? {}) as Record<string, Record<string, unknown>>;
  if (typeof paths !== 'object' || Array.isArray(paths)) {
    throw new AppError('invalid_openapi', { message: 'paths must be an object.' });
  }
  const ops: Operation[] = [];
  const seen = new Set<string>();
  for (const [path, item] of Object.entries(paths)) {
    if (!item || typeof item !== 'object') continue;
    for (const method of METHODS) {
      const op = (item as Record<string, unknown>)[method] as Record<string, unknown> | undefined;
      if (!op || typeof op !== 'object') continue;
      const operationId = op.operationId;
      if (typeof operationId !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(operationId)) {
        throw new AppError('invalid_openapi', {
          message: `${method.toUpperCase()} ${path} has no valid operationId.`,
        });
      }
      if (seen.has(operationId)) {
        throw new AppError('invalid_openapi', { message: `operationId ${operationId} is used twice.` });
      }
      seen.add(operationId);
      ops.push({
        operationId,
        method: method.toUpperCase(),
        path,
        summary: typeof op.summary === 'string' ? op.summary : null,
      });
    }
  }
  return ops;
}

function infoOf(doc: Record<string, unknown>): { title?: string; version?: string } {
  const info = doc.info as { title?: unknown; version?: unknown } | undefined;
  return {
    title: typeof info?.title === 'string' ? info.title : undefined,
    version: typeof info?.version === 'string' ? info.version : undefined,
  };
}

type CapPeriod = NonNullable<Plan['endUserCap']>['period'];

function planFromRow(r: PlanRow, productSlug: string): Plan {
  return {
    id: r.id,
    productId: r.product_id,
    productSlug,
    name: r.name,
    description: r.description,
    rateLimits: JSON.parse(r.rate_limits),
    operationRateLimits: JSON.parse(r.operation_rate_limits),
    burst: r.burst ?? null,
    quotas: { day: r.quota_day ?? null, month: r.quota_month ?? null, timeZone: r.time_zone },
    endUserCap: r.end_user_cap ? { limit: r.end_user_cap, period: r.end_user_period as CapPeriod } : null,
    approvalRequired: Number(r.approval_required) === 1,
    status: r.status as Plan['status'],
  };
}

export class CatalogService {
  readonly #store: CatalogStore;
  readonly #clock: Clock;
  readonly #invalidate: (m: CacheInvalidation) => Promise<void>;
  readonly #events: EventEmitter;
  readonly provider: string;
  readonly publicUrl: string;

  constructor(opts: {
    db: Kysely<CatalogTables>;
    clock: Clock;
    provider: string;
    publicUrl: string;
    invalidate?: (m: CacheInvalidation) => Promise<void>;
    /** Carries `catalog.product_lifecycle` (events.ts). */
    events: EventEmitter;
  }) {
    this.#store = new CatalogStore(opts.db);
    this.#clock = opts.clock;
    this.provider = opts.provider;
    this.publicUrl = opts.publicUrl.replace(/\/$/, '');
    this.#invalidate = opts.invalidate ?? (async () => {});
    this.#events = opts.events;
  }

  basePath(catalog: CatalogName): string {
    return `/${this.provider}/${catalog}`;
  }

  listCatalogs(): Array<{ name: CatalogName; basePath: string; baseUrl: string; tokenUrl: string }> {
    return CATALOGS.map((name) => ({
      name,
      basePath: this.basePath(name),
      baseUrl: `${this.publicUrl}${this.basePath(name)}`,
      tokenUrl: `${this.publicUrl}${this.basePath(name)}/oauth2/token`,
    }));
  }

  // ---------------------------------------------------------------- reading
  /** Published and deprecated products (public); operators may ask for every status. */
  async listProducts(opts: { includeAll?: boolean } = {}): Promise<Product[]> {
    const rows = await this.#store.listProducts(opts.includeAll ?? false);
    return Promise.all(rows.map((r) => this.#hydrate(r)));
  }

  /** A product by slug; drafts and retired products only for operators (else not_found). */
  async getProduct(slug: string, opts: { includeAll?: boolean } = {}): Promise<Product> {
    const row = await this.#store.findProductBySlug(slug);
    if (!row || (!opts.includeAll && !['published', 'deprecated'].includes(row.status))) {
      throw new AppError('not_found');
    }
    return this.#hydrate(row);
  }

  async findProduct(slug: string): Promise<Product | null> {
    const row = await this.#store.findProductBySlug(slug);
    return row ? this.#hydrate(row) : null;
  }

  async getApiDocument(slug: string, apiId: string, opts: { includeAll?: boolean } = {}) {
    const product = await this.getProduct(slug, opts);
    const row = await this.#store.findApi(apiId, product.id);
    if (!row) throw new AppError('not_found');
    const doc = JSON.parse(row.openapi) as Record<string, unknown>;
    // The document's servers are this deployment's catalogs, whatever the stored copy says.
    doc.servers = this.listCatalogs().map((c) => ({
      url: c.baseUrl,
      description: `${c.name} catalog`,
      'x-internal': false,
    }));
    return doc;
  }

  async getPlan(planId: string): Promise<Plan | null> {
    const row = await this.#store.findPlan(planId);
    return row ? planFromRow(row, row.product_slug) : null;
  }

  async findPlanByName(productSlug: string, planName: string): Promise<Plan | null> {
    const row = await this.#store.findPlanByName(productSlug, planName);
    return row ? planFromRow(row, row.product_slug) : null;
  }

  async #hydrate(r: ProductRow): Promise<Product> {
    const [apis, plans] = await Promise.all([this.#store.apisOf(r.id), this.#store.plansOf(r.id)]);
    return {
      id: r.id,
      slug: r.slug,
      name: r.name,
      description: r.description,
      status: r.status as ProductStatus,
      publishedAt: r.published_at ?? null,
      deprecatedAt: r.deprecated_at ?? null,
      retiredAt: r.retired_at ?? null,
      lifecycleNote: r.lifecycle_note ?? null,
      apis: apis.map((a) => ({
        id: a.id,
        name: a.name,
        version: a.version,
        operations: operationsOf(JSON.parse(a.openapi)),
      })),
      plans: plans.map((p) => planFromRow(p, r.slug)),
    };
  }

  // ---------------------------------------------------------------- changing (operators, seeders)
  /** Creates a draft product (or updates a draft/published one's name, description and APIs). */
  async upsertProduct(
    input: z.input<typeof productInputSchema>,
    opts: { sort?: number } = {},
  ): Promise<Product> {
    const p = parseInput(productInputSchema, input);
    const nowIso = this.#clock.now().toISOString();
    const existing = await this.#store.findProductBySlug(p.slug);
    const apis = p.apis.map((a) => {
      const ops = operationsOf(a.openapi);
      void ops;
      const info = infoOf(a.openapi);
      return {
        name: a.name ?? info.title ?? p.name,
        version: a.version ?? info.version ?? '1.0.0',
        openapi: JSON.stringify(a.openapi),
      };
    });
    await this.#store.transaction(async (trx) => {
      let productId = existing?.id as string | undefined;
      if (!existing) {
        productId = newId('prd', this.#clock.nowMs());
        await trx.insertProduct({
          id: productId,
          slug: p.slug,
          name: p.name,
          description: p.description,
          status: 'draft',
          sort: opts.sort ?? 100,
          created_at: nowIso,
          updated_at: nowIso,
        });
      } else {
        if (existing.status === 'retired')
          throw new AppError('conflict', { message: 'The product is retired.' });
        await trx.updateProduct(productId!, { name: p.name, description: p.description, updated_at: nowIso });
      }
      for (const a of apis) {
        const cur = await trx.findApiId(productId!, a.name, a.version);
        if (cur) {
          await trx.updateApi(cur.id, { openapi: a.openapi, updated_at: nowIso });
        } else {
          await trx.insertApi({
            id: newId('api', this.#clock.nowMs()),
            product_id: productId!,
            name: a.name,
            version: a.version,
            openapi: a.openapi,
            created_at: nowIso,
            updated_at: nowIso,
          });
        }
      }
    });
    return this.getProduct(p.slug, { includeAll: true });
  }

  async #setStatus(slug: string, to: ProductStatus, from: ProductStatus[], note: string | null) {
    const product = await this.getProduct(slug, { includeAll: true });
    if (product.status === to) return product;
    if (!from.includes(product.status)) {
      throw new AppError('conflict', { message: `A ${product.status} product cannot become ${to}.` });
    }
    const nowIso = this.#clock.now().toISOString();
    const set: Updateable<CatalogTables['catalog_products']> = { status: to, updated_at: nowIso };
    if (to === 'published') set.published_at = nowIso;
    if (to === 'deprecated') set.deprecated_at = nowIso;
    if (to === 'retired') set.retired_at = nowIso;
    if (note !== null) set.lifecycle_note = note;
    await this.#store.updateProduct(product.id, set);
    const event: LifecycleEvent = {
      kind: to as LifecycleEvent['kind'],
      product: { id: product.id, slug: product.slug, name: product.name },
      note,
    };
    await this.#events.emit('catalog.product_lifecycle', event);
    for (const plan of product.plans) await this.#invalidate({ kind: 'plan', id: plan.id });
    return this.getProduct(slug, { includeAll: true });
  }

  async publishProduct(slug: string): Promise<Product> {
    const product = await this.getProduct(slug, { includeAll: true });
    if (product.plans.filter((p) => p.status === 'active').length === 0) {
      throw new AppError('conflict', { message: 'Add at least one plan before publishing.' });
    }
    return this.#setStatus(slug, 'published', ['draft', 'deprecated'], null);
  }

  async deprecateProduct(slug: string, note: string | null): Promise<Product> {
    return this.#setStatus(slug, 'deprecated', ['published'], note);
  }

  async retireProduct(slug: string, note: string | null): Promise<Product> {
    return this.#setStatus(slug, 'retired', ['draft', 'published', 'deprecated'], note);
  }

  async createPlan(productSlug: string, input: PlanInput, opts: { sort?: number } = {}): Promise<Plan> {
    const product = await this.getProduct(productSlug, { includeAll: true });
    if (product.status === 'retired') throw new AppError('conflict', { message: 'The product is retired.' });
    const p = parseInput(planInputSchema, input);
    this.#checkOperations(product, p.operationRateLimits);
    const nowIso = this.#clock.now().toISOString();
    const id = newId('pln', this.#clock.nowMs());
    try {
      await this.#store.insertPlan({
        id,
        product_id: product.id,
        name: p.name,
        description: p.description,
        rate_limits: JSON.stringify(p.rateLimits),
        operation_rate_limits: JSON.stringify(p.operationRateLimits),
        burst: p.burst,
        quota_day: p.quotaDay,
        quota_month: p.quotaMonth,
        time_zone: p.timeZone,
        end_user_cap: p.endUserCap?.limit ?? null,
        end_user_period: p.endUserCap?.period ?? null,
        approval_required: p.approvalRequired ? 1 : 0,
        status: 'active',
        sort: opts.sort ?? 100,
        created_at: nowIso,
        updated_at: nowIso,
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: 'The product has a plan of that name.' });
      throw err;
    }
    return (await this.getPlan(id))!;
  }

  async updatePlan(planId: string, patch: z.input<typeof planPatchSchema>): Promise<Plan> {
    const plan = await this.getPlan(planId);
    if (!plan) throw new AppError('not_found');
    const p = parseInput(planPatchSchema, patch);
    const set: Updateable<CatalogTables['catalog_plans']> = { updated_at: this.#clock.now().toISOString() };
    if (p.name !== undefined) set.name = p.name;
    if (p.description !== undefined) set.description = p.description;
    if (p.rateLimits !== undefined) set.rate_limits = JSON.stringify(p.rateLimits);
    if (p.operationRateLimits !== undefined) {
      const product = await this.getProduct(plan.productSlug, { includeAll: true });
      this.#checkOperations(product, p.operationRateLimits);
      set.operation_rate_limits = JSON.stringify(p.operationRateLimits);
    }
    if (p.burst !== undefined) set.burst = p.burst;
    if (p.quotaDay !== undefined) set.quota_day = p.quotaDay;
    if (p.quotaMonth !== undefined) set.quota_month = p.quotaMonth;
    if (p.timeZone !== undefined) set.time_zone = p.timeZone;
    if (p.endUserCap !== undefined) {
      set.end_user_cap = p.endUserCap?.limit ?? null;
      set.end_user_period = p.endUserCap?.period ?? null;
    }
    if (p.approvalRequired !== undefined) set.approval_required = p.approvalRequired ? 1 : 0;
    try {
      await this.#store.updatePlan(planId, set);
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: 'The product has a plan of that name.' });
      throw err;
    }
    await this.#invalidate({ kind: 'plan', id: planId });
    return (await this.getPlan(planId))!;
  }

  #checkOperations(product: Product, overrides: Record<string, unknown>) {
    const known = new Set(product.apis.flatMap((a) => a.operations.map((o) => o.operationId)));
    for (const op of Object.keys(overrides)) {
      if (!known.has(op)) {
        throw new AppError('validation_failed', {
          details: [
            {
              in: 'body',
              field: `operationRateLimits.${op}`,
              code: 'unknown_operation',
              message: 'no such operation in this product',
            },
          ],
        });
      }
    }
  }
}

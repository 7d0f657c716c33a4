import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';

/**
 * The catalogue's route contracts and the schemas they share with the service: the views (a
 * product, a plan) are declared once here and the service's types are their `z.infer`; the input
 * schemas are the ones the service parses with (a seeder's input fails exactly as a request would).
 */

/** The catalogs every provider has: the sandbox, and production. */
export const CATALOGS = ['sandbox', 'production'] as const;

/** Periods a rate limit counts over. */
export const RATE_PERIODS = ['second', 'minute', 'hour', 'day', 'week'] as const;

const DEFAULT_TIME_ZONE = 'Asia/Karachi';

export const productStatus = z.enum(['draft', 'published', 'deprecated', 'retired']);
const planStatus = z.enum(['active', 'retired']);
const ratePeriod = z.enum(RATE_PERIODS);
const capPeriod = z.enum(['day', 'month']);

// ------------------------------------------------------------------ views
const planRate = z.object({ period: ratePeriod, limit: z.number() });

/** One plan as the API shows it; `Plan` (the service's type) is this schema's type. */
export const planView = z.object({
  id: z.string(),
  productId: z.string(),
  productSlug: z.string(),
  name: z.string(),
  description: z.string(),
  rateLimits: z.array(planRate),
  operationRateLimits: z.record(z.string(), z.array(planRate)),
  burst: z.number().nullable(),
  quotas: z.object({ day: z.number().nullable(), month: z.number().nullable(), timeZone: z.string() }),
  endUserCap: z.object({ limit: z.number(), period: capPeriod }).nullable(),
  approvalRequired: z.boolean(),
  status: planStatus,
});

/** One operation of an API version (from its OpenAPI document). */
export const operationView = z.object({
  operationId: z.string(),
  method: z.string(),
  path: z.string(),
  summary: z.string().nullable(),
});

/** One product as the API shows it; `Product` (the service's type) is this schema's type. */
export const productView = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  status: productStatus,
  publishedAt: z.string().nullable(),
  deprecatedAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
  lifecycleNote: z.string().nullable(),
  apis: z.array(
    z.object({ id: z.string(), name: z.string(), version: z.string(), operations: z.array(operationView) }),
  ),
  plans: z.array(planView),
});

const catalogView = z.object({
  name: z.enum(CATALOGS),
  basePath: z.string(),
  baseUrl: z.string(),
  tokenUrl: z.string(),
});

// ------------------------------------------------------------------ input schemas (service and routes)
const slugSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'lower-case letters, digits and dashes (2-41 chars)');
const planRateSchema = z.strictObject({
  period: ratePeriod,
  limit: z.number().int().min(1).max(1_000_000_000),
});
const timeZoneSchema = z
  .string()
  .max(64)
  .refine((tz) => {
    try {
      new Intl.DateTimeFormat('en', { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  }, 'must be an IANA time zone such as Asia/Karachi');
export const planInputSchema = z.strictObject({
  name: z.string().trim().min(2).max(80),
  description: z.string().max(2000).default(''),
  rateLimits: z.array(planRateSchema).max(5).default([]),
  operationRateLimits: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/), z.array(planRateSchema).min(1).max(5))
    .default({}),
  burst: z.number().int().min(1).max(1_000_000).nullable().default(null),
  quotaDay: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
  quotaMonth: z.number().int().min(1).max(1_000_000_000).nullable().default(null),
  timeZone: timeZoneSchema.default(DEFAULT_TIME_ZONE),
  endUserCap: z
    .strictObject({ limit: z.number().int().min(1).max(100_000_000), period: capPeriod })
    .nullable()
    .default(null),
  approvalRequired: z.boolean().default(false),
});
/** A patch changes only what it names (no defaults: an absent field keeps its value). */
export const planPatchSchema = z.strictObject({
  name: z.string().trim().min(2).max(80).optional(),
  description: z.string().max(2000).optional(),
  rateLimits: z.array(planRateSchema).max(5).optional(),
  operationRateLimits: z
    .record(z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/), z.array(planRateSchema).min(1).max(5))
    .optional(),
  burst: z.number().int().min(1).max(1_000_000).nullable().optional(),
  quotaDay: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  quotaMonth: z.number().int().min(1).max(1_000_000_000).nullable().optional(),
  timeZone: timeZoneSchema.optional(),
  endUserCap: z
    .strictObject({ limit: z.number().int().min(1).max(100_000_000), period: capPeriod })
    .nullable()
    .optional(),
  approvalRequired: z.boolean().optional(),
});

const openapiDocSchema = z.record(z.string(), z.unknown());
const apiInputSchema = z.strictObject({
  name: z.string().trim().min(1).max(80).optional(),
  version: z.string().trim().min(1).max(40).optional(),
  openapi: openapiDocSchema,
});
export const productInputSchema = z.strictObject({
  slug: slugSchema,
  name: z.string().trim().min(1).max(80),
  description: z.string().max(4000).default(''),
  apis: z.array(apiInputSchema).max(20).default([]),
});

const slugParams = z.strictObject({ slug: slugSchema });
const noteBody = z.strictObject({ note: z.string().trim().max(2000).optional() });

export const catalogContracts = defineContracts({
  listCatalogs: {
    method: 'GET',
    url: '/api/v1/catalogs',
    summary: 'List the catalogs (sandbox, production) and their gateway base URLs',
    tags: ['catalogue'],
    auth: 'public',
    response: z.object({ provider: z.string(), items: z.array(catalogView) }),
  },
  listProducts: {
    method: 'GET',
    url: '/api/v1/products',
    summary: 'List published API products with their APIs and plans',
    tags: ['catalogue'],
    auth: 'public',
    query: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
    response: z.object({ items: z.array(productView) }),
  },
  getProduct: {
    method: 'GET',
    url: '/api/v1/products/:slug',
    summary: 'Read one product (APIs, operations, plans)',
    tags: ['catalogue'],
    auth: 'public',
    params: slugParams,
    response: productView,
    errors: ['not_found'],
  },
  getApiDocument: {
    method: 'GET',
    url: '/api/v1/products/:slug/apis/:apiId/openapi.json',
    summary: "An API version's OpenAPI 3.1 document, with this deployment's catalogs as servers",
    tags: ['catalogue'],
    auth: 'public',
    params: z.strictObject({ slug: slugSchema, apiId: z.string().max(40) }),
    response: z.record(z.string(), z.unknown()),
    errors: ['not_found'],
  },
  // ------------------------------------------------------------ operators
  createProduct: {
    method: 'POST',
    url: '/api/v1/admin/products',
    summary: 'Create a draft product, or update a product and add API versions (operators)',
    tags: ['catalogue', 'admin'],
    auth: 'operator',
    body: productInputSchema,
    response: productView,
    errors: ['invalid_openapi', 'conflict'],
  },
  addApiVersion: {
    method: 'POST',
    url: '/api/v1/admin/products/:slug/apis',
    summary: 'Add or replace an API version of a product (operators)',
    tags: ['catalogue', 'admin'],
    auth: 'operator',
    params: slugParams,
    body: apiInputSchema,
    response: productView,
    errors: ['invalid_openapi', 'not_found'],
  },
  publishProduct: {
    method: 'POST',
    url: '/api/v1/admin/products/:slug/publish',
    summary: 'Publish a product (operators)',
    tags: ['catalogue', 'admin'],
    auth: 'operator',
    params: slugParams,
    response: productView,
    errors: ['not_found', 'conflict'],
  },
  deprecateProduct: {
    method: 'POST',
    url: '/api/v1/admin/products/:slug/deprecate',
    summary: 'Deprecate a product: no new subscriptions; subscribers are notified (operators)',
    tags: ['catalogue', 'admin'],
    auth: 'operator',
    params: slugParams,
    body: noteBody,
    response: productView,
    errors: ['not_found', 'conflict'],
  },
  retireProduct: {
    method: 'POST',
    url: '/api/v1/admin/products/:slug/retire',
    summary: 'Retire a product: subscriptions end, calls are refused; subscribers are notified (operators)',
    tags: ['catalogue', 'admin'],
    auth: 'operator',
    params: slugParams,
    body: noteBody,
    response: productView,
    errors: ['not_found', 'conflict'],
  },
  createPlan: {
    method: 'POST',
    url: '/api/v1/admin/products/:slug/plans',
    summary: 'Add a plan to a product (operators)',
    tags: ['catalogue', 'admin'],
    auth: 'operator',
    params: slugParams,
    body: planInputSchema,
    response: planView,
    status: 201,
    errors: ['not_found', 'already_exists'],
  },
  updatePlan: {
    method: 'PATCH',
    url: '/api/v1/admin/plans/:planId',
    summary: "Change a plan's limits (operators; gateways pick it up at once)",
    tags: ['catalogue', 'admin'],
    auth: 'operator',
    params: z.strictObject({ planId: z.string().max(40) }),
    body: planPatchSchema,
    response: planView,
    errors: ['not_found', 'already_exists'],
  },
});

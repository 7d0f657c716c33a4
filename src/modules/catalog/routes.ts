import { z } from 'zod';
import { type AnyRoute, defineRoute } from '../../platform/http/route.ts';
import {
  apiInputSchema,
  type CatalogService,
  planInputSchema,
  planPatchSchema,
  productInputSchema,
  slugSchema,
} from './catalog-service.ts';

const rate = z.object({ period: z.string(), limit: z.number() });
const planSchema = z.object({
  id: z.string(),
  productId: z.string(),
  productSlug: z.string(),
  name: z.string(),
  description: z.string(),
  rateLimits: z.array(rate),
  operationRateLimits: z.record(z.string(), z.array(rate)),
  burst: z.number().nullable(),
  quotas: z.object({ day: z.number().nullable(), month: z.number().nullable(), timeZone: z.string() }),
  endUserCap: z.object({ limit: z.number(), period: z.string() }).nullable(),
  approvalRequired: z.boolean(),
  status: z.string(),
});
const productSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  status: z.string(),
  publishedAt: z.string().nullable(),
  deprecatedAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
  lifecycleNote: z.string().nullable(),
  apis: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      version: z.string(),
      operations: z.array(
        z.object({
          operationId: z.string(),
          method: z.string(),
          path: z.string(),
          summary: z.string().nullable(),
        }),
      ),
    }),
  ),
  plans: z.array(planSchema),
});
const slugParams = z.strictObject({ slug: slugSchema });
const noteBody = z.strictObject({ note: z.string().trim().max(2000).optional() });

export function catalogRoutes(catalog: CatalogService): AnyRoute[] {
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/catalogs',
      operationId: 'listCatalogs',
      summary: 'List the catalogs (sandbox, production) and their gateway base URLs',
      tags: ['catalogue'],
      auth: 'public',
      response: z.object({
        provider: z.string(),
        items: z.array(
          z.object({ name: z.string(), basePath: z.string(), baseUrl: z.string(), tokenUrl: z.string() }),
        ),
      }),
      handler: async () => ({ provider: catalog.provider, items: catalog.listCatalogs() }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/products',
      operationId: 'listProducts',
      summary: 'List published API products with their APIs and plans',
      tags: ['catalogue'],
      auth: 'public',
      query: z.strictObject({ all: z.enum(['true', 'false']).optional() }),
      response: z.object({ items: z.array(productSchema) }),
      handler: async ({ principal, query }) => ({
        items: await catalog.listProducts({ includeAll: query.all === 'true' && !!principal?.isOperator }),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/products/:slug',
      operationId: 'getProduct',
      summary: 'Read one product (APIs, operations, plans)',
      tags: ['catalogue'],
      auth: 'public',
      params: slugParams,
      response: productSchema,
      errors: ['not_found'],
      handler: async ({ params, principal }) =>
        catalog.getProduct(params.slug, { includeAll: !!principal?.isOperator }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/products/:slug/apis/:apiId/openapi.json',
      operationId: 'getApiDocument',
      summary: "An API version's OpenAPI 3.1 document, with this deployment's catalogs as servers",
      tags: ['catalogue'],
      auth: 'public',
      params: z.strictObject({ slug: slugSchema, apiId: z.string().max(40) }),
      response: z.record(z.string(), z.unknown()),
      errors: ['not_found'],
      handler: async ({ params, principal }) =>
        catalog.getApiDocument(params.slug, params.apiId, { includeAll: !!principal?.isOperator }),
    }),
    // ------------------------------------------------------------ operators
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/products',
      operationId: 'createProduct',
      summary: 'Create a draft product, or update a product and add API versions (operators)',
      tags: ['catalogue', 'admin'],
      auth: 'operator',
      body: productInputSchema,
      response: productSchema,
      errors: ['invalid_openapi', 'conflict'],
      handler: async ({ body }) => catalog.upsertProduct(body),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/products/:slug/apis',
      operationId: 'addApiVersion',
      summary: 'Add or replace an API version of a product (operators)',
      tags: ['catalogue', 'admin'],
      auth: 'operator',
      params: slugParams,
      body: apiInputSchema,
      response: productSchema,
      errors: ['invalid_openapi', 'not_found'],
      handler: async ({ params, body }) => {
        const p = await catalog.getProduct(params.slug, { includeAll: true });
        return catalog.upsertProduct({
          slug: p.slug,
          name: p.name,
          description: p.description,
          apis: [body],
        });
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/products/:slug/publish',
      operationId: 'publishProduct',
      summary: 'Publish a product (operators)',
      tags: ['catalogue', 'admin'],
      auth: 'operator',
      params: slugParams,
      response: productSchema,
      errors: ['not_found', 'conflict'],
      handler: async ({ params }) => catalog.publishProduct(params.slug),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/products/:slug/deprecate',
      operationId: 'deprecateProduct',
      summary: 'Deprecate a product: no new subscriptions; subscribers are notified (operators)',
      tags: ['catalogue', 'admin'],
      auth: 'operator',
      params: slugParams,
      body: noteBody,
      response: productSchema,
      errors: ['not_found', 'conflict'],
      handler: async ({ params, body }) => catalog.deprecateProduct(params.slug, body.note ?? null),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/products/:slug/retire',
      operationId: 'retireProduct',
      summary: 'Retire a product: subscriptions end, calls are refused; subscribers are notified (operators)',
      tags: ['catalogue', 'admin'],
      auth: 'operator',
      params: slugParams,
      body: noteBody,
      response: productSchema,
      errors: ['not_found', 'conflict'],
      handler: async ({ params, body }) => catalog.retireProduct(params.slug, body.note ?? null),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/products/:slug/plans',
      operationId: 'createPlan',
      summary: 'Add a plan to a product (operators)',
      tags: ['catalogue', 'admin'],
      auth: 'operator',
      params: slugParams,
      body: planInputSchema,
      response: planSchema,
      status: 201,
      errors: ['not_found', 'already_exists'],
      handler: async ({ params, body }) => catalog.createPlan(params.slug, body),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/admin/plans/:planId',
      operationId: 'updatePlan',
      summary: "Change a plan's limits (operators; gateways pick it up at once)",
      tags: ['catalogue', 'admin'],
      auth: 'operator',
      params: z.strictObject({ planId: z.string().max(40) }),
      body: planPatchSchema,
      response: planSchema,
      errors: ['not_found', 'already_exists'],
      handler: async ({ params, body }) => catalog.updatePlan(params.planId, body),
    }),
  ];
}

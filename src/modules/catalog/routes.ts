import { implement } from '../../platform/http/contract.ts';
import type { CatalogService } from './catalog-service.ts';
import { catalogContracts } from './contracts.ts';

export function catalogRoutes(catalog: CatalogService) {
  return implement(catalogContracts, {
    listCatalogs: async () => ({ provider: catalog.provider, items: catalog.listCatalogs() }),
    listProducts: async ({ principal, query }) => ({
      items: await catalog.listProducts({ includeAll: query.all === 'true' && !!principal?.isOperator }),
    }),
    getProduct: async ({ params, principal }) =>
      catalog.getProduct(params.slug, { includeAll: !!principal?.isOperator }),
    getApiDocument: async ({ params, principal }) =>
      catalog.getApiDocument(params.slug, params.apiId, { includeAll: !!principal?.isOperator }),
    createProduct: async ({ body }) => catalog.upsertProduct(body),
    addApiVersion: async ({ params, body }) => {
      const p = await catalog.getProduct(params.slug, { includeAll: true });
      return catalog.upsertProduct({ slug: p.slug, name: p.name, description: p.description, apis: [body] });
    },
    publishProduct: async ({ params }) => catalog.publishProduct(params.slug),
    deprecateProduct: async ({ params, body }) => catalog.deprecateProduct(params.slug, body.note ?? null),
    retireProduct: async ({ params, body }) => catalog.retireProduct(params.slug, body.note ?? null),
    createPlan: async ({ params, body }) => catalog.createPlan(params.slug, body),
    updatePlan: async ({ params, body }) => catalog.updatePlan(params.planId, body),
  });
}

import { implement } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import { catalogAuditActions } from './audit-actions.ts';
import type { CatalogService } from './catalog-service.ts';
import { catalogContracts } from './contracts.ts';

/**
 * The catalogue's routes. Every operator change is audited once, after it succeeded (the catalogue
 * service has no transaction to share), with the product (by slug) or plan as its target.
 */
export function catalogRoutes(catalog: CatalogService, log: AuditLog) {
  const audit = auditTrail(log, catalogAuditActions);
  return implement(catalogContracts, {
    listCatalogs: async () => ({ provider: catalog.provider, items: catalog.listCatalogs() }),
    listProducts: async ({ principal, query }) => ({
      items: await catalog.listProducts({ includeAll: query.all === 'true' && !!principal?.isOperator }),
    }),
    getProduct: async ({ params, principal }) =>
      catalog.getProduct(params.slug, { includeAll: !!principal?.isOperator }),
    getApiDocument: async ({ params, principal }) =>
      catalog.getApiDocument(params.slug, params.apiId, { includeAll: !!principal?.isOperator }),
    createProduct: async (ctx) => {
      const p = await catalog.upsertProduct(ctx.body);
      await audit(contextOf(ctx), 'product.saved', { type: 'product', id: p.slug });
      return p;
    },
    addApiVersion: async (ctx) => {
      const p = await catalog.getProduct(ctx.params.slug, { includeAll: true });
      const saved = await catalog.upsertProduct({
        slug: p.slug,
        name: p.name,
        description: p.description,
        apis: [ctx.body],
      });
      await audit(contextOf(ctx), 'product.api_added', { type: 'product', id: p.slug });
      return saved;
    },
    publishProduct: async (ctx) => {
      const p = await catalog.publishProduct(ctx.params.slug);
      await audit(contextOf(ctx), 'product.published', { type: 'product', id: p.slug });
      return p;
    },
    deprecateProduct: async (ctx) => {
      const p = await catalog.deprecateProduct(ctx.params.slug, ctx.body.note ?? null);
      await audit(contextOf(ctx), 'product.deprecated', { type: 'product', id: p.slug });
      return p;
    },
    retireProduct: async (ctx) => {
      const p = await catalog.retireProduct(ctx.params.slug, ctx.body.note ?? null);
      await audit(contextOf(ctx), 'product.retired', { type: 'product', id: p.slug });
      return p;
    },
    createPlan: async (ctx) => {
      const plan = await catalog.createPlan(ctx.params.slug, ctx.body);
      await audit(contextOf(ctx), 'plan.created', { type: 'plan', id: plan.id });
      return plan;
    },
    updatePlan: async (ctx) => {
      const plan = await catalog.updatePlan(ctx.params.planId, ctx.body);
      await audit(contextOf(ctx), 'plan.updated', { type: 'plan', id: plan.id });
      return plan;
    },
  });
}

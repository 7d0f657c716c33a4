import type { Seeder } from '../../platform/module.ts';
import type { CatalogService, PlanInput } from './catalog-service.ts';

/**
 * Base catalogue: the sandbox products, each with the one plan seen on 1LINK ("Default Plan – 100
 * calls per hour"), a higher tier and an approval-only plan, published. Idempotent: existing
 * products get their documents refreshed; existing plans are left as operators changed them.
 *
 * The products and their OpenAPI documents are given by the caller: the root (src/seed.ts) gives
 * the sandbox's `sandboxProducts` (exported by its face); an empty list stands for the shells below.
 */
export type SeedProduct = {
  slug: string;
  name: string;
  description: string;
  openapi: Record<string, unknown>;
};

const op = (operationId: string, summary: string) => ({
  post: {
    operationId,
    summary,
    requestBody: { content: { 'application/json': { schema: { type: 'object' } } } },
    responses: { '200': { description: 'OK' } },
  },
});
const doc = (title: string, paths: Record<string, unknown>) => ({
  openapi: '3.1.0',
  info: { title, version: '1.0.0' },
  paths,
});

export const shellProducts: SeedProduct[] = [
  {
    slug: 'ibft',
    name: 'IBFT',
    description: 'Interbank funds transfer: fetch the title of an account, then move funds to it.',
    openapi: doc('IBFT REST', {
      '/path-1': op('ibftTitleFetch', 'Title fetch'),
      '/funds-transfer-rest-service/path-1': op('ibftFundsTransfer', 'Funds transfer'),
      '/funds-transfer-rest-service/status-inquiry': op('ibftStatusInquiry', 'Transfer status inquiry'),
      '/funds-transfer-rest-service/reversal': op('ibftReversal', 'Transfer reversal'),
    }),
  },
  {
    slug: 'bills',
    name: '1Bill',
    description: 'Bill inquiry, payment and void for billers on the network.',
    openapi: doc('1Bill REST', {
      '/bill-inquiry-rest-service/billinquiry': op('billInquiry', 'Bill inquiry'),
      '/bill-payment-rest-service/billpayment': op('billPayment', 'Bill payment'),
      '/void-bill-payment-rest-service/voidbillpayment': op('voidBillPayment', 'Void bill payment'),
    }),
  },
  {
    slug: '1pay',
    name: '1PAY',
    description: 'Alias directory: pay someone by a nickname, mobile number or CNIC instead of an account.',
    openapi: doc('Alias REST', {}),
  },
];

export const DEFAULT_PLAN_NAME = 'Default Plan – 100 calls per hour';
export const GROWTH_PLAN_NAME = 'Growth – 50 calls per second';
export const PARTNER_PLAN_NAME = 'Partner – by approval';

const seedPlans: PlanInput[] = [
  {
    name: DEFAULT_PLAN_NAME,
    description: 'The plan every new app starts on.',
    rateLimits: [{ period: 'hour', limit: 100 }],
    burst: 10,
    endUserCap: { limit: 1000, period: 'month' },
  },
  {
    name: GROWTH_PLAN_NAME,
    description: 'For integrations in active testing with realistic traffic.',
    rateLimits: [
      { period: 'second', limit: 50 },
      { period: 'day', limit: 500_000 },
    ],
    burst: 100,
    quotaMonth: 5_000_000,
    endUserCap: { limit: 50_000, period: 'month' },
  },
  {
    name: PARTNER_PLAN_NAME,
    description: 'High-volume access for partners; an operator reviews every subscription.',
    rateLimits: [{ period: 'second', limit: 200 }],
    burst: 400,
    quotaDay: 2_000_000,
    approvalRequired: true,
  },
];

export async function seedCatalog(
  catalog: CatalogService,
  products: readonly SeedProduct[],
): Promise<string | undefined> {
  const list = products.length > 0 ? products : shellProducts;
  const created: string[] = [];
  let sort = 10;
  for (const p of list) {
    const existed = await catalog.findProduct(p.slug);
    if (existed?.status === 'retired') continue;
    // An existing product keeps the name and description operators may have edited; its API
    // document is refreshed from the sandbox.
    await catalog.upsertProduct(
      {
        slug: p.slug,
        name: existed?.name ?? p.name,
        description: existed?.description ?? p.description,
        apis: [{ openapi: p.openapi }],
      },
      { sort },
    );
    sort += 10;
    if (!existed) created.push(p.slug);
    let planSort = 10;
    for (const plan of seedPlans) {
      if (!(await catalog.findPlanByName(p.slug, plan.name))) {
        await catalog.createPlan(p.slug, plan, { sort: planSort });
      }
      planSort += 10;
    }
    const now = await catalog.findProduct(p.slug);
    if (now?.status === 'draft') await catalog.publishProduct(p.slug);
  }
  return created.length ? `products ${created.join(', ')}` : undefined;
}

/** Base seeder; `products` is the sandbox's list, given by the root. */
export const catalogSeeder: Seeder<{ catalog: CatalogService; products: readonly SeedProduct[] }> = {
  name: 'catalog',
  demo: false,
  run: async ({ catalog, products }) => seedCatalog(catalog, products),
};

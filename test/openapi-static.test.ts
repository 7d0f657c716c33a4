import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedCatalog } from '../src/modules/catalog/index.ts';
import { sandboxProducts } from '../src/modules/sandbox/index.ts';
import { portalOpenApi } from '../src/portal-openapi.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

/**
 * scripts/lint-openapi.ts lints documents built without starting anything (the portal's from the
 * modules' contracts, the products' from the sandbox's static list). They must be the documents the
 * running program serves, or the lint would check something nobody sees.
 */
describe('the OpenAPI documents built statically are the ones the app serves', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem({ env: { PUBLIC_URL: 'https://portal.example.com' } });
  });
  after(() => sys.cleanup());

  test('the portal document (/api/v1/openapi.json) equals portalOpenApi of the same public URL', async () => {
    const served = await sys.app.inject({ url: '/api/v1/openapi.json' });
    assert.equal(served.statusCode, 200);
    const built = JSON.parse(JSON.stringify(portalOpenApi('https://portal.example.com')));
    assert.deepEqual(served.json(), built);
  });

  test("each product the seeded catalogue lists is a sandbox product, served with the sandbox's document", async () => {
    await seedCatalog(sys.services.catalog, sandboxProducts);
    const products = await sys.app.inject({ url: '/api/v1/products' });
    assert.equal(products.statusCode, 200);
    const slugs = (products.json() as { items: Array<{ slug: string }> }).items.map((p) => p.slug);
    assert.deepEqual(
      slugs,
      sandboxProducts.map((p) => p.slug),
    );
    for (const p of sandboxProducts) {
      const res = await sys.app.inject({ url: `/api/v1/sandbox/products/${p.slug}/openapi.json` });
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), JSON.parse(JSON.stringify(p.openapi)));
    }
  });
});

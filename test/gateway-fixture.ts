import { randomBytes } from 'node:crypto';
import { type Config, loadConfig } from '../src/config.ts';
import { createInfrastructure, createSystem, type Infrastructure, type System } from '../src/main.ts';
import { type CatalogService, seedCatalog } from '../src/modules/catalog/index.ts';
import { sandboxProducts } from '../src/modules/sandbox/index.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { appWithToken } from './apps-helpers.ts';
import type { TestSystem } from './harness.ts';

/**
 * Prepares, in the database a `darwaza serve` child will open (same env), a confirmed organisation
 * with one app on a new IBFT plan with the given hourly limit, and a bearer token for it; then
 * closes its own system so the child processes own the database.
 */
export async function gatewayApp(
  env: Record<string, string>,
  hourlyLimit: number,
): Promise<{ clientId: string; token: string }> {
  const config = loadConfig({ ...env, PUBLIC_URL: 'http://127.0.0.1:3000' });
  const system = await createSystem(createInfrastructure(config));
  const sys = system as unknown as TestSystem;
  try {
    await seedCatalog(system.services.catalog, sandboxProducts);
    const plan = await system.services.catalog.createPlan('ibft', {
      name: `Test plan ${randomBytes(3).toString('hex')}`,
      rateLimits: [{ period: 'hour', limit: hourlyLimit }],
    });
    const { clientId, token } = await appWithToken(sys, plan.id);
    return { clientId, token };
  } finally {
    await system.app.close();
    await system.shutdown();
  }
}

/** One IBFT title fetch through a gateway at `baseUrl`, body read; returns the HTTP status. */
export async function titleFetch(
  baseUrl: string,
  app: { clientId: string; token: string },
  requestId: string,
): Promise<number> {
  const res = await fetch(`${baseUrl}/darwaza/sandbox/path-1`, {
    method: 'POST',
    headers: {
      'x-ibm-client-id': app.clientId,
      authorization: `Bearer ${app.token}`,
      'content-type': 'application/json',
      'x-request-id': requestId,
    },
    body: JSON.stringify(ibftBody()),
  });
  await res.arrayBuffer();
  return res.status;
}

/**
 * A system of `config`'s role (a gateway, for the benchmarks) with a confirmed organisation's app on
 * a new IBFT plan and a bearer token for it. A gateway role serves neither the portal API nor (a
 * worker) the token endpoint, so the app and token are made first by a system of role `all` on the
 * same SQLite data (DATA_DIR, master key), which is then closed, as an operator's portal would.
 */
export async function systemWithApp(
  config: Config,
  plan: Parameters<CatalogService['createPlan']>[1],
  overrides: Partial<Infrastructure> = {},
): Promise<{ system: System; app: { orgId: string; appId: string; clientId: string; token: string } }> {
  const setup = await createSystem(createInfrastructure({ ...config, role: 'all', redisUrl: undefined }));
  let app: { orgId: string; appId: string; clientId: string; token: string };
  try {
    await seedCatalog(setup.services.catalog, sandboxProducts);
    const created = await setup.services.catalog.createPlan('ibft', plan);
    const { orgId, appId, clientId, token } = await appWithToken(setup as unknown as TestSystem, created.id);
    app = { orgId, appId, clientId, token };
  } finally {
    await setup.app.close();
    await setup.shutdown();
  }
  return { system: await createSystem(createInfrastructure(config, overrides)), app };
}

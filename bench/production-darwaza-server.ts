import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.ts';
import { createInfrastructure, createSystem } from '../src/main.ts';
import { seedCatalog } from '../src/modules/catalog/index.ts';
import { sandboxProducts } from '../src/modules/sandbox/index.ts';
import { systemContext } from '../src/platform/request-context.ts';
import { createApp, passProductionGate, tokenCall } from '../test/apps-helpers.ts';
import type { TestSystem } from '../test/harness.ts';
import { activeUser, testOrganization } from '../test/identity-helpers.ts';
import type { DarwazaSetup } from './production-darwaza.ts';

/**
 * The child process of row (d) (production-darwaza.ts). `prepare <dataDir> <upstreamUrl>` makes
 * the run's data and sends {setup}; `serve <dataDir>` runs the gateway (role gateway, SQLite under
 * dataDir, usage rows by the worker thread, as in `darwaza bench`) and sends {ready: {port}}; it
 * stops gracefully on SIGTERM. Errors are sent as {error}.
 */
const [mode, dataDir, upstreamUrl] = process.argv.slice(2);
const send = (m: unknown) => process.send?.(m);

function configFor(role: 'all' | 'gateway') {
  return loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ROLE: role,
    PUBLIC_URL: 'http://127.0.0.1:3000',
  });
}

/**
 * As an operator and a developer would: a confirmed organisation's app subscribed to IBFT on a plan
 * whose budget the run never reaches (limits checked and charged on every call, never refusing), its
 * production access requested and approved, a production secret and a production access token
 * (client credentials at the production catalog's token endpoint), and the IBFT product's upstream
 * pointed at the run's upstream.
 */
async function prepare(): Promise<DarwazaSetup> {
  const config = configFor('all');
  const system = await createSystem(createInfrastructure(config));
  const sys = system as unknown as TestSystem;
  try {
    await seedCatalog(system.services.catalog, sandboxProducts);
    const plan = await system.services.catalog.createPlan('ibft', {
      name: 'Production benchmark plan',
      rateLimits: [
        { period: 'second', limit: 1_000_000 },
        { period: 'hour', limit: 1_000_000_000 },
      ],
      quotaDay: 1_000_000_000,
    });
    const owner = await activeUser(sys);
    const orgId = await testOrganization(sys, owner, { confirmed: true });
    const app = await createApp(sys, owner, orgId, { planId: plan.id });
    passProductionGate(sys);
    const ctx = systemContext('bench');
    const apps = system.services.apps;
    const asked = await apps.requestProductionAccess(orgId, app.appId, app.productId as string, null, ctx);
    await apps.decideProductionAccess(asked.id, true, null, ctx);
    const secret = await system.services.apps.createProductionSecret(orgId, app.appId, {}, ctx);
    const t = await tokenCall(
      sys,
      {
        grant_type: 'client_credentials',
        client_id: secret.clientId,
        client_secret: secret.clientSecret,
        scope: '1LinkApi',
      },
      { catalog: 'production' },
    );
    if (t.status !== 200) throw new Error(`production token: ${t.status} ${JSON.stringify(t.body)}`);
    await system.services.upstreams.update('ibft', { baseUrl: upstreamUrl }, ctx);
    return {
      dataDir,
      client: { clientId: secret.clientId, token: t.body.access_token },
      provider: config.gatewayProvider,
      path: `/${config.gatewayProvider}/production/path-1`,
    };
  } finally {
    await system.app.close();
    await system.shutdown();
  }
}

async function serve(): Promise<{ port: number }> {
  const system = await createSystem(createInfrastructure(configFor('gateway')));
  await system.app.listen({ port: 0, host: '127.0.0.1' });
  const stop = () =>
    void system.app
      .close()
      .then(() => system.shutdown())
      .finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  return { port: (system.app.server.address() as AddressInfo).port };
}

try {
  if (mode === 'prepare') send({ setup: await prepare() });
  else if (mode === 'serve') send({ ready: await serve() });
  else throw new Error(`unknown mode ${mode}`);
} catch (err) {
  send({ error: (err as Error).stack ?? String(err) });
  process.exit(1);
}

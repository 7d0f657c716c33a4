import type { AddressInfo } from 'node:net';
import { loadConfig } from '../src/config.ts';
import { createInfrastructure, createSystem } from '../src/main.ts';
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

async function prepare(): Promise<DarwazaSetup> {
  void upstreamUrl;
  throw new Error(
    "Darwaza's production path (issue 35: an upstream per product, production credentials) is not in this build yet",
  );
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

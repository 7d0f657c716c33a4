import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, roles } from '../config.ts';
import { devMailboxMode, devMailboxStartNote } from '../modules/notifications/index.ts';
import type { DatabaseLocation } from '../platform/db/database.ts';
import { writeInstanceSettings } from '../platform/instance.ts';
import { acquireServeLock, type ServeLock, ServeLockHeldError } from '../platform/serve-lock.ts';
import { MemorySharedState } from '../platform/shared-state/memory-shared-state.ts';
import { restoreLimitState, saveLimitState } from '../platform/shared-state/state-snapshot.ts';
import { buildWeb, webBuildIsStale } from '../platform/web-build.ts';
import { seedDemo } from '../seed.ts';
import { version } from '../version.ts';
import { type CliCommand, configOrExit, fail } from './command.ts';
import { openSystem } from './open-system.ts';
import { startDevelopmentUpstream } from './upstream.ts';

/**
 * One serving process per database while rate limits live in memory (ADR 0006): the lock, or one
 * line naming REDIS_URL and exit code 3 when another server holds it.
 */
async function serveLockOrExit(config: Config): Promise<ServeLock> {
  let where: string;
  let location: DatabaseLocation;
  if (config.databaseUrl) {
    const u = new URL(config.databaseUrl);
    where = `postgres://${u.hostname}:${u.port || 5432}${u.pathname}`;
    location = { engine: 'postgres', url: config.databaseUrl };
  } else {
    where = `DATA_DIR ${resolve(config.dataDir)}`;
    location = { engine: 'sqlite', file: resolve(config.dataDir, 'darwaza.db') };
  }
  try {
    return await acquireServeLock(location, where);
  } catch (err) {
    if (err instanceof ServeLockHeldError) {
      fail(
        `another darwaza serve is already running on ${where}; without REDIS_URL the rate limits live in that process, so it must be the only one (docs/adr/0006-embedded-single-process.md): stop it, or set REDIS_URL for every process so they share one budget`,
        3,
      );
    }
    const what = config.databaseUrl ? 'cannot reach the database at' : 'cannot take the serve lock on';
    fail(`${what} ${where}: ${(err as Error).message}`, 3);
  }
}

export const serveCommand: CliCommand = {
  name: 'serve',
  summary: 'Run the server (portal, gateway, sandbox and workers; or one role)',
  usage: `darwaza serve [--role all|portal|gateway|worker] [--no-seed]

Serves on HOST:PORT (default 127.0.0.1:3000). With no DATABASE_URL it keeps an SQLite file under
DATA_DIR and seeds the demo on first start. Stops gracefully on SIGTERM/SIGINT.

Without REDIS_URL the rate limits live in this process: it must be the only server on its
database (a second one refuses to start), and it saves them at a graceful stop for the next start.`,
  async run(args) {
    const { values } = parseArgs({
      args,
      options: { role: { type: 'string' }, 'no-seed': { type: 'boolean' } },
      allowPositionals: false,
    });
    if (values.role && !(roles as readonly string[]).includes(values.role)) {
      fail(`--role must be one of ${roles.join(', ')} (got "${values.role}")`, 2);
    }
    if (values.role) process.env.ROLE = values.role;
    const config = configOrExit();
    // Taken before anything else, so that a second server refuses at once and changes nothing.
    const lock = config.redisUrl ? null : await serveLockOrExit(config);
    const webRoot = resolve(import.meta.dirname, '..', '..', 'web');
    if ((config.role === 'all' || config.role === 'portal') && webBuildIsStale(webRoot)) {
      process.stderr.write('darwaza: building the web app (first start or sources changed)…\n');
      await buildWeb(webRoot);
    }
    const system = await openSystem(config);
    if (system.services.gateway) {
      // The admin CLI prints these (gatewayBaseUrl), not what its own environment would compute.
      const urls = Object.fromEntries(system.services.catalog.listCatalogs().map((c) => [c.name, c.baseUrl]));
      await writeInstanceSettings(
        system.database.db,
        { gateway_base_urls: JSON.stringify(urls) },
        new Date(system.clock.nowMs()).toISOString(),
      );
    }
    // A restart inside a window keeps its count (state-snapshot.ts).
    if (system.sharedState instanceof MemorySharedState) {
      const restored = await restoreLimitState(system.database.db, system.sharedState);
      if (restored > 0) system.log.info({ restored }, 'rate-limit state of the last stop restored');
    }
    const seed = config.seedDemo ?? !values['no-seed'];
    if (seed) {
      const r = await seedDemo(system, { onlyIfEmpty: true });
      if (r.created) process.stderr.write(`darwaza: seeded the demo (${r.summary})\n`);
    }
    // The simulated production upstream the demo seed points the products at (development only).
    const upstream =
      config.nodeEnv === 'development' && config.role === 'all' && config.upstreamSimPort > 0
        ? startDevelopmentUpstream(config.upstreamSimPort)
        : null;
    let stopping = false;
    const stop = async (signal: string) => {
      if (stopping) return;
      stopping = true;
      system.log.info({ signal }, 'shutting down');
      const force = setTimeout(() => {
        system.log.error('shutdown took longer than 4.5 s; exiting');
        process.exit(1);
      }, 4500);
      force.unref();
      try {
        await system.app.close();
        // No call is in flight any more: the limit state is final.
        if (system.sharedState instanceof MemorySharedState) {
          const saved = await saveLimitState(system.database.db, system.sharedState).catch((err) => {
            system.log.error(
              { err },
              'rate-limit state not saved; the next start restores the previous snapshot',
            );
            return 0;
          });
          system.log.info({ saved }, 'rate-limit state saved');
        }
        await system.shutdown();
        await upstream?.stop();
        await lock?.release();
        process.exit(0);
      } catch (err) {
        system.log.error({ err }, 'error during shutdown');
        process.exit(1);
      }
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    await system.app.listen({ port: config.port, host: config.host });
    // The start line says plainly whether the development mailbox (reset links!) is exposed.
    const mailbox = devMailboxStartNote(devMailboxMode(config), config);
    // A gateway's callers use its own public URL; every other role is reached at the portal's.
    const url = config.role === 'gateway' ? config.gatewayPublicUrl : config.publicUrl;
    process.stderr.write(
      `darwaza ${version}: ${config.role} on ${url} (${system.database.dialect}, ${system.sharedState.kind} state)${mailbox}\n`,
    );
    return -1;
  },
};

import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig, roles } from './config.ts';
import {
  createInfrastructure,
  createSystem,
  errorCatalogue,
  type Infrastructure,
  migrate,
  type System,
} from './main.ts';
import { devMailboxMode, devMailboxStartNote } from './modules/notifications/dev-mailbox.ts';
import type { DatabaseLocation } from './platform/db/database.ts';
import { AppError, errorAnswer } from './platform/errors.ts';
import { keyFingerprint, readInstanceSettings, writeInstanceSettings } from './platform/instance.ts';
import { createKeyring, existingMasterKey } from './platform/master-key.ts';
import { acquireServeLock, type ServeLock, ServeLockHeldError } from './platform/serve-lock.ts';
import { MemorySharedState } from './platform/shared-state/memory-shared-state.ts';
import { restoreLimitState, saveLimitState } from './platform/shared-state/state-snapshot.ts';
import { buildWeb, webBuildIsStale } from './platform/web-build.ts';
import { seedDemo } from './seed.ts';
import { version } from './version.ts';

/**
 * darwaza serve | migrate | seed | version | admin … | bench. Every command prints `--help`; errors
 * are one readable line on stderr and a non-zero exit code.
 */
type Command = { summary: string; usage: string; run(args: string[]): Promise<number> };

const commands: Record<string, Command> = {};

export function registerCommand(name: string, cmd: Command): void {
  commands[name] = cmd;
}

function fail(message: string, code = 1): never {
  process.stderr.write(`darwaza: ${message}\n`);
  process.exit(code);
}

export function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) fail(err.message, 2);
    throw err;
  }
}

function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function progress(label: string) {
  return (name: string, i: number, total: number) => {
    process.stderr.write(`  ${label} [${i}/${total}] ${name}\n`);
  };
}

/**
 * How a command treats the database and master key it finds. `set-up` (serve, migrate, seed) may
 * create the SQLite file and the key, and records the key's fingerprint on first use; `existing`
 * (the admin CLI) creates neither and refuses, in one line naming the setting to fix, a database
 * that is missing or was set up with another master key (src/platform/instance.ts says why).
 * Both refuse a key other than the one the database was set up with.
 */
export type OpenMode = 'set-up' | 'existing';

function infrastructureFor(config: Config, mode: OpenMode): Infrastructure {
  if (mode === 'set-up') return createInfrastructure(config);
  if (!config.databaseUrl) {
    const file = resolve(config.dataDir, 'darwaza.db');
    if (!existsSync(file)) {
      fail(
        `no database at ${file}: set DATA_DIR to the server's data directory (only darwaza serve, migrate or seed create one)`,
        3,
      );
    }
  }
  const key = existingMasterKey(config);
  if (!key) {
    fail(
      `no master key: ${resolve(config.dataDir, 'master.key')} does not exist and MASTER_KEY is unset; set DATA_DIR or MASTER_KEY to the server's (only darwaza serve, migrate or seed create a key)`,
      3,
    );
  }
  return createInfrastructure(config, { keyring: createKeyring(key) });
}

/** Pings, checks the key against the database's record, migrates, records the key on first use. */
async function prepareDatabase(infra: Infrastructure, mode: OpenMode): Promise<{ applied: string[] }> {
  const where = infra.database.describe;
  try {
    await infra.database.ping();
  } catch (err) {
    fail(`cannot reach the database at ${where}: ${(err as Error).message}`, 3);
  }
  const fingerprint = keyFingerprint(infra.keyring);
  const recorded = (await readInstanceSettings(infra.database.db))?.key_fingerprint;
  if (recorded !== undefined && recorded !== fingerprint) {
    fail(
      `the master key is not the one ${where} was set up with: set MASTER_KEY, or DATA_DIR (DATA_DIR/master.key), to the server's`,
      3,
    );
  }
  if (recorded === undefined && mode === 'existing') {
    const setting = infra.config.databaseUrl ? 'DATABASE_URL' : 'DATA_DIR';
    fail(
      `${where} was never set up by darwaza serve, migrate or seed (no master key fingerprint): set ${setting} to the server's, or run darwaza migrate once with the server's ${setting} and MASTER_KEY`,
      3,
    );
  }
  const r = await migrate(infra, progress('migrate'));
  if (recorded === undefined) {
    await writeInstanceSettings(
      infra.database.db,
      { key_fingerprint: fingerprint },
      new Date(infra.clock.nowMs()).toISOString(),
    );
  }
  return r;
}

/** Opens infrastructure and checks the database answers, with a readable line when it does not. */
export async function openSystem(config: Config, mode: OpenMode = 'set-up'): Promise<System> {
  const infra = infrastructureFor(config, mode);
  await prepareDatabase(infra, mode);
  if (infra.sharedState.kind === 'redis') {
    const redis = infra.sharedState as unknown as { ready(ms: number): Promise<void> };
    try {
      await redis.ready(5000);
    } catch (err) {
      fail(`${(err as Error).message}; check REDIS_URL or unset it for single-process mode`, 3);
    }
  }
  return createSystem(infra, { migrate: false });
}

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

registerCommand('serve', {
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
    const webRoot = resolve(import.meta.dirname, '..', 'web');
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
});

registerCommand('migrate', {
  summary: 'Apply pending database migrations and exit',
  usage: 'darwaza migrate\n\nApplies every pending migration (SQLite under DATA_DIR, or DATABASE_URL).',
  async run() {
    const infra = createInfrastructure(configOrExit());
    const { applied } = await prepareDatabase(infra, 'set-up');
    process.stdout.write(`${applied.length} migration(s) applied on ${infra.database.describe}\n`);
    await infra.sharedState.close();
    await infra.database.close();
    return 0;
  },
});

registerCommand('seed', {
  summary: 'Load seed data (the demo with --demo)',
  usage: 'darwaza seed [--demo]\n\nBase data (terms, catalogue) always; --demo adds demo accounts and apps.',
  async run(args) {
    const { values } = parseArgs({ args, options: { demo: { type: 'boolean' } } });
    const system = await openSystem(configOrExit());
    const r = await seedDemo(system, { onlyIfEmpty: false, demo: values.demo ?? false });
    process.stdout.write(`${r.summary}\n`);
    await system.shutdown();
    return 0;
  },
});

registerCommand('version', {
  summary: 'Print the version',
  usage: 'darwaza version',
  async run() {
    process.stdout.write(`darwaza ${version} (node ${process.versions.node})\n`);
    return 0;
  },
});

function mainHelp(): string {
  const lines = Object.entries(commands).map(([n, c]) => `  ${n.padEnd(10)} ${c.summary}`);
  return `darwaza ${version}: developer portal, API sandbox and API gateway\n\nUsage: darwaza <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun darwaza <command> --help for a command's options.\n`;
}

export async function runCli(argv: string[]): Promise<void> {
  await import('./cli-commands.ts');
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp());
    return;
  }
  const cmd = commands[name];
  if (!cmd) fail(`unknown command "${name}"; run darwaza --help for the list`, 2);
  if (wantsHelp(rest)) {
    process.stdout.write(`${cmd.usage}\n`);
    return;
  }
  try {
    const code = await cmd.run(rest);
    if (code >= 0) process.exit(code);
  } catch (err) {
    const e = err as { code?: string; message: string };
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' || e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      fail(`${e.message}; run darwaza ${name} --help`, 2);
    }
    // An AppError without a message of its own says what its code means.
    fail(err instanceof AppError ? errorAnswer(errorCatalogue, err).message : e.message);
  }
}

// No top-level await: command modules import this file (registerCommand), and a dynamic import of a
// module that depends on a still-evaluating async module would wait for it forever.
if (import.meta.main) {
  runCli(process.argv.slice(2)).catch((err) => fail((err as Error).message));
}

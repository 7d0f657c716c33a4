import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Config, ConfigError, loadConfig, roles } from './config.ts';
import { createInfrastructure, createSystem, migrate, type System } from './main.ts';
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

/** Opens infrastructure and checks the database answers, with a readable line when it does not. */
export async function openSystem(config: Config): Promise<System> {
  const infra = createInfrastructure(config);
  try {
    await infra.database.ping();
  } catch (err) {
    fail(`cannot reach the database at ${infra.database.describe}: ${(err as Error).message}`, 3);
  }
  if (infra.sharedState.kind === 'redis') {
    const redis = infra.sharedState as unknown as { ready(ms: number): Promise<void> };
    try {
      await redis.ready(5000);
    } catch (err) {
      fail(`${(err as Error).message}; check REDIS_URL or unset it for single-process mode`, 3);
    }
  }
  await migrate(infra, progress('migrate'));
  return createSystem(infra, { migrate: false });
}

registerCommand('serve', {
  summary: 'Run the server (portal, gateway, sandbox and workers; or one role)',
  usage: `darwaza serve [--role all|portal|gateway|worker] [--no-seed]

Serves on HOST:PORT (default 127.0.0.1:3000). With no DATABASE_URL it keeps an SQLite file under
DATA_DIR and seeds the demo on first start. Stops gracefully on SIGTERM/SIGINT.`,
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
    const webRoot = resolve(import.meta.dirname, '..', 'web');
    if ((config.role === 'all' || config.role === 'portal') && webBuildIsStale(webRoot)) {
      process.stderr.write('darwaza: building the web app (first start or sources changed)…\n');
      await buildWeb(webRoot);
    }
    const system = await openSystem(config);
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
        await system.shutdown();
        process.exit(0);
      } catch (err) {
        system.log.error({ err }, 'error during shutdown');
        process.exit(1);
      }
    };
    process.on('SIGTERM', () => void stop('SIGTERM'));
    process.on('SIGINT', () => void stop('SIGINT'));
    await system.app.listen({ port: config.port, host: config.host });
    process.stderr.write(
      `darwaza ${version}: ${config.role} on ${config.publicUrl} (${system.database.dialect}, ${system.sharedState.kind} state)\n`,
    );
    return -1;
  },
});

registerCommand('migrate', {
  summary: 'Apply pending database migrations and exit',
  usage: 'darwaza migrate\n\nApplies every pending migration (SQLite under DATA_DIR, or DATABASE_URL).',
  async run() {
    const config = configOrExit();
    const infra = createInfrastructure(config);
    try {
      await infra.database.ping();
    } catch (err) {
      fail(`cannot reach the database at ${infra.database.describe}: ${(err as Error).message}`, 3);
    }
    const { applied } = await migrate(infra, progress('migrate'));
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
    fail(e.message);
  }
}

// No top-level await: command modules import this file (registerCommand), and a dynamic import of a
// module that depends on a still-evaluating async module would wait for it forever.
if (import.meta.main) {
  runCli(process.argv.slice(2)).catch((err) => fail((err as Error).message));
}

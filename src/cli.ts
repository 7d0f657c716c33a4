import { parseArgs } from 'node:util';
import { adminCommand } from './cli/admin.ts';
import { auditCommand } from './cli/audit.ts';
import { type CliCommand, configOrExit, fail } from './cli/command.ts';
import { exportCommand } from './cli/export.ts';
import { openSystem, prepareDatabase } from './cli/open-system.ts';
import { serveCommand } from './cli/serve.ts';
import { upstreamCommand } from './cli/upstream.ts';
import { createInfrastructure } from './main.ts';
import { errorCatalogue } from './modules.ts';
import { AppError, errorAnswer } from './platform/errors.ts';
import { seedDemo } from './seed.ts';
import { version } from './version.ts';

/**
 * darwaza serve | migrate | seed | version | admin … | audit verify | export key | export verify |
 * upstream, and the commands bin/darwaza.mjs adds from
 * outside src (bench). Every command prints `--help`; errors are one readable line on stderr and a
 * non-zero exit code.
 */

const migrateCommand: CliCommand = {
  name: 'migrate',
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
};

const seedCommand: CliCommand = {
  name: 'seed',
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
};

const versionCommand: CliCommand = {
  name: 'version',
  summary: 'Print the version',
  usage: 'darwaza version',
  async run() {
    process.stdout.write(`darwaza ${version} (node ${process.versions.node})\n`);
    return 0;
  },
};

/** The commands src holds, in the order `darwaza --help` lists them. */
const commands: readonly CliCommand[] = [
  serveCommand,
  migrateCommand,
  seedCommand,
  versionCommand,
  adminCommand,
  auditCommand,
  exportCommand,
  upstreamCommand,
];

function wantsHelp(args: string[]): boolean {
  return args.includes('--help') || args.includes('-h');
}

function mainHelp(all: readonly CliCommand[]): string {
  const lines = all.map((c) => `  ${c.name.padEnd(10)} ${c.summary}`);
  return `darwaza ${version}: developer portal, API sandbox and API gateway\n\nUsage: darwaza <command> [options]\n\nCommands:\n${lines.join('\n')}\n\nRun darwaza <command> --help for a command's options.\n`;
}

/** Runs one command line; `extra` are commands from outside src (bin/darwaza.mjs adds bench). */
export async function runCli(argv: string[], extra: readonly CliCommand[] = []): Promise<void> {
  const all = [...commands, ...extra];
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(mainHelp(all));
    return;
  }
  const cmd = all.find((c) => c.name === name);
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

if (import.meta.main) {
  runCli(process.argv.slice(2)).catch((err) => fail((err as Error).message));
}

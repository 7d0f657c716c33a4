import type { System } from '../main.ts';
import { appsModule } from '../modules/apps/index.ts';
import { identityCli } from '../modules/identity/index.ts';
import { organizationsCli } from '../modules/organizations/index.ts';
import { upstreamsModule } from '../modules/upstreams/index.ts';
import type { CliCommand as ModuleCliCommand } from '../platform/module.ts';
import { createApp } from './admin-create-app.ts';
import { createDeveloper } from './admin-create-developer.ts';
import { type CliCommand, configOrExit } from './command.ts';
import { openSystem } from './open-system.ts';

/**
 * `darwaza admin …`: operator tasks for automation and first setup. Every subcommand prints a
 * human-readable summary, or one JSON object with --json. A module's subcommands that need only
 * that module come from its face (they get its ports); those that need several modules are the
 * root's (src/cli/admin-*.ts, they get the whole system). Listed in this order in the help.
 */
function withPorts<P>(
  cmd: ModuleCliCommand<P>,
  ports: (services: System['services']) => P,
): ModuleCliCommand<System> {
  return {
    name: cmd.name,
    usage: cmd.usage,
    run: (args, open) => cmd.run(args, async () => ports((await open()).services)),
  };
}

const subcommands: ReadonlyArray<ModuleCliCommand<System>> = [
  ...identityCli.map((c) => withPorts(c, (s) => s)),
  ...organizationsCli.map((c) => withPorts(c, (s) => s)),
  createDeveloper,
  createApp,
  ...(appsModule.cli ?? []).map((c) => withPorts(c, (s) => s)),
  ...(upstreamsModule.cli ?? []).map((c) => withPorts(c, (s) => s)),
];

const usageOf = (
  list: ReadonlyArray<ModuleCliCommand<System>>,
) => `darwaza admin <subcommand> [options] [--json]

Subcommands:
${list.map((s) => s.usage).join('\n')}`;
const usage = usageOf(subcommands);
export const adminCommand: CliCommand = {
  name: 'admin',
  summary: `Operator tasks: ${subcommands.map((s) => s.name).join(', ')}`,
  usage,
  async run(args) {
    const [sub, ...rest] = args;
    const cmd = subcommands.find((s) => s.name === sub);
    if (!cmd) {
      process.stderr.write(`darwaza: unknown admin subcommand "${sub ?? ''}"\n\n${usage}\n`);
      return 2;
    }
    // The server's data and key or nothing: the admin CLI never creates a database or a key.
    const system = await openSystem(configOrExit(), 'existing');
    try {
      await cmd.run(rest, async () => system);
      return 0;
    } finally {
      await system.shutdown();
    }
  },
};

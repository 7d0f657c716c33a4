import { type Config, ConfigError, loadConfig } from '../config.ts';

/**
 * A `darwaza <name>` command as data: its line in `darwaza --help` (summary), its `--help` text
 * (usage) and what it does. `run` resolves to the exit code, or -1 to keep the process running
 * (serve). cli.ts lists the commands; bin/darwaza.mjs adds those that live outside src (bench).
 */
export type CliCommand = {
  name: string;
  summary: string;
  usage: string;
  run(args: string[]): Promise<number>;
};

/** One readable line on stderr and a non-zero exit code. */
export function fail(message: string, code = 1): never {
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

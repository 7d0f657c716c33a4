import { AppError } from '../platform/errors.ts';

/** How the root's admin subcommands print: human-readable lines, or one JSON object with --json. */
export function print(json: boolean, out: Record<string, unknown>, lines: string[]): void {
  process.stdout.write(json ? `${JSON.stringify(out)}\n` : `${lines.join('\n')}\n`);
}

/** A required flag's value, or a validation error naming the flag. */
export function need(v: string | undefined, flag: string): string {
  if (!v)
    throw new AppError('validation_failed', { message: `${flag} is required; run darwaza admin --help` });
  return v;
}

import { parseArgs } from 'node:util';
import { AppError } from '../../platform/errors.ts';
import { randomToken } from '../../platform/ids.ts';
import type { CliCommand } from '../../platform/module.ts';
import type { IdentityService } from './identity-service.ts';

/**
 * The identity module's `darwaza admin` subcommands (create-operator, approve-account): they need
 * only this module. Each prints a human-readable summary, or one JSON object with --json.
 * Operators must use TOTP, so create-operator always enrols an authenticator and prints its secret
 * and otpauth URL exactly once (there is deliberately no way to create an operator without a
 * second factor).
 */
type IdentityCliPorts = { identity: Pick<IdentityService, 'provisionUser' | 'approveAccountAsSystem'> };

function print(json: boolean, out: Record<string, unknown>, lines: string[]): void {
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
}

function need(v: string | undefined, flag: string): string {
  if (!v)
    throw new AppError('validation_failed', { message: `${flag} is required; run darwaza admin --help` });
  return v;
}

const createOperator: CliCommand<IdentityCliPorts> = {
  name: 'create-operator',
  usage: `  create-operator    --email E --name N [--password P]
                     Creates an active operator enrolled in TOTP; prints the TOTP secret and
                     otpauth URL once (and the password when generated).`,
  async run(args, open) {
    const { identity } = await open();
    const { values } = parseArgs({
      args,
      options: {
        email: { type: 'string' },
        name: { type: 'string' },
        password: { type: 'string' },
        json: { type: 'boolean' },
      },
    });
    const generated = values.password === undefined;
    const password = values.password ?? randomToken(15);
    const r = await identity.provisionUser({
      email: need(values.email, '--email'),
      name: need(values.name, '--name'),
      password,
      operator: true,
    });
    print(
      !!values.json,
      {
        userId: r.user.id,
        email: r.user.email,
        ...(generated ? { password } : {}),
        totpSecret: r.totpSecret,
        otpauthUrl: r.otpauthUrl,
      },
      [
        `operator ${r.user.email} created (${r.user.id})`,
        ...(generated ? [`password (shown once): ${password}`] : []),
        `TOTP secret (shown once; add it to an authenticator app): ${r.totpSecret}`,
        `otpauth URL: ${r.otpauthUrl}`,
      ],
    );
  },
};

const approveAccount: CliCommand<IdentityCliPorts> = {
  name: 'approve-account',
  usage: `  approve-account    --user <user id or e-mail>
                     Approves a pending (or not yet activated) account.`,
  async run(args, open) {
    const { identity } = await open();
    const { values } = parseArgs({ args, options: { user: { type: 'string' }, json: { type: 'boolean' } } });
    const u = await identity.approveAccountAsSystem(need(values.user, '--user'));
    print(!!values.json, { userId: u.id, email: u.email, status: u.status }, [
      `${u.email} (${u.id}) is ${u.status}`,
    ]);
  },
};

/** In the order `darwaza admin --help` lists them. */
export const identityCli: ReadonlyArray<CliCommand<IdentityCliPorts>> = [createOperator, approveAccount];

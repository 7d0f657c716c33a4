import { parseArgs } from 'node:util';
import { configOrExit, openSystem, registerCommand } from '../../cli.ts';
import type { System } from '../../main.ts';
import { AppError } from '../../platform/errors.ts';
import { randomToken } from '../../platform/ids.ts';

/**
 * `darwaza admin …`: operator tasks for automation and first setup. Every subcommand prints a
 * human-readable summary, or one JSON object with --json. Operators must use TOTP, so
 * create-operator always enrols an authenticator and prints its secret and otpauth URL exactly once
 * (there is deliberately no way to create an operator without a second factor).
 */
const usage = `darwaza admin <subcommand> [options] [--json]

Subcommands:
  create-operator    --email E --name N [--password P]
                     Creates an active operator enrolled in TOTP; prints the TOTP secret and
                     otpauth URL once (and the password when generated).
  approve-account    --user <user id or e-mail>
                     Approves a pending (or not yet activated) account.
  create-participant --name N [--code C] [--email-domain D] [--reviewer <user id or e-mail>]
                     Adds a corporate participant, optionally with a reviewer.
  create-developer   --email E --name N --org NAME [--password P] [--participant NAME] [--confirmed]
                     Creates an active developer. When organisation NAME does not exist it is created
                     with the developer as owner (naming --participant, default: the first one);
                     otherwise the developer joins it as a developer. --confirmed records the
                     participant's confirmation of the owner.`;

type Out = Record<string, unknown>;

function print(json: boolean, out: Out, lines: string[]): void {
  if (json) process.stdout.write(`${JSON.stringify(out)}\n`);
  else process.stdout.write(`${lines.join('\n')}\n`);
}

function need(v: string | undefined, flag: string): string {
  if (!v)
    throw new AppError('validation_failed', { message: `${flag} is required; run darwaza admin --help` });
  return v;
}

async function createOperator(system: System, args: string[]): Promise<void> {
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
  const r = await system.services.identity.provisionUser({
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
}

async function approveAccount(system: System, args: string[]): Promise<void> {
  const { values } = parseArgs({ args, options: { user: { type: 'string' }, json: { type: 'boolean' } } });
  const u = await system.services.identity.approveAccountAsSystem(need(values.user, '--user'));
  print(!!values.json, { userId: u.id, email: u.email, status: u.status }, [
    `${u.email} (${u.id}) is ${u.status}`,
  ]);
}

async function createParticipant(system: System, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      name: { type: 'string' },
      code: { type: 'string' },
      'email-domain': { type: 'string' },
      reviewer: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const orgs = system.services.organizations;
  const p = await orgs.createParticipant(
    null,
    {
      name: need(values.name, '--name'),
      code: values.code ?? null,
      emailDomain: values['email-domain'] ?? null,
    },
    {},
  );
  let reviewerId: string | null = null;
  if (values.reviewer)
    reviewerId = (await orgs.addParticipantReviewer(null, p.id, values.reviewer, {})).userId;
  print(!!values.json, { participantId: p.id, name: p.name, reviewerId }, [
    `participant ${p.name} created (${p.id})`,
    ...(reviewerId ? [`reviewer ${values.reviewer} (${reviewerId}) appointed`] : []),
  ]);
}

async function createDeveloper(system: System, args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      email: { type: 'string' },
      name: { type: 'string' },
      password: { type: 'string' },
      org: { type: 'string' },
      participant: { type: 'string' },
      confirmed: { type: 'boolean' },
      json: { type: 'boolean' },
    },
  });
  const orgName = need(values.org, '--org');
  const { identity, organizations } = system.services;
  const generated = values.password === undefined;
  const password = values.password ?? randomToken(15);
  // Check everything that can fail before creating the account.
  let org = await organizations.findOrganizationByName(orgName);
  const participant = org
    ? null
    : values.participant
      ? await organizations.findParticipantByName(values.participant)
      : (await organizations.listParticipants())[0];
  if (!org && !participant) {
    throw new AppError('unknown_participant', {
      message: values.participant
        ? `no participant named "${values.participant}"`
        : 'no participant exists yet; run darwaza admin create-participant first',
    });
  }
  const r = await identity.provisionUser({
    email: need(values.email, '--email'),
    name: need(values.name, '--name'),
    password,
  });
  const principal = {
    userId: r.user.id,
    sessionId: 'cli',
    email: r.user.email,
    name: r.user.name,
    isOperator: false,
    status: 'active',
  };
  let role = 'developer';
  if (org) {
    await organizations.addMemberAsSystem(org.id, r.user.id, 'developer');
  } else {
    const created = await organizations.createOrganization(
      principal,
      {
        name: orgName,
        registrationNumber: 'CLI-UNSET',
        participantId: participant!.id,
        attestAuthority: true,
      },
      {},
    );
    if (values.confirmed) await organizations.confirmRepresentativeAsSystem(created.id, r.user.id);
    org = await organizations.getOrganization(created.id);
    role = 'owner';
  }
  print(
    !!values.json,
    {
      userId: r.user.id,
      email: r.user.email,
      ...(generated ? { password } : {}),
      orgId: org!.id,
      orgName,
      role,
      representativeConfirmed: org!.representativeConfirmed,
    },
    [
      `developer ${r.user.email} created (${r.user.id})`,
      ...(generated ? [`password (shown once): ${password}`] : []),
      `${role} of ${orgName} (${org!.id})`,
    ],
  );
}

const subcommands: Record<string, (system: System, args: string[]) => Promise<void>> = {
  'create-operator': createOperator,
  'approve-account': approveAccount,
  'create-participant': createParticipant,
  'create-developer': createDeveloper,
};

const adminCommand = {
  summary: 'Operator tasks: create-operator, approve-account, create-participant, create-developer',
  usage,
  async run(args: string[]) {
    const [sub, ...rest] = args;
    const fn = sub ? subcommands[sub] : undefined;
    if (!fn) {
      process.stderr.write(`darwaza: unknown admin subcommand "${sub ?? ''}"\n\n${usage}\n`);
      return 2;
    }
    // The server's data and key or nothing: the admin CLI never creates a database or a key.
    const system = await openSystem(configOrExit(), 'existing');
    try {
      await fn(system, rest);
      return 0;
    } finally {
      await system.shutdown();
    }
  },
};
registerCommand('admin', adminCommand);

/**
 * Other modules add `darwaza admin <name>` subcommands here (from their own CLI file, imported by
 * cli-commands.ts); `help` is appended to the usage text.
 */
export function registerAdminSubcommand(
  name: string,
  help: string,
  fn: (system: System, args: string[]) => Promise<void>,
): void {
  subcommands[name] = fn;
  adminCommand.usage += `\n${help}`;
  adminCommand.summary += `, ${name}`;
}

import { parseArgs } from 'node:util';
import { AppError } from '../../platform/errors.ts';
import type { CliCommand } from '../../platform/module.ts';
import { systemContext } from '../../platform/request-context.ts';
import type { OrganizationService } from './organization-service.ts';

/**
 * The organizations module's `darwaza admin` subcommand (create-participant): it needs only this
 * module. Prints a human-readable summary, or one JSON object with --json.
 */
type OrganizationsCliPorts = {
  organizations: Pick<OrganizationService, 'createParticipant' | 'addParticipantReviewer'>;
};

function need(v: string | undefined, flag: string): string {
  if (!v)
    throw new AppError('validation_failed', { message: `${flag} is required; run darwaza admin --help` });
  return v;
}

const createParticipant: CliCommand<OrganizationsCliPorts> = {
  name: 'create-participant',
  usage: `  create-participant --name N [--code C] [--email-domain D] [--reviewer <user id or e-mail>]
                     Adds a corporate participant, optionally with a reviewer.`,
  async run(args, open) {
    const { organizations: orgs } = await open();
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
    // Audited as the system, as before (no id: the trail's rows stay as they were).
    const ctx = systemContext();
    const p = await orgs.createParticipant(
      {
        name: need(values.name, '--name'),
        code: values.code ?? null,
        emailDomain: values['email-domain'] ?? null,
      },
      ctx,
    );
    let reviewerId: string | null = null;
    if (values.reviewer) reviewerId = (await orgs.addParticipantReviewer(p.id, values.reviewer, ctx)).userId;
    const out = { participantId: p.id, name: p.name, reviewerId };
    const lines = [
      `participant ${p.name} created (${p.id})`,
      ...(reviewerId ? [`reviewer ${values.reviewer} (${reviewerId}) appointed`] : []),
    ];
    process.stdout.write(values.json ? `${JSON.stringify(out)}\n` : `${lines.join('\n')}\n`);
  },
};

export const organizationsCli: ReadonlyArray<CliCommand<OrganizationsCliPorts>> = [createParticipant];

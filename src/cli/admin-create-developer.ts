import { parseArgs } from 'node:util';
import type { System } from '../main.ts';
import { AppError } from '../platform/errors.ts';
import { randomToken } from '../platform/ids.ts';
import type { CliCommand } from '../platform/module.ts';
import { actorOf, systemContext } from '../platform/request-context.ts';
import { need, print } from './admin-output.ts';

/**
 * `darwaza admin create-developer`: an active account (identity) that owns a new organisation or
 * joins an existing one (organizations), so it lives at the root.
 */
export const createDeveloper: CliCommand<System> = {
  name: 'create-developer',
  usage: `  create-developer   --email E --name N --org NAME [--password P] [--participant NAME] [--confirmed]
                     Creates an active developer. When organisation NAME does not exist it is created
                     with the developer as owner (naming --participant, default: the first one);
                     otherwise the developer joins it as a developer. --confirmed records the
                     participant's confirmation of the owner.`,
  async run(args, open) {
    const { identity, organizations } = (await open()).services;
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
        // The new owner acts for themselves, from no request.
        { ...systemContext(), actor: actorOf(principal) },
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
  },
};

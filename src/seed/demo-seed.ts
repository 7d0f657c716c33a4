import type { System } from '../main.ts';
import { randomToken } from '../platform/ids.ts';
import type { Seeder } from '../platform/module.ts';
import { actorOf, systemContext } from '../platform/request-context.ts';

/**
 * The demo's people: an operator, a participant ("1LINK Model Bank") and a developer who owns the
 * confirmed organisation "Demo Fintech". Outside production the passwords and the operator's TOTP
 * secret are fixed, documented values (README) so a reviewer can sign in at once; in production
 * they are random and printed once to stderr. Idempotent: does nothing when the operator exists.
 * It creates accounts (identity) and organisations (organizations), so it lives at the root.
 */
const DEMO_OPERATOR_EMAIL = 'operator@darwaza.local';
export const DEMO_DEVELOPER_EMAIL = 'developer@darwaza.local';
const DEMO_ORG_NAME = 'Demo Fintech';
const DEMO_PARTICIPANT_NAME = '1LINK Model Bank';
/** Fixed demo values, used only when NODE_ENV is not production. */
export const DEMO_OPERATOR_PASSWORD = 'darwaza-demo-operator';
export const DEMO_DEVELOPER_PASSWORD = 'darwaza-demo-developer';
export const DEMO_OPERATOR_TOTP_SECRET = 'DARWAZADEMOOPERATORTOTPSECRETXYZ';

export const identityDemoSeeder: Seeder<System> = {
  name: 'identity',
  demo: true,
  async run(system: System) {
    const { identity, organizations } = system.services;
    if (await identity.findUserIdByEmail(DEMO_OPERATOR_EMAIL)) return undefined;
    const production = system.config.nodeEnv === 'production';
    const opPassword = production ? randomToken(15) : DEMO_OPERATOR_PASSWORD;
    const devPassword = production ? randomToken(15) : DEMO_DEVELOPER_PASSWORD;

    const op = await identity.provisionUser({
      email: DEMO_OPERATOR_EMAIL,
      name: 'Demo Operator',
      password: opPassword,
      operator: true,
      ...(production ? {} : { totpSecret: DEMO_OPERATOR_TOTP_SECRET }),
    });
    const participant =
      (await organizations.findParticipantByName(DEMO_PARTICIPANT_NAME)) ??
      (await organizations.createParticipant(
        { name: DEMO_PARTICIPANT_NAME, code: 'MODELBANK', emailDomain: 'modelbank.darwaza.local' },
        systemContext(),
      ));
    const dev = await identity.provisionUser({
      email: DEMO_DEVELOPER_EMAIL,
      name: 'Demo Developer',
      password: devPassword,
    });
    const principal = {
      userId: dev.user.id,
      sessionId: 'seed',
      email: dev.user.email,
      name: dev.user.name,
      isOperator: false,
      status: 'active',
    };
    const org = await organizations.createOrganization(
      principal,
      {
        name: DEMO_ORG_NAME,
        registrationNumber: 'SECP-0000001',
        participantId: participant.id,
        attestAuthority: true,
        website: 'https://demo-fintech.example',
      },
      { ...systemContext(), actor: actorOf(principal) },
    );
    await organizations.confirmRepresentativeAsSystem(org.id, dev.user.id);

    process.stderr.write(
      [
        'darwaza: demo accounts' +
          (production ? ' (random credentials, shown once)' : ' (fixed demo values; not for production)'),
        `  operator  ${DEMO_OPERATOR_EMAIL}  password: ${opPassword}`,
        `            TOTP secret: ${op.totpSecret}  (${op.otpauthUrl})`,
        `  developer ${DEMO_DEVELOPER_EMAIL}  password: ${devPassword}  organisation: ${DEMO_ORG_NAME}`,
        '',
      ].join('\n'),
    );
    return `operator ${DEMO_OPERATOR_EMAIL}, developer ${DEMO_DEVELOPER_EMAIL}, organisation ${DEMO_ORG_NAME}, participant ${DEMO_PARTICIPANT_NAME}`;
  },
};

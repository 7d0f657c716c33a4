import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { defineModule } from '../../platform/module.ts';
import type { AuditLog } from '../audit/index.ts';
import type { UserAccounts } from '../identity/index.ts';
import type { MailOutbox } from '../notifications/index.ts';
import { organizationsContracts } from './contracts.ts';
import { organizationsErrors } from './errors.ts';
// The events this module emits (their payload types join platform's DomainEvents).
import './events.ts';
import { migrations } from './migrations.ts';
import { OrganizationService } from './organization-service.ts';
import type { OrgAccess } from './ports.ts';
import { organizationRoutes } from './routes.ts';
import type { OrganizationsTables } from './tables.ts';

/**
 * Organisations, memberships, invitations, corporate participants and their reviewers. Other
 * modules check membership and roles through `OrgAccess`. Emits `organizations.created` after a
 * creation commits (events.ts); on `terms.organization_terminated` it marks the organisation
 * terminated and ends its members' sessions (idempotent: the event may be delivered again).
 */
/** `darwaza admin` subcommands that need only this module (src/cli/admin.ts lists them). */
export { organizationsCli } from './admin-cli.ts';
export { organizationsErrors } from './errors.ts';
export type { OrganizationService } from './organization-service.ts';
export type { OrgAccess, OrgRole, OrgSummary } from './ports.ts';
export { type OrganizationsTables, organizationsTables } from './tables.ts';

export type OrganizationsDeps = {
  db: Kysely<OrganizationsTables>;
  clock: Clock;
  keyring: Keyring;
  audit: AuditLog;
  mailer: MailOutbox;
  identity: UserAccounts;
  publicUrl: string;
  /** Carries `organizations.created`. */
  events: EventEmitter;
};

export type OrganizationsPorts = {
  /** The service itself (tests, the CLI and the demo seed use more than `OrgAccess`). */
  organizations: OrganizationService;
  orgAccess: OrgAccess;
};

export const organizationsModule = defineModule<OrganizationsDeps, OrganizationsPorts>({
  name: 'organizations',
  migrations,
  errors: organizationsErrors,
  contracts: organizationsContracts,
  subscribes: ['terms.organization_terminated'],
  create(deps) {
    const organizations = new OrganizationService(deps);
    return {
      ports: { organizations, orgAccess: organizations },
      routes: organizationRoutes(organizations),
      on: {
        'terms.organization_terminated': ({ orgId, reason }) =>
          organizations.onOrganizationTerminated(orgId, reason),
      },
    };
  },
});

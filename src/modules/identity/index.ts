import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Authenticator } from '../../platform/http/route.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { defineModule } from '../../platform/module.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { AuditLog } from '../audit/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import { identityContracts } from './contracts.ts';
import { identityErrors } from './errors.ts';
// The events this module emits (their payload types join platform's DomainEvents).
import './events.ts';
import { IdentityService, type TermsVersions } from './identity-service.ts';
import { migrations } from './migrations.ts';
import type { UserDirectory } from './ports.ts';
import { identityRoutes } from './routes.ts';
import { sessionAuthenticator } from './session-authenticator.ts';
import type { IdentityTables } from './tables.ts';

/**
 * Accounts, sessions and second factors. Other modules read users through `UserDirectory`
 * (organisations through the wider `UserAccounts`); the portal resolves callers with the
 * `authenticate` port. Emits `identity.signed_up` after a sign-up commits (events.ts); asks the
 * terms module which version is in force through `TermsVersions` (a late port: terms is built
 * after identity).
 */
/** `darwaza admin` subcommands that need only this module (src/cli/admin.ts lists them). */
export { identityCli } from './admin-cli.ts';
export { identityErrors } from './errors.ts';
export type { IdentityService, TermsVersions } from './identity-service.ts';
export type { UserDirectory } from './ports.ts';
export { type IdentityTables, identityTables } from './tables.ts';

/** What the organisations module asks of identity: users, their details' currency, their sessions. */
export type UserAccounts = Pick<
  IdentityService,
  'getUser' | 'findUserIdByEmail' | 'profileIsCurrent' | 'reconfirmMonths' | 'endSessionsOf'
>;

export type IdentityDeps = {
  db: Kysely<IdentityTables>;
  clock: Clock;
  keyring: Keyring;
  audit: AuditLog;
  mailer: MailOutbox;
  notifications: Notices;
  sharedState: SharedState;
  publicUrl: string;
  /** Carries `identity.signed_up`. */
  events: EventEmitter;
  /** The general terms version in force (main.ts provides it once the terms module is built). */
  termsVersions: TermsVersions;
};

export type IdentityPorts = {
  /** The service itself (tests, the CLI and the demo seed use more than the narrow ports). */
  identity: IdentityService;
  users: UserDirectory;
  /** Who is calling: session cookie (+ CSRF token on unsafe methods) or a bearer session token. */
  authenticate: Authenticator;
};

export const identityModule = defineModule<IdentityDeps, IdentityPorts>({
  name: 'identity',
  migrations,
  errors: identityErrors,
  contracts: identityContracts,
  subscribes: [],
  create(deps) {
    const identity = new IdentityService(deps);
    return {
      ports: { identity, users: identity, authenticate: sessionAuthenticator(identity) },
      routes: identityRoutes(identity),
    };
  },
});

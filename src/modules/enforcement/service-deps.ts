import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { AppsService } from '../apps/index.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { UserDirectory } from '../identity/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import type { OAuthService } from '../oauth/index.ts';
import type { OrganizationService } from '../organizations/index.ts';
import type { TerminationService } from '../terms/index.ts';
import { enforcementAuditActions } from './audit-actions.ts';
import { EnforcementStore } from './enforcement-store.ts';
import type { EnforcementTables } from './tables.ts';

/** What enforcement asks of the apps module: read an app, suspend or reinstate it, tell gateways. */
type AppControl = Pick<AppsService, 'getAppById' | 'getApp' | 'setAppStatusByOperator' | 'invalidate'>;
/** What it asks of organisations: membership checks, summaries, admins, and the status switch. */
export type OrgControl = Pick<
  OrganizationService,
  'requireMember' | 'getOrganization' | 'memberUserIds' | 'setOrganizationStatus'
>;
/** Revoking an app's tokens at once (the oauth module). */
type TokenControl = Pick<OAuthService, 'revokeTokensOfApp'>;
/** Ending an organisation's access (the terms module's termination, records kept). */
type TerminationControl = Pick<TerminationService, 'terminateForBreach'>;

export type EnforcementOptions = {
  db: Kysely<EnforcementTables>;
  clock: Clock;
  audit: AuditLog;
  mailer: MailOutbox;
  notifications: Notices;
  users: UserDirectory;
  orgs: OrgControl;
  apps: AppControl;
  tokens: TokenControl;
  terminations: TerminationControl;
  events: EventEmitter;
  /** The portal's public URL: links in e-mails are absolute. */
  publicUrl: string;
};

/** What every part of the module shares: the typed store, the audit helper and the ports. */
export type EnforcementDeps = Omit<EnforcementOptions, 'db' | 'audit'> & {
  store: EnforcementStore;
  audit: ReturnType<typeof auditTrail<typeof enforcementAuditActions>>;
  nowIso: () => string;
};

export function enforcementDeps(opts: EnforcementOptions): EnforcementDeps {
  const { db, audit, ...rest } = opts;
  return {
    ...rest,
    store: new EnforcementStore(db),
    audit: auditTrail(audit, enforcementAuditActions),
    nowIso: () => opts.clock.now().toISOString(),
  };
}

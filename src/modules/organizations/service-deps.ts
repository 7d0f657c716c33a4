import type { Kysely } from 'kysely';
import { type Clock, DAY } from '../../platform/clock.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { UserAccounts } from '../identity/index.ts';
import type { MailOutbox } from '../notifications/index.ts';
import { organizationsAuditActions } from './audit-actions.ts';
import { OrganizationsStore } from './organizations-store.ts';
import type { OrgRole } from './ports.ts';
import type { OrganizationsTables } from './tables.ts';

/**
 * What every part of the organizations service shares: the module's typed store, the audit helper
 * (actions from the module's catalogue), the outbox, identity's accounts and the clock. Built once
 * by the service facade and handed to each part.
 */
export type OrganizationOptions = {
  db: Kysely<OrganizationsTables>;
  clock: Clock;
  keyring: Keyring;
  audit: AuditLog;
  mailer: MailOutbox;
  identity: UserAccounts;
  publicUrl: string;
  /** Where `organizations.created` goes after a creation commits (without one, nowhere). */
  events?: EventEmitter;
};

/** The module's audit helper: `audit(ctx, action, target, { orgId, details, tx })`. */
type OrganizationsAudit = ReturnType<typeof auditTrail<typeof organizationsAuditActions>>;

export type OrgServiceDeps = {
  store: OrganizationsStore;
  clock: Clock;
  keyring: Keyring;
  audit: OrganizationsAudit;
  mailer: MailOutbox;
  identity: UserAccounts;
  publicUrl: string;
  events: EventEmitter | undefined;
};

export function orgServiceDeps(opts: OrganizationOptions): OrgServiceDeps {
  return {
    store: new OrganizationsStore(opts.db),
    clock: opts.clock,
    keyring: opts.keyring,
    audit: auditTrail(opts.audit, organizationsAuditActions),
    mailer: opts.mailer,
    identity: opts.identity,
    publicUrl: opts.publicUrl,
    events: opts.events,
  };
}

/** Roles by rank: a role includes every lower one. */
export const ROLE_RANK: Record<OrgRole, number> = { viewer: 0, developer: 1, admin: 2, owner: 3 };

/** How long a participant's confirmation of a representative lasts unless the reviewer says. */
export const DEFAULT_CONFIRMATION_MS = 365 * DAY;

export function nowIso(clock: Clock): string {
  return clock.now().toISOString();
}

/**
 * The context without its user agent: a few events (a reviewer removed, an invitation revoked, an
 * update required) have always been recorded with the address only, and the trail stays as it was.
 */
export function withoutUserAgent(ctx: RequestContext): RequestContext {
  return { ...ctx, userAgent: null };
}

import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import type { Logger } from '../../platform/logger.ts';
import { actorOf, type RequestContext } from '../../platform/request-context.ts';
import type { UserDirectory } from '../identity/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import type { TermsAudit } from './audit-actions.ts';
import type { PublishedTerms } from './published-terms.ts';
import type { TermsSettingsService } from './terms-settings.ts';
import type { TermsStore } from './terms-store.ts';

/**
 * What every part of the terms service shares: the typed store, the audit helper (actions from
 * `termsAuditActions`), the cached published terms, the settings and the ports to other modules.
 * `changed` tells the listeners (the gateway's enforcer) that what an organisation may do changed
 * (`null`: everyone, e.g. a publication).
 */
export type TermsParts = {
  store: TermsStore;
  clock: Clock;
  audit: TermsAudit;
  notifications: Notices;
  mailer: MailOutbox;
  orgAccess: OrgAccess;
  users: UserDirectory | null;
  log: Logger | undefined;
  /** The portal's public URL: links in e-mails are absolute. */
  publicUrl: string;
  published: PublishedTerms;
  settings: TermsSettingsService;
  changed(orgId: string | null): void;
};

/**
 * The context of a call made without one (tests, the seed): the principal acts, from nowhere in
 * particular — the same audit record a call through a route makes, less the address.
 */
export function contextFor(principal: Principal | null): RequestContext {
  return { actor: actorOf(principal), ip: null, userAgent: null, requestId: null };
}

/** A time as people read it in notices and e-mails (minutes, UTC). */
export function fmtDate(iso: string): string {
  return `${iso.slice(0, 16).replace('T', ' ')} UTC`;
}

/** The e-mail addresses of users that have one (unknown users are skipped). */
export async function emailsOf(users: UserDirectory | null, userIds: string[]): Promise<string[]> {
  if (!users) return [];
  const out: string[] = [];
  for (const id of userIds) {
    const u = await users.getUser(id).catch(() => null);
    if (u?.email) out.push(u.email);
  }
  return out;
}

/** A requested effective date (publication, termination notice) that is not a time. */
export function invalidEffectiveAt(): AppError {
  return new AppError('validation_failed', {
    message: 'effectiveAt is not a valid time.',
    details: [
      { in: 'body', field: 'effectiveAt', code: 'invalid_date', message: 'not a valid ISO-8601 time' },
    ],
  });
}

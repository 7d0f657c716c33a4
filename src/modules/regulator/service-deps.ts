import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Keyring } from '../../platform/master-key.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import type { OrganizationService } from '../organizations/index.ts';
import { regulatorAuditActions } from './audit-actions.ts';
import { type ExportSigner, exportSigner } from './export-key.ts';
import { ExportReader, type ExportSourceTables, RegulatorStore } from './regulator-store.ts';
import type { RegulatorTables } from './tables.ts';

/** Membership checks for the organisation-scoped routes (the organisations module). */
export type OrgMembership = Pick<OrganizationService, 'requireMember'>;

export type RegulatorOptions = {
  db: Kysely<RegulatorTables & ExportSourceTables>;
  clock: Clock;
  keyring: Keyring;
  audit: AuditLog;
  mailer: MailOutbox;
  notifications: Notices;
  /** The portal's public URL: links in e-mails are absolute. */
  publicUrl: string;
};

/** What every part of the module shares. */
export type RegulatorDeps = Omit<RegulatorOptions, 'db' | 'audit'> & {
  store: RegulatorStore;
  reader: ExportReader;
  signer: ExportSigner;
  audit: ReturnType<typeof auditTrail<typeof regulatorAuditActions>>;
  nowIso: () => string;
};

export function regulatorDeps(opts: RegulatorOptions): RegulatorDeps {
  const { db, audit, ...rest } = opts;
  return {
    ...rest,
    store: new RegulatorStore(db),
    reader: new ExportReader(db),
    signer: exportSigner(opts.keyring),
    audit: auditTrail(audit, regulatorAuditActions),
    nowIso: () => opts.clock.now().toISOString(),
  };
}

/** Tells `userIds` in-app and by e-mail (`emails`); the link is a path of the web app. */
export async function tell(
  d: RegulatorDeps,
  to: { userIds: string[]; emails: string[] },
  m: {
    kind: 'regulator_request.delivered' | 'information_request.received';
    title: string;
    body: string;
    link: string;
    orgId: string | null;
  },
): Promise<void> {
  await d.notifications.notify(to.userIds, {
    kind: m.kind,
    title: m.title,
    body: m.body,
    link: m.link,
    orgId: m.orgId,
  });
  for (const email of to.emails)
    await d.mailer.send({
      to: email,
      subject: m.title,
      text: `${m.body}\n\nOpen it in the portal:\n${d.publicUrl}${m.link}\n`,
      kind: m.kind,
    });
}

import type { UserDirectory } from '../identity/index.ts';
import type { Mailer, MailMessage, NotificationService } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';

/** Templates sent both as a notice and as an e-mail to an organisation's owners and admins. */
type OrgNoticeKind = MailMessage['kind'] & Parameters<NotificationService['notify']>[1]['kind'];

type OrgNotice = { kind: OrgNoticeKind; title: string; body: string; link?: string };

/** Tells an organisation's owners and admins something (a decision, a product's lifecycle). */
export type NotifyOrg = (orgId: string, n: OrgNotice) => Promise<void>;

/**
 * The notice goes in-app (with `link`, a web-app path, as its "Open") and the same text by e-mail,
 * where the link stands alone on its own line as an absolute URL. Without a user directory only
 * the in-app notice is sent. Failing to list the members or to find a user sends nothing to them
 * rather than failing the decision already committed.
 */
export function orgNotifier(opts: {
  orgAccess: OrgAccess;
  notifications: NotificationService;
  mailer: Mailer;
  users?: UserDirectory;
  /** The portal's public URL: links in e-mails are absolute. */
  publicUrl: string;
}): NotifyOrg {
  return async (orgId, n) => {
    const userIds = await opts.orgAccess.memberUserIds(orgId, 'admin').catch(() => [] as string[]);
    await opts.notifications.notify(userIds, { ...n, orgId });
    if (!opts.users) return;
    const text = n.link ? `${n.body}\n\nOpen it in the portal:\n${opts.publicUrl}${n.link}\n` : n.body;
    for (const id of userIds) {
      const u = await opts.users.getUser(id).catch(() => null);
      if (u?.email) await opts.mailer.send({ to: u.email, subject: n.title, text, kind: n.kind });
    }
  };
}

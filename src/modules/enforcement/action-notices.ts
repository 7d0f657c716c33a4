import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import type { ActionRow } from './enforcement-store.ts';
import { type ReasonCategory, reasonText } from './reasons.ts';
import type { EnforcementDeps } from './service-deps.ts';

const HEADLINES: Record<string, (target: string) => string> = {
  warn: (t) => `A warning about ${t}`,
  throttle: (t) => `${t} is throttled`,
  suspend_app: (t) => `${t} is suspended`,
  suspend_org: (t) => `${t} is suspended`,
  reinstate: (t) => `${t} is reinstated`,
  terminate_org: (t) => `${t}'s access has ended`,
};

const NOTE_FROM: Record<string, string> = {
  operator: 'the operator',
  organization: 'your organisation',
  policy: "the operator's automatic policy",
};

/**
 * The organisation's owners and admins and their addresses, read before the action and outside
 * its transaction (a termination ends memberships; SQLite has one connection, held by the
 * transaction).
 */
export type Recipients = { userIds: string[]; emails: string[] };

export async function adminsOf(d: EnforcementDeps, orgId: string): Promise<Recipients> {
  const userIds = await d.orgs.memberUserIds(orgId, 'admin').catch(() => [] as string[]);
  const emails: string[] = [];
  for (const id of userIds) {
    const u = await d.users.getUser(id).catch(() => null);
    if (u?.email) emails.push(u.email);
  }
  return { userIds, emails };
}

/**
 * Tells the organisation's owners and admins about an enforcement action, in-app and by e-mail, in
 * the caller's transaction (so the notice exists exactly when the action does). Every message
 * leads with the reason category in words and says what to do next; the operator's note follows.
 */
export async function noticeOfAction(
  d: EnforcementDeps,
  a: ActionRow,
  names: { org: string; app: string | null },
  admins: Recipients,
  tx: SharedTransaction,
): Promise<void> {
  const target = a.app_id ? `Your app “${names.app ?? a.app_id}”` : `Your organisation “${names.org}”`;
  const title = HEADLINES[a.kind]!(target);
  const { label, nextSteps } = reasonText(a.reason_category as ReasonCategory);
  const lines = [`Reason: ${label}.`, `Note from ${NOTE_FROM[a.taken_by] ?? 'the operator'}: ${a.reason}`];
  if (a.kind === 'throttle' && a.throttle) {
    const t = JSON.parse(a.throttle) as { period: string; limit: number };
    lines.push(`Limit until ${a.ends_at}: at most ${t.limit} calls per ${t.period}.`);
  }
  if (a.kind !== 'reinstate') lines.push(`What to do next: ${nextSteps}`);
  const body = lines.join('\n');
  const link = a.app_id ? `/orgs/${a.org_id}/apps/${a.app_id}` : `/orgs/${a.org_id}/incidents`;
  await d.notifications.notify(
    admins.userIds,
    { kind: 'enforcement.action', title, body, link, orgId: a.org_id },
    tx,
  );
  for (const to of admins.emails)
    await d.mailer.send(
      {
        to,
        subject: title,
        text: `${body}\n\nOpen it in the portal:\n${d.publicUrl}${link}\n`,
        kind: 'enforcement.action',
      },
      tx,
    );
}

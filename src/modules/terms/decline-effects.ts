import { systemContext } from '../../platform/request-context.ts';
import { latestDecision } from './acceptance-records.ts';
import { emailsOf, fmtDate, type TermsParts } from './terms-parts.ts';

/**
 * When a declined version comes into force: tells the organisation that declined it that its API
 * access has ended (the gateway refuses it with `terms_declined` from then on), once per decline.
 * Run by the worker tick; safe to run from several processes (the notice is marked in the same
 * transaction as what it sends). Returns how many declines were announced.
 */
export async function processDeclineEffects(p: TermsParts, now: Date): Promise<number> {
  const due = await p.store.declinesDueForNotice(now.toISOString());
  let n = 0;
  for (const d of due) {
    const records = await p.store.acceptancesOf('org', d.subjectId);
    const latest = latestDecision(records, d.versionId);
    const snap = await p.published.snapshot(now.getTime());
    const doc = snap.documents.get(d.documentId);
    const v = snap.versions.get(d.documentId)?.find((x) => x.id === d.versionId);
    const stillDeclined = latest?.id === d.id;
    const members = stillDeclined ? await p.orgAccess.memberUserIds(d.subjectId).catch(() => []) : [];
    const emails = stillDeclined
      ? await emailsOf(p.users, await p.orgAccess.memberUserIds(d.subjectId, 'admin').catch(() => []))
      : [];
    await p.store.inTransaction(async (tx) => {
      if (!(await p.store.markEffectNotified(d.id, now.toISOString(), tx))) return;
      if (!stillDeclined || !doc || !v) return;
      const title = `API access ended: "${doc.title}" version ${v.version} is now in force`;
      const body = `Your organisation declined version ${v.version} of "${doc.title}", which took effect on ${fmtDate(v.effectiveAt)}. Its apps are refused (code terms_declined) until it accepts that version.`;
      await p.notifications.notify(
        members,
        {
          kind: 'terms.decline_effective',
          title,
          body,
          link: `/terms/versions/${v.id}`,
          orgId: d.subjectId,
        },
        tx,
      );
      for (const to of emails)
        await p.mailer.send(
          {
            to,
            subject: title,
            text: `${body}\n\nRead the version:\n${p.publicUrl}/terms/versions/${v.id}\n`,
            kind: 'terms.decline_effective',
          },
          tx,
        );
      await p.audit(
        systemContext(),
        'terms.decline_effective',
        { type: 'terms_version', id: v.id },
        { orgId: d.subjectId, details: { acceptanceId: d.id, version: v.version }, tx },
      );
      n++;
    });
  }
  if (n > 0) p.log?.info({ count: n }, 'terms: declined versions came into force');
  return n;
}

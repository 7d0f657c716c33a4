import { DAY } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { type VersionView, versionView } from './published-terms.ts';
import { emailsOf, fmtDate, invalidEffectiveAt, type TermsParts } from './terms-parts.ts';
import type { TermsDocument } from './terms-store.ts';

/**
 * Publishing a draft under the notice rules the published terms promise:
 * - a `standard` change to a document that already has a published version takes effect no
 *   sooner than `standardNoticeDays` (operator setting, never below 15) after publication;
 * - `new_function` and `legal` changes may take effect at publication; nothing takes effect
 *   before it is published;
 * - everyone affected is told in the portal and by e-mail, in the publication's transaction.
 */
export class TermsPublication {
  readonly #p: TermsParts;

  constructor(parts: TermsParts) {
    this.#p = parts;
  }

  /**
   * Publishes a draft. `effectiveAt` defaults to the earliest the rules allow (publication time plus
   * the notice for standard changes, publication time otherwise). Everyone affected is told in the
   * portal and by e-mail, with the summary and the effective date.
   */
  async publish(
    principal: Principal | null,
    versionId: string,
    opts: { effectiveAt?: string | Date },
    ctx: RequestContext,
  ): Promise<VersionView> {
    const { store, clock } = this.#p;
    if (principal && !principal.isOperator) throw new AppError('forbidden');
    const draft = await store.getVersion(versionId);
    if (!draft) throw new AppError('not_found', { message: 'No such terms version.' });
    if (draft.status !== 'draft') throw new AppError('terms_version_published');
    const doc = (await store.getDocument(draft.documentId))!;
    const nowMs = clock.nowMs();
    const settings = await this.#p.settings.getSettings();
    const hasEarlier = (await store.maxVersionNumber(doc.id)) > 0;
    const noticeMs = draft.changeClass === 'standard' && hasEarlier ? settings.standardNoticeDays * DAY : 0;
    const earliestMs = nowMs + noticeMs;
    const effectiveMs =
      opts.effectiveAt === undefined ? earliestMs : new Date(opts.effectiveAt as string | Date).getTime();
    if (!Number.isFinite(effectiveMs)) {
      throw invalidEffectiveAt();
    }
    if (effectiveMs < nowMs) {
      throw new AppError('terms_effective_in_past', {
        details: {
          earliestEffectiveAt: new Date(earliestMs).toISOString(),
        },
      });
    }
    if (effectiveMs < earliestMs) {
      throw new AppError('terms_notice_too_short', {
        message: `A standard change takes effect no sooner than ${settings.standardNoticeDays} days after publication: the earliest allowed is ${new Date(earliestMs).toISOString()}.`,
        details: {
          noticeDays: settings.standardNoticeDays,
          earliestEffectiveAt: new Date(earliestMs).toISOString(),
        },
      });
    }
    const publishedAt = new Date(nowMs).toISOString();
    const effectiveAt = new Date(effectiveMs).toISOString();

    // Who must be told (read before the transaction: other modules use their own connections).
    const recipients = await this.#affectedUsers(doc);
    const emails = await emailsOf(this.#p.users, recipients);

    let number = 0;
    try {
      await store.inTransaction(async (tx) => {
        number = (await store.maxVersionNumber(doc.id, tx)) + 1;
        const ok = await store.markPublished(
          versionId,
          { version: number, publishedAt, publishedBy: principal?.userId ?? null, effectiveAt },
          tx,
        );
        if (!ok) throw new AppError('terms_version_published');
        await this.#p.audit(
          ctx,
          'terms.publish',
          { type: 'terms_version', id: versionId },
          {
            details: {
              documentId: doc.id,
              documentSlug: doc.slug,
              version: number,
              changeClass: draft.changeClass,
              publishedAt,
              effectiveAt,
              noticeDays: noticeMs / DAY,
              notified: recipients.length,
            },
            tx,
          },
        );
        if (recipients.length > 0) {
          const title = `${doc.title}: version ${number} takes effect ${fmtDate(effectiveAt)}`;
          const body = `${draft.summary}\n\nIt takes effect on ${fmtDate(effectiveAt)}. If you disagree, you may decline it before then; after that date, continuing to use the APIs means you accept it.`;
          const link = `/terms/versions/${versionId}`;
          for (let i = 0; i < recipients.length; i += 500) {
            await this.#p.notifications.notify(
              recipients.slice(i, i + 500),
              { kind: 'terms.published', title, body, link },
              tx,
            );
          }
          for (const to of emails) {
            await this.#p.mailer.send(
              {
                to,
                subject: title,
                kind: 'terms.published',
                text: `${body}\n\nRead the new text:\n${this.#p.publicUrl}${link}\n`,
              },
              tx,
            );
          }
        }
      });
    } catch (err) {
      // Two drafts of one document published at the same moment would take the same number.
      if (isUniqueViolation(err))
        throw new AppError('conflict', {
          message: 'Another version of this document was published at the same moment; try again.',
        });
      throw err;
    }
    this.#p.changed(null);
    return versionView((await store.getVersion(versionId))!);
  }

  /** Users affected by a change to `doc`: everyone for general terms, policies and guidelines; for a
   * product's additional terms, members of organisations that responded to them (subscribers) and
   * users who accepted them for themselves. */
  async #affectedUsers(doc: TermsDocument): Promise<string[]> {
    const ids = new Set<string>();
    if (doc.kind === 'additional' || doc.productSlug) {
      const subjects = await this.#p.store.subjectsOfDocument(doc.id);
      for (const u of subjects.userIds) ids.add(u);
      for (const orgId of subjects.orgIds) {
        for (const u of await this.#p.orgAccess.memberUserIds(orgId).catch(() => [] as string[])) ids.add(u);
      }
    } else if (this.#p.users) {
      for (const u of await this.#p.users.listActiveUserIds()) ids.add(u);
    }
    return [...ids];
  }
}

import { newId } from '../../platform/ids.ts';
import type { Logger } from '../../platform/logger.ts';
import { systemContext } from '../../platform/request-context.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { Notices } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { type TermsAudit, termsAuditActions } from './audit-actions.ts';
import type { PublishedVersion, TermsAcceptance, TermsDocument, TermsStore } from './terms-store.ts';

/**
 * What an organisation's use of the APIs records, found by the enforcer (terms-enforcer.ts):
 *
 * - Terms become effective for an organisation at its first access: its first call is recorded
 *   (`first_access`, naming the general terms version in force).
 * - Once a version is in force, the first call by an organisation that has not accepted it records
 *   exactly one acceptance by continued use (`continued_use`), as the published terms provide, and
 *   tells the organisation's admins. A unique key makes "exactly one" true across processes.
 *
 * The system acts (no request context): each record is audited in its own transaction.
 */
export class ContinuedUseRecords {
  readonly #store: TermsStore;
  readonly #orgAccess: OrgAccess;
  readonly #audit: TermsAudit;
  readonly #notifications: Notices;
  readonly #log: Logger | undefined;

  constructor(deps: {
    store: TermsStore;
    orgAccess: OrgAccess;
    audit: AuditLog;
    notifications: Notices;
    log?: Logger;
  }) {
    this.#store = deps.store;
    this.#orgAccess = deps.orgAccess;
    this.#audit = auditTrail(deps.audit, termsAuditActions);
    this.#notifications = deps.notifications;
    this.#log = deps.log;
  }

  async record(
    orgId: string,
    nowMs: number,
    firstAccess: { doc: TermsDocument; version: PublishedVersion } | null,
    byUse: { doc: TermsDocument; version: PublishedVersion }[],
  ): Promise<void> {
    const at = new Date(nowMs).toISOString();
    const admins = byUse.length
      ? await this.#orgAccess.memberUserIds(orgId, 'admin').catch(() => [] as string[])
      : [];
    const base = (
      doc: TermsDocument,
      v: PublishedVersion,
    ): Omit<TermsAcceptance, 'id' | 'decision' | 'method'> => ({
      versionId: v.id,
      documentId: doc.id,
      subjectType: 'org',
      subjectId: orgId,
      orgId,
      userId: null,
      at,
      ip: null,
      userAgent: null,
      effectNotifiedAt: null,
    });
    await this.#store.inTransaction(async (tx) => {
      if (firstAccess) {
        const id = newId('acc', nowMs);
        const inserted = await this.#store.insertAcceptance(
          {
            ...base(firstAccess.doc, firstAccess.version),
            id,
            decision: 'effective',
            method: 'first_access',
            uniqueKey: `fa:${orgId}`,
          },
          tx,
        );
        if (inserted) {
          await this.#audit(
            systemContext(),
            'terms.first_access',
            { type: 'terms_version', id: firstAccess.version.id },
            {
              orgId,
              details: {
                acceptanceId: id,
                documentSlug: firstAccess.doc.slug,
                version: firstAccess.version.version,
              },
              tx,
            },
          );
        }
      }
      for (const { doc, version } of byUse) {
        const id = newId('acc', nowMs);
        const inserted = await this.#store.insertAcceptance(
          {
            ...base(doc, version),
            id,
            decision: 'accepted',
            method: 'continued_use',
            uniqueKey: `cu:${orgId}:${version.id}`,
          },
          tx,
        );
        if (!inserted) continue;
        await this.#audit(
          systemContext(),
          'terms.accept_by_use',
          { type: 'terms_version', id: version.id },
          { orgId, details: { acceptanceId: id, documentSlug: doc.slug, version: version.version }, tx },
        );
        await this.#notifications.notify(
          admins,
          {
            kind: 'terms.accepted_by_use',
            title: `"${doc.title}" version ${version.version} accepted by continued use`,
            body: `Your organisation used the APIs on ${at} while version ${version.version} was in force, which under the terms counts as accepting it. The record is in your terms history.`,
            link: `/terms/versions/${version.id}`,
            orgId,
          },
          tx,
        );
      }
    });
    this.#log?.debug({ orgId, firstAccess: !!firstAccess, byUse: byUse.length }, 'terms: recorded use');
  }
}

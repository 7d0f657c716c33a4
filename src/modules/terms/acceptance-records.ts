import type { z } from 'zod';
import type { acceptanceSchema } from './contracts.ts';
import type { PublishedVersion, TermsAcceptance, TermsDocument } from './terms-store.ts';

/**
 * Reading acceptance records: a subject's standing on one version (its latest explicit or deemed
 * decision) and a record as the portal, the exports and the proof show it.
 */
export type AcceptanceView = z.infer<typeof acceptanceSchema>;

/** Latest accept/decline decision of a subject for one version. */
export function latestDecision(records: TermsAcceptance[], versionId: string): TermsAcceptance | null {
  let last: TermsAcceptance | null = null;
  for (const r of records) {
    if (r.versionId === versionId && (r.decision === 'accepted' || r.decision === 'declined')) {
      if (!last || r.id > last.id) last = r;
    }
  }
  return last;
}

export function acceptanceView(r: TermsAcceptance, doc: TermsDocument, v: PublishedVersion): AcceptanceView {
  return {
    id: r.id,
    at: r.at,
    subjectType: r.subjectType,
    subjectId: r.subjectId,
    orgId: r.orgId,
    userId: r.userId,
    onBehalfOf: r.subjectType === 'org' ? 'organization' : 'self',
    decision: r.decision,
    method: r.method,
    ip: r.ip,
    userAgent: r.userAgent,
    documentId: doc.id,
    documentSlug: doc.slug,
    documentTitle: doc.title,
    versionId: v.id,
    version: v.version,
    versionEffectiveAt: v.effectiveAt,
  };
}

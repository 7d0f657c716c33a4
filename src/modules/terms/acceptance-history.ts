import type { z } from 'zod';
import { writeCsv } from '../../platform/csv.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { type AcceptanceView, acceptanceView, latestDecision } from './acceptance-records.ts';
import type { historySchema } from './contracts.ts';
import type { TermsParts } from './terms-parts.ts';
import type { TermsAcceptance } from './terms-store.ts';

/**
 * The proof: who accepted (or declined) which version, when and how, for an organisation or a
 * user — as the portal shows it and as a CSV export (the export is itself audited).
 *
 * `firstAccessAt`: when terms first became effective for the organisation (its first API call);
 * per version, `inForceUntil` is when the next version took over (null while still in force) and
 * `standing` the subject's standing from its latest record.
 */
export type AcceptanceHistory = z.infer<typeof historySchema>;

export type HistoryScope = { orgId?: string; userId?: string };

export class AcceptanceHistoryService {
  readonly #p: TermsParts;

  constructor(parts: TermsParts) {
    this.#p = parts;
  }

  async listAcceptances(principal: Principal, scope: HistoryScope): Promise<AcceptanceHistory> {
    let subject: { type: 'user' | 'org'; id: string };
    let records: TermsAcceptance[];
    if (scope.orgId) {
      await this.#p.orgAccess.requireMember(principal, scope.orgId, 'viewer', { allowOperator: true });
      subject = { type: 'org', id: scope.orgId };
      records = await this.#p.store.acceptancesOf('org', scope.orgId);
    } else {
      const userId = scope.userId ?? principal.userId;
      if (userId !== principal.userId && !principal.isOperator) throw new AppError('not_found');
      subject = { type: 'user', id: userId };
      records = await this.#p.store.acceptancesByUser(userId);
    }
    const nowMs = this.#p.clock.nowMs();
    const snap = await this.#p.published.snapshot(nowMs);
    const views: AcceptanceView[] = [];
    for (const r of records) {
      const doc = snap.documents.get(r.documentId);
      const v = snap.versions.get(r.documentId)?.find((x) => x.id === r.versionId);
      if (doc && v) views.push(acceptanceView(r, doc, v));
    }
    // Versions of every document that binds this subject: general terms always, other documents
    // once the subject has answered any version of them.
    const own = subject.type === 'org' ? records : records.filter((r) => r.subjectType === 'user');
    const answered = new Set(own.map((r) => r.documentId));
    const versions: AcceptanceHistory['versions'] = [];
    for (const doc of snap.documents.values()) {
      if (doc.kind !== 'general' && !answered.has(doc.id)) continue;
      const list = [...(snap.versions.get(doc.id) ?? [])].sort((a, b) =>
        a.effectiveAt < b.effectiveAt ? -1 : a.effectiveAt > b.effectiveAt ? 1 : a.version - b.version,
      );
      for (let i = 0; i < list.length; i++) {
        const v = list[i];
        const decision = latestDecision(own, v.id);
        versions.push({
          documentId: doc.id,
          documentSlug: doc.slug,
          documentTitle: doc.title,
          kind: doc.kind,
          productSlug: doc.productSlug,
          versionId: v.id,
          version: v.version,
          publishedAt: v.publishedAt,
          effectiveAt: v.effectiveAt,
          inForceUntil: list[i + 1]?.effectiveAt ?? null,
          standing: decision ? (decision.decision as 'accepted' | 'declined') : 'no_response',
          acceptedAt: decision?.decision === 'accepted' ? decision.at : null,
          method:
            decision?.decision === 'accepted' ? (decision.method as 'explicit' | 'continued_use') : null,
        });
      }
    }
    const first = records.find((r) => r.method === 'first_access' && r.subjectType === 'org');
    return { subject, firstAccessAt: first?.at ?? null, versions, records: views };
  }

  /** The same records as CSV (one row per record), for proof outside the portal. */
  async exportAcceptancesCsv(
    principal: Principal,
    scope: HistoryScope,
    ctx: RequestContext,
  ): Promise<string> {
    const h = await this.listAcceptances(principal, scope);
    await this.#p.audit(
      ctx,
      'terms.acceptances_export',
      { type: h.subject.type === 'org' ? 'organization' : 'user', id: h.subject.id },
      {
        orgId: h.subject.type === 'org' ? h.subject.id : null,
        details: { format: 'csv', rows: h.records.length },
      },
    );
    return acceptancesToCsv(h.records);
  }
}

const CSV_COLUMNS: (keyof AcceptanceView)[] = [
  'id',
  'at',
  'subjectType',
  'subjectId',
  'orgId',
  'userId',
  'onBehalfOf',
  'decision',
  'method',
  'documentSlug',
  'documentTitle',
  'versionId',
  'version',
  'versionEffectiveAt',
  'ip',
  'userAgent',
];

/** One row per record under a header row; quoting, BOM and formula safety are platform/csv.ts's. */
export function acceptancesToCsv(rows: AcceptanceView[]): string {
  return writeCsv([CSV_COLUMNS, ...rows.map((r) => CSV_COLUMNS.map((c) => r[c]))]);
}

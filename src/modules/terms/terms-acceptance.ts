import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { type AcceptanceView, acceptanceView, latestDecision } from './acceptance-records.ts';
import { pendingVersions, versionInForce } from './published-terms.ts';
import { emailsOf, fmtDate, type TermsParts } from './terms-parts.ts';
import type { PublishedVersion, TermsAcceptance, TermsDocument } from './terms-store.ts';

/** For whom an answer is given: the user, or an organisation (by an owner or admin). */
export type AnswerFor = { onBehalfOf: 'self' | 'organization'; orgId?: string | null };

/**
 * Explicit answers to the terms: accepting a version (in force or pending), declining a pending
 * one, accepting everything in force at once (a product page's button, a new organisation), the
 * acceptance recorded at sign-up, and the product gate for subscriptions (`TermsGate`). Every
 * record names one exact version; deemed acceptance by continued use is the enforcer's.
 */
export class TermsAnswers {
  readonly #p: TermsParts;

  constructor(parts: TermsParts) {
    this.#p = parts;
  }

  async #resolveSubject(
    principal: Principal,
    onBehalfOf: 'self' | 'organization',
    orgId: string | undefined | null,
  ): Promise<{ subjectType: 'user' | 'org'; subjectId: string; orgId: string | null }> {
    if (onBehalfOf === 'organization') {
      if (!orgId) {
        throw new AppError('validation_failed', {
          message: 'Give orgId to act for an organisation.',
          details: [
            {
              in: 'body',
              field: 'orgId',
              code: 'required',
              message: 'required when onBehalfOf is organization',
            },
          ],
        });
      }
      // Only someone with authority to bind the entity (owner or admin) may answer for it.
      await this.#p.orgAccess.requireMember(principal, orgId, 'admin');
      return { subjectType: 'org', subjectId: orgId, orgId };
    }
    return { subjectType: 'user', subjectId: principal.userId, orgId: null };
  }

  async #publishedVersion(versionId: string): Promise<{ version: PublishedVersion; doc: TermsDocument }> {
    const v = await this.#p.store.getVersion(versionId);
    if (v?.status !== 'published')
      throw new AppError('not_found', { message: 'No such published terms version.' });
    const doc = (await this.#p.store.getDocument(v.documentId))!;
    return { version: v as PublishedVersion, doc };
  }

  /** Who answers for whom, to which published version, and when. */
  async #answering(principal: Principal, versionId: string, input: AnswerFor) {
    const subject = await this.#resolveSubject(principal, input.onBehalfOf, input.orgId);
    const { version, doc } = await this.#publishedVersion(versionId);
    const nowMs = this.#p.clock.nowMs();
    return { subject, version, doc, nowMs, nowIso: new Date(nowMs).toISOString() };
  }

  /**
   * Explicit acceptance of a published version that is in force or pending. For an organisation it
   * needs an owner or admin and binds the entity.
   */
  async accept(
    principal: Principal,
    versionId: string,
    input: AnswerFor,
    ctx: RequestContext,
  ): Promise<AcceptanceView> {
    const { subject, version, doc, nowMs, nowIso } = await this.#answering(principal, versionId, input);
    const snap = await this.#p.published.snapshot(nowMs);
    const inForce = versionInForce(snap.versions.get(doc.id) ?? [], nowIso);
    if (version.effectiveAt <= nowIso && inForce && inForce.id !== version.id) {
      throw new AppError('terms_version_superseded', {
        message: `Version ${version.version} of "${doc.title}" was replaced by version ${inForce.version}; accept that one instead.`,
        details: { inForceVersionId: inForce.id },
      });
    }
    const existing = latestDecision(
      await this.#p.store.acceptancesOf(subject.subjectType, subject.subjectId),
      versionId,
    );
    if (existing?.decision === 'accepted' && existing.method === 'explicit') {
      return acceptanceView(existing, doc, version);
    }
    const rec = explicitAnswer(nowMs, ctx, {
      versionId,
      documentId: doc.id,
      ...subject,
      userId: principal.userId,
      decision: 'accepted',
    });
    await this.#p.store.inTransaction(async (tx) => {
      await this.#p.store.insertAcceptance(rec, tx);
      await this.#p.audit(
        ctx,
        'terms.accept',
        { type: 'terms_version', id: versionId },
        {
          orgId: subject.orgId,
          details: {
            acceptanceId: rec.id,
            onBehalfOf: input.onBehalfOf,
            documentSlug: doc.slug,
            version: version.version,
            previousDecision: existing?.decision ?? null,
          },
          tx,
        },
      );
    });
    if (subject.orgId) this.#p.changed(subject.orgId);
    return acceptanceView(rec, doc, version);
  }

  /**
   * Declines a published version that is not yet in force. For an organisation, from the effective
   * date its API access ends (the gateway refuses with `terms_declined`) unless it accepts first.
   */
  async decline(
    principal: Principal,
    versionId: string,
    input: AnswerFor,
    ctx: RequestContext,
  ): Promise<AcceptanceView> {
    const { subject, version, doc, nowMs, nowIso } = await this.#answering(principal, versionId, input);
    if (version.effectiveAt <= nowIso) {
      throw new AppError('terms_version_not_pending', {
        message: `Version ${version.version} of "${doc.title}" is already in force (since ${version.effectiveAt}); to stop, request termination instead.`,
      });
    }
    const rec = explicitAnswer(nowMs, ctx, {
      versionId,
      documentId: doc.id,
      ...subject,
      userId: principal.userId,
      decision: 'declined',
    });
    const recipients = subject.orgId
      ? await this.#p.orgAccess.memberUserIds(subject.orgId, 'admin').catch(() => [principal.userId])
      : [principal.userId];
    if (!recipients.includes(principal.userId)) recipients.push(principal.userId);
    const emails = await emailsOf(this.#p.users, recipients);
    const who = subject.orgId ? 'Your organisation' : 'You';
    const consequence = subject.orgId
      ? `From ${fmtDate(version.effectiveAt)} its apps will be refused (code terms_declined) unless it accepts this version before then.`
      : `From ${fmtDate(version.effectiveAt)} these terms apply to API use; you can still accept them before then.`;
    const title = `${who} declined "${doc.title}" version ${version.version}`;
    await this.#p.store.inTransaction(async (tx) => {
      await this.#p.store.insertAcceptance(rec, tx);
      await this.#p.audit(
        ctx,
        'terms.decline',
        { type: 'terms_version', id: versionId },
        {
          orgId: subject.orgId,
          details: {
            acceptanceId: rec.id,
            onBehalfOf: input.onBehalfOf,
            documentSlug: doc.slug,
            version: version.version,
          },
          tx,
        },
      );
      await this.#p.notifications.notify(
        recipients,
        {
          kind: 'terms.declined',
          title,
          body: consequence,
          link: `/terms/versions/${versionId}`,
          orgId: subject.orgId,
        },
        tx,
      );
      for (const to of emails) {
        await this.#p.mailer.send(
          {
            to,
            subject: title,
            text: `${consequence}\n\nRead the version:\n${this.#p.publicUrl}/terms/versions/${versionId}\n`,
            kind: 'terms.declined',
          },
          tx,
        );
      }
    });
    if (subject.orgId) this.#p.changed(subject.orgId);
    return acceptanceView(rec, doc, version);
  }

  /**
   * Accepts every document in force that applies (general terms, plus `productSlug`'s additional
   * terms when given) in one step — what a portal "I accept" button on a product page does.
   */
  async acceptInForce(
    principal: Principal,
    input: AnswerFor & { productSlug?: string | null },
    ctx: RequestContext,
  ): Promise<AcceptanceView[]> {
    const applicable = await this.#p.published.getApplicableTerms(input.productSlug ?? null);
    const out: AcceptanceView[] = [];
    for (const d of applicable.documents) {
      if (d.kind !== 'general' && d.kind !== 'additional') continue;
      if (d.inForce) out.push(await this.accept(principal, d.inForce.id, input, ctx));
    }
    return out;
  }

  /**
   * For the identity module: a new account ticked "I accept the terms" at sign-up (before it can
   * sign in), so the general terms in force are recorded as accepted by that user (the new user
   * is the actor, from the sign-up request's address).
   */
  async recordSignUpAcceptance(userId: string, ctx: RequestContext): Promise<AcceptanceView | null> {
    const applicable = await this.#p.published.getApplicableTerms(null);
    const general = applicable.documents.find((d) => d.kind === 'general' && d.inForce);
    if (!general?.inForce) return null;
    const snap = await this.#p.published.snapshot();
    const version = snap.versions.get(general.id)?.find((v) => v.id === general.inForce?.id);
    if (!version) return null;
    const nowMs = this.#p.clock.nowMs();
    const rec = explicitAnswer(nowMs, ctx, {
      versionId: version.id,
      documentId: general.id,
      subjectType: 'user',
      subjectId: userId,
      orgId: null,
      userId,
      decision: 'accepted',
    });
    await this.#p.store.inTransaction(async (tx) => {
      await this.#p.store.insertAcceptance(rec, tx);
      await this.#p.audit(
        { ...ctx, actor: { type: 'user', id: userId } },
        'terms.accept',
        { type: 'terms_version', id: version.id },
        {
          details: {
            acceptanceId: rec.id,
            onBehalfOf: 'self',
            documentSlug: general.slug,
            version: version.version,
            at: 'sign_up',
          },
          tx,
        },
      );
    });
    return acceptanceView(rec, general, version);
  }

  /**
   * True when the organisation accepted the product's additional terms: the version in force (or,
   * before any is in force, the first pending one), or a later one. Products without additional
   * terms pass.
   */
  async hasAcceptedProductTerms(orgId: string, productSlug: string): Promise<boolean> {
    const nowMs = this.#p.clock.nowMs();
    const nowIso = new Date(nowMs).toISOString();
    const snap = await this.#p.published.snapshot(nowMs);
    const docs = [...snap.documents.values()].filter(
      (d) => d.kind === 'additional' && d.productSlug === productSlug,
    );
    if (docs.length === 0) return true;
    const records = await this.#p.store.acceptancesOf('org', orgId);
    for (const d of docs) {
      const versions = snap.versions.get(d.id) ?? [];
      const required = versionInForce(versions, nowIso) ?? pendingVersions(versions, nowIso)[0];
      if (!required) continue;
      const ok = versions.some(
        (v) => v.version >= required.version && latestDecision(records, v.id)?.decision === 'accepted',
      );
      if (!ok) return false;
    }
    return true;
  }
}

/** An explicit answer's record, made at `nowMs` from the request's address. */
function explicitAnswer(
  nowMs: number,
  ctx: RequestContext,
  r: Pick<
    TermsAcceptance,
    'versionId' | 'documentId' | 'subjectType' | 'subjectId' | 'orgId' | 'userId' | 'decision'
  >,
): TermsAcceptance {
  return {
    id: newId('acc', nowMs),
    ...r,
    method: 'explicit',
    at: new Date(nowMs).toISOString(),
    ip: ctx.ip ?? null,
    userAgent: ctx.userAgent ?? null,
    effectNotifiedAt: null,
  };
}

import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { type VersionView, versionView } from './published-terms.ts';
import type { TermsParts } from './terms-parts.ts';
import type { ChangeClass, TermsDocument, TermsKind, TermsVersion } from './terms-store.ts';

/**
 * Writing terms: documents (general terms, a product's additional terms, policies, guidelines)
 * and drafts of their next version. Only operators write (a null principal is the seed); a draft
 * may change until it is published, and a published version never changes — a change is a new
 * version (publication: terms-publication.ts).
 */
export class TermsDrafts {
  readonly #p: TermsParts;

  constructor(parts: TermsParts) {
    this.#p = parts;
  }

  async createDocument(
    principal: Principal | null,
    input: { kind: TermsKind; slug: string; title: string; productSlug?: string | null },
    ctx: RequestContext,
  ): Promise<TermsDocument> {
    if (principal && !principal.isOperator) throw new AppError('forbidden');
    if (input.kind === 'additional' && !input.productSlug) {
      throw new AppError('validation_failed', {
        message: 'Additional terms belong to a product: give productSlug.',
        details: [
          { in: 'body', field: 'productSlug', code: 'required', message: 'required for additional terms' },
        ],
      });
    }
    if (input.kind === 'general' && input.productSlug) {
      throw new AppError('validation_failed', {
        message: 'General terms apply to every product: leave productSlug out.',
        details: [
          { in: 'body', field: 'productSlug', code: 'not_allowed', message: 'not allowed for general terms' },
        ],
      });
    }
    const now = this.#p.clock.nowMs();
    const doc: TermsDocument = {
      id: newId('tdoc', now),
      kind: input.kind,
      slug: input.slug,
      title: input.title,
      productSlug: input.productSlug ?? null,
      createdAt: new Date(now).toISOString(),
    };
    try {
      await this.#p.store.inTransaction(async (tx) => {
        await this.#p.store.insertDocument(doc, tx);
        await this.#p.audit(
          ctx,
          'terms.document_create',
          { type: 'terms_document', id: doc.id },
          { details: { kind: doc.kind, slug: doc.slug, productSlug: doc.productSlug }, tx },
        );
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: `A document with slug "${input.slug}" exists.` });
      throw err;
    }
    this.#p.changed(null);
    return doc;
  }

  async createDraft(
    principal: Principal | null,
    documentId: string,
    input: { bodyMd: string; summary: string; changeClass: ChangeClass },
    ctx: RequestContext,
  ): Promise<VersionView> {
    if (principal && !principal.isOperator) throw new AppError('forbidden');
    const doc = await this.#p.store.getDocument(documentId);
    if (!doc) throw new AppError('not_found', { message: 'No such terms document.' });
    const now = this.#p.clock.now().toISOString();
    const v: TermsVersion = {
      id: newId('trm', this.#p.clock.nowMs()),
      documentId,
      status: 'draft',
      version: null,
      bodyMd: input.bodyMd,
      summary: input.summary,
      changeClass: input.changeClass,
      createdAt: now,
      createdBy: principal?.userId ?? null,
      updatedAt: now,
      publishedAt: null,
      publishedBy: null,
      effectiveAt: null,
    };
    await this.#p.store.inTransaction(async (tx) => {
      await this.#p.store.insertVersion(v, tx);
      await this.#p.audit(
        ctx,
        'terms.draft_create',
        { type: 'terms_version', id: v.id },
        { details: { documentId, changeClass: v.changeClass }, tx },
      );
    });
    return versionView(v);
  }

  async updateDraft(
    principal: Principal,
    versionId: string,
    patch: { bodyMd?: string; summary?: string; changeClass?: ChangeClass },
    ctx: RequestContext,
  ): Promise<VersionView> {
    if (!principal.isOperator) throw new AppError('forbidden');
    const existing = await this.#p.store.getVersion(versionId);
    if (!existing) throw new AppError('not_found', { message: 'No such terms version.' });
    if (existing.status !== 'draft') throw new AppError('terms_version_published');
    await this.#p.store.inTransaction(async (tx) => {
      const ok = await this.#p.store.updateDraft(
        versionId,
        { ...patch, updatedAt: this.#p.clock.now().toISOString() },
        tx,
      );
      if (!ok) throw new AppError('terms_version_published');
      await this.#p.audit(
        ctx,
        'terms.draft_update',
        { type: 'terms_version', id: versionId },
        {
          details: {
            fields: Object.keys(patch).filter((k) => (patch as Record<string, unknown>)[k] !== undefined),
          },
          tx,
        },
      );
    });
    return versionView((await this.#p.store.getVersion(versionId))!);
  }

  async listDrafts(principal: Principal, documentId?: string): Promise<VersionView[]> {
    if (!principal.isOperator) throw new AppError('forbidden');
    return (await this.#p.store.listDrafts(documentId)).map(versionView);
  }

  /** A published version for anyone; drafts only for operators (others get not_found). */
  async getVersion(
    versionId: string,
    principal: Principal | null,
  ): Promise<VersionView & { document: TermsDocument }> {
    const v = await this.#p.store.getVersion(versionId);
    if (!v || (v.status === 'draft' && !principal?.isOperator))
      throw new AppError('not_found', { message: 'No such terms version.' });
    const doc = (await this.#p.store.getDocument(v.documentId))!;
    return { ...versionView(v), document: doc };
  }
}

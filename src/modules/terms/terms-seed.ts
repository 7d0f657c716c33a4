import type { Seeder } from '../../platform/module.ts';
import {
  sampleBillsSummary,
  sampleBillsTerms,
  sampleGeneralSummary,
  sampleGeneralTerms,
} from './sample-terms.ts';
import type { TermsService } from './terms-service.ts';

/** Slugs of the documents every install starts with. */
export const GENERAL_TERMS_SLUG = 'general-terms';
export const BILLS_TERMS_SLUG = 'bills-additional-terms';

/**
 * Creates the first version of a document unless the document already exists (idempotent).
 * Returns true when something was created.
 */
async function ensureDocument(
  terms: TermsService,
  d: {
    kind: 'general' | 'additional';
    slug: string;
    title: string;
    productSlug: string | null;
    body: string;
    summary: string;
  },
): Promise<boolean> {
  if (await terms.store.getDocumentBySlug(d.slug)) return false;
  const doc = await terms.createDocument(null, {
    kind: d.kind,
    slug: d.slug,
    title: d.title,
    productSlug: d.productSlug,
  });
  const draft = await terms.createDraft(null, doc.id, {
    bodyMd: d.body,
    summary: d.summary,
    changeClass: 'legal',
  });
  await terms.publish(null, draft.id);
  return true;
}

/** Base seeder: the general terms and the bills product's additional terms, in force at once. */
export async function seedTerms(terms: TermsService): Promise<string | undefined> {
  const created: string[] = [];
  if (
    await ensureDocument(terms, {
      kind: 'general',
      slug: GENERAL_TERMS_SLUG,
      title: 'General terms of use',
      productSlug: null,
      body: sampleGeneralTerms,
      summary: sampleGeneralSummary,
    })
  )
    created.push('general terms v1');
  if (
    await ensureDocument(terms, {
      kind: 'additional',
      slug: BILLS_TERMS_SLUG,
      title: 'Additional terms: bills',
      productSlug: 'bills',
      body: sampleBillsTerms,
      summary: sampleBillsSummary,
    })
  )
    created.push('bills additional terms v1');
  return created.length ? created.join(', ') : undefined;
}

export const termsSeeder: Seeder<{ terms: TermsService }> = {
  name: 'terms',
  demo: false,
  run: async ({ terms }) => seedTerms(terms),
};

import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import type { applicableTermsSchema, documentView, versionSchema } from './contracts.ts';
import type { PublishedVersion, TermsDocument, TermsKind, TermsStore, TermsVersion } from './terms-store.ts';

/**
 * The published terms as everyone reads them: documents and their published versions, cached
 * briefly; which version is in force at a moment and which are pending; the documents that apply
 * to a product and which of them governs.
 *
 * The version in force at a moment is the published version with the latest effective time not
 * after that moment (ties: the higher number).
 */
export type VersionView = z.infer<typeof versionSchema>;

/** A document with its version in force and its published versions not yet in force, earliest first. */
export type DocumentView = z.infer<typeof documentView>;

/** Documents that apply, general terms first; `governs` tells which wins on a conflict. */
export type ApplicableTerms = z.infer<typeof applicableTermsSchema>;

export type Snapshot = {
  loadedAtMs: number;
  documents: Map<string, TermsDocument>;
  /** Published versions per document, by version number ascending. */
  versions: Map<string, PublishedVersion[]>;
};

/** Published documents change rarely; every process re-reads them at least this often. */
const SNAPSHOT_TTL_MS = 15_000;

export function versionView(v: TermsVersion): VersionView {
  return {
    id: v.id,
    documentId: v.documentId,
    version: v.version,
    status: v.status,
    bodyMd: v.bodyMd,
    summary: v.summary,
    changeClass: v.changeClass,
    createdAt: v.createdAt,
    updatedAt: v.updatedAt,
    publishedAt: v.publishedAt,
    effectiveAt: v.effectiveAt,
  };
}

/** The version in force at `atIso`: latest effective time not after it (ties: higher number). */
export function versionInForce(versions: PublishedVersion[], atIso: string): PublishedVersion | null {
  let best: PublishedVersion | null = null;
  for (const v of versions) {
    if (v.effectiveAt > atIso) continue;
    if (
      !best ||
      v.effectiveAt > best.effectiveAt ||
      (v.effectiveAt === best.effectiveAt && v.version > best.version)
    )
      best = v;
  }
  return best;
}

export function pendingVersions(versions: PublishedVersion[], atIso: string): PublishedVersion[] {
  return versions
    .filter((v) => v.effectiveAt > atIso)
    .sort((a, b) =>
      a.effectiveAt < b.effectiveAt ? -1 : a.effectiveAt > b.effectiveAt ? 1 : a.version - b.version,
    );
}

export class PublishedTerms {
  readonly #store: TermsStore;
  readonly #clock: Clock;
  #snapshot: Snapshot | null = null;
  #snapshotLoading: Promise<Snapshot> | null = null;

  constructor(store: TermsStore, clock: Clock) {
    this.#store = store;
    this.#clock = clock;
  }

  /** Drops the cached snapshot (a publication or a new document in this process). */
  invalidate(): void {
    this.#snapshot = null;
  }

  /** Published documents and versions, cached briefly (publication in this process clears it). */
  async snapshot(nowMs: number = this.#clock.nowMs()): Promise<Snapshot> {
    const s = this.#snapshot;
    if (s && nowMs - s.loadedAtMs < SNAPSHOT_TTL_MS && nowMs >= s.loadedAtMs) return s;
    if (this.#snapshotLoading) return this.#snapshotLoading;
    this.#snapshotLoading = (async () => {
      const [docs, versions] = await Promise.all([this.#store.listDocuments(), this.#store.listPublished()]);
      const snap: Snapshot = { loadedAtMs: nowMs, documents: new Map(), versions: new Map() };
      for (const d of docs) {
        snap.documents.set(d.id, d);
        snap.versions.set(d.id, []);
      }
      for (const v of versions) snap.versions.get(v.documentId)?.push(v);
      this.#snapshot = snap;
      return snap;
    })().finally(() => {
      this.#snapshotLoading = null;
    });
    return this.#snapshotLoading;
  }

  async listDocuments(nowMs: number = this.#clock.nowMs()): Promise<DocumentView[]> {
    const snap = await this.snapshot(nowMs);
    const at = new Date(nowMs).toISOString();
    return [...snap.documents.values()].map((d) => documentViewOf(snap, d, at));
  }

  /**
   * Everything that applies to a product (or, without one, to the platform): general terms, then
   * the product's additional terms, then policies and guidelines. Additional terms govern the
   * product where they conflict with the general terms.
   */
  async getApplicableTerms(
    productSlug: string | null,
    nowMs: number = this.#clock.nowMs(),
  ): Promise<ApplicableTerms> {
    const snap = await this.snapshot(nowMs);
    const at = new Date(nowMs).toISOString();
    const order: Record<TermsKind, number> = { general: 0, additional: 1, policy: 2, guideline: 3 };
    const docs = [...snap.documents.values()]
      .filter((d) => d.kind === 'general' || d.productSlug === null || d.productSlug === productSlug)
      .filter((d) => (snap.versions.get(d.id)?.length ?? 0) > 0)
      .sort((a, b) => order[a.kind] - order[b.kind] || (a.id < b.id ? -1 : 1));
    return {
      productSlug,
      documents: docs.map((d) => ({ ...documentViewOf(snap, d, at), governs: d.kind })),
      precedence:
        'Additional terms for a product govern that product wherever they conflict with the general terms; policies and guidelines apply alongside both.',
    };
  }
}

function documentViewOf(snap: Snapshot, d: TermsDocument, atIso: string): DocumentView {
  const versions = snap.versions.get(d.id) ?? [];
  const inForce = versionInForce(versions, atIso);
  return {
    ...d,
    inForce: inForce ? versionView(inForce) : null,
    pending: pendingVersions(versions, atIso).map(versionView),
  };
}

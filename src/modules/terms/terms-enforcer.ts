import type { Logger } from '../../platform/logger.ts';
import type { SharedState, Unsubscribe } from '../../platform/shared-state/shared-state.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Notices } from '../notifications/index.ts';
import { latestDecision } from './acceptance-records.ts';
import { ContinuedUseRecords } from './continued-use-records.ts';
import type { TermsDecision, TermsEnforcer } from './ports.ts';
import { pendingVersions, versionInForce } from './published-terms.ts';
import type { TerminationService } from './termination-service.ts';
import type { TermsService } from './terms-service.ts';
import type { PublishedVersion, TermsDocument } from './terms-store.ts';

/**
 * The gateway's question on every call: may this organisation use the APIs now?
 *
 * - A terminated organisation (or one whose notice date has passed, even before the worker has
 *   carried the termination out) is refused with `organization_terminated`.
 * - An organisation that declined the version now in force is refused with `terms_declined`.
 * - Terms become effective for an organisation at its first access, and a version in force that
 *   it has not accepted is accepted by its continued use: the enforcer finds these and
 *   continued-use-records.ts records them (once each, across processes).
 *
 * The answer is cached per organisation in memory until the earliest of: a short TTL, the next
 * moment something changes by the calendar (a pending version or a termination date), or a change
 * through this process (accept, decline, publish, termination) — other processes hear of changes on
 * the shared-state channel TERMS_INVALIDATE_CHANNEL. So the common call does no database I/O.
 */

const TERMS_INVALIDATE_CHANNEL = 'terms-invalidate';

type Entry = { decision: TermsDecision; computedAtMs: number; validUntilMs: number };

const CACHE_TTL_MS = 30_000;
const MAX_ENTRIES = 50_000;

export class CachedTermsEnforcer implements TermsEnforcer {
  readonly #terms: TermsService;
  readonly #terminations: TerminationService;
  readonly #useRecords: ContinuedUseRecords;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, Entry>();
  readonly #inflight = new Map<string, Promise<TermsDecision>>();
  #lastOrg = '';
  #lastProduct: string | undefined = '\u0000';
  #lastKey = '|\u0000'; // the key of (lastOrg, lastProduct)
  #generation = 0;
  #sharedState: SharedState | null = null;
  #unsubscribe: Unsubscribe | null = null;

  constructor(deps: {
    terms: TermsService;
    terminations: TerminationService;
    audit: AuditLog;
    notifications: Notices;
    log?: Logger;
    ttlMs?: number;
  }) {
    this.#terms = deps.terms;
    this.#terminations = deps.terminations;
    this.#useRecords = new ContinuedUseRecords({
      store: deps.terms.store,
      orgAccess: deps.terms.orgAccess,
      audit: deps.audit,
      notifications: deps.notifications,
      log: deps.log,
    });
    this.#ttlMs = deps.ttlMs ?? CACHE_TTL_MS;
    deps.terms.onChange((orgId) => this.#localChange(orgId));
    deps.terminations.onChange((orgId) => this.#localChange(orgId));
  }

  /** Shares invalidations with other processes (gateways) over the shared state's pub/sub. */
  async connect(sharedState: SharedState): Promise<void> {
    this.#sharedState = sharedState;
    this.#unsubscribe = await sharedState.subscribe(TERMS_INVALIDATE_CHANNEL, (message) => {
      this.invalidate(message === '*' ? null : message);
    });
  }

  async close(): Promise<void> {
    await this.#unsubscribe?.().catch(() => {});
    this.#unsubscribe = null;
  }

  /** Drops cached answers for one organisation, or for all (null). */
  invalidate(orgId: string | null): void {
    this.#generation++;
    if (orgId === null) {
      this.#cache.clear();
      return;
    }
    for (const key of this.#cache.keys()) if (key.startsWith(`${orgId}|`)) this.#cache.delete(key);
  }

  #localChange(orgId: string | null): void {
    this.invalidate(orgId);
    this.#sharedState?.publish(TERMS_INVALIDATE_CHANNEL, orgId ?? '*').catch(() => {});
  }

  /**
   * `productSlug` (optional) adds that product's additional terms to the check; without it only
   * the general terms are enforced.
   */
  onApiCall(orgId: string, nowMs: number, productSlug?: string): TermsDecision | Promise<TermsDecision> {
    // The last key is reused while calls come for the same organisation and product (no new
    // string to build and hash per call).
    if (orgId !== this.#lastOrg || productSlug !== this.#lastProduct) {
      this.#lastOrg = orgId;
      this.#lastProduct = productSlug;
      this.#lastKey = `${orgId}|${productSlug ?? ''}`;
    }
    const key = this.#lastKey;
    const hit = this.#cache.get(key);
    if (hit && nowMs >= hit.computedAtMs && nowMs < hit.validUntilMs) return hit.decision;
    const running = this.#inflight.get(key);
    if (running) return running;
    const generation = this.#generation;
    const p = this.#evaluate(orgId, nowMs, productSlug)
      .then(({ decision, validUntilMs }) => {
        // A change that happened while evaluating makes this answer stale: do not keep it.
        if (generation === this.#generation) {
          if (this.#cache.size >= MAX_ENTRIES) this.#cache.clear();
          this.#cache.set(key, { decision, computedAtMs: nowMs, validUntilMs });
        }
        return decision;
      })
      .finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, p);
    return p;
  }

  async #evaluate(
    orgId: string,
    nowMs: number,
    productSlug: string | undefined,
  ): Promise<{ decision: TermsDecision; validUntilMs: number }> {
    const nowIso = new Date(nowMs).toISOString();
    let validUntilMs = nowMs + this.#ttlMs;
    const until = (iso: string) => {
      const ms = Date.parse(iso);
      if (ms > nowMs && ms < validUntilMs) validUntilMs = ms;
    };

    const termination = await this.#terminations.current(orgId);
    if (termination) {
      if (termination.status === 'completed' || termination.effectiveAt <= nowIso) {
        return {
          decision: {
            allowed: false,
            code: 'organization_terminated',
            message:
              termination.kind === 'notice'
                ? `This organisation's access ended on ${termination.effectiveAt} after its notice of termination.`
                : 'This organisation has been terminated; its access has ended.',
          },
          validUntilMs,
        };
      }
      until(termination.effectiveAt);
    }

    const snap = await this.#terms.snapshot(nowMs);
    const binding: TermsDocument[] = [...snap.documents.values()].filter(
      (d) =>
        d.kind === 'general' ||
        (productSlug !== undefined && d.kind === 'additional' && d.productSlug === productSlug),
    );
    const records = await this.#terms.store.acceptancesOf('org', orgId);
    const toRecord: { doc: TermsDocument; version: PublishedVersion }[] = [];
    let generalInForce: { doc: TermsDocument; version: PublishedVersion } | null = null;
    for (const doc of binding) {
      const versions = snap.versions.get(doc.id) ?? [];
      const next = pendingVersions(versions, nowIso)[0];
      if (next) until(next.effectiveAt);
      const v = versionInForce(versions, nowIso);
      if (!v) continue;
      if (doc.kind === 'general' && !generalInForce) generalInForce = { doc, version: v };
      const decision = latestDecision(records, v.id);
      if (decision?.decision === 'declined') {
        return {
          decision: {
            allowed: false,
            code: 'terms_declined',
            message: `Your organisation declined "${doc.title}" version ${v.version}, in force since ${v.effectiveAt}. Accept it in the portal to restore access.`,
          },
          validUntilMs,
        };
      }
      if (decision?.decision !== 'accepted') toRecord.push({ doc, version: v });
    }
    const firstAccess = records.some((r) => r.method === 'first_access');
    if ((!firstAccess && generalInForce) || toRecord.length > 0) {
      await this.#useRecords.record(orgId, nowMs, firstAccess ? null : generalInForce, toRecord);
    }
    return { decision: { allowed: true }, validUntilMs };
  }
}

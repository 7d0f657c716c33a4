import type { Clock } from '../../platform/clock.ts';
import { newId } from '../../platform/ids.ts';
import type { CallRecord } from '../gateway/index.ts';
import type { ConformanceStore, PassRow } from './conformance-store.ts';
import { earlierMatch, type ObservedCall, observedCallOf, stepHolds } from './observed-call.ts';
import type { ActiveCase, SuiteBook } from './suite-book.ts';

export type RecognizerStats = {
  /** Sandbox calls of apps stored as evidence since start (this process). */
  observed: number;
  /** Cases passed (first proofs) since start. */
  passed: number;
  /** Batches whose evaluation failed (a database error): their calls were not recognised. */
  failures: number;
};

/**
 * Whether `call` proves `kase`, and with which earlier call: null when it does not. `earlier` finds
 * the candidate earlier calls of the same app (the store's lookup, by RRN when the link names it).
 */
export async function proves(
  call: ObservedCall,
  kase: ActiveCase,
  earlier: (operations: readonly string[], rrn: string | null) => Promise<ObservedCall[]>,
): Promise<{ earlierRequestId: string | null } | null> {
  if (!stepHolds(call, kase.def)) return null;
  const after = kase.def.after;
  if (!after) return { earlierRequestId: null };
  const byRrn = after.link.find((l) => l.earlierField === 'refs.rrn');
  const rrn = byRrn ? call.refs[byRrn.field.slice('refs.'.length)] : undefined;
  if (byRrn && rrn === undefined) return null;
  const e = earlierMatch(call, kase.def, await earlier(after.operations, rrn ?? null));
  return e ? { earlierRequestId: e.requestId } : null;
}

/**
 * Recognises cases from the gateway's call-record feed, off the serving path: the feed hands every
 * call's record to `offer` in batches after the calls; `offer` keeps the sandbox calls of apps and
 * returns a promise, during which the feed queues the next batches (and sheds beyond its bound,
 * counted by the feed). Per batch: one insert of the observed calls (evidence, so a relation or a
 * case added later can use them), then each call against the active cases of its product's suite,
 * then one insert of the passes. Never self-reported: only what the gateway saw.
 */
export class Recognizer {
  readonly #store: ConformanceStore;
  readonly #book: SuiteBook;
  readonly #clock: Clock;
  /** Cases known passed (app|product|case|hash), so passed cases cost no lookups; bounded. */
  readonly #known = new Set<string>();
  readonly #stats: RecognizerStats = { observed: 0, passed: 0, failures: 0 };
  #busy: Promise<void> = Promise.resolve();

  constructor(o: { store: ConformanceStore; book: SuiteBook; clock: Clock }) {
    this.#store = o.store;
    this.#book = o.book;
    this.#clock = o.clock;
  }

  readonly offer = (batch: readonly CallRecord[]): Promise<void> | undefined => {
    const calls: ObservedCall[] = [];
    for (const r of batch) {
      const c = observedCallOf(r);
      if (c !== null && this.#mayTakePart(c)) calls.push(c);
    }
    if (calls.length === 0) return undefined;
    const run = this.#observe(calls).catch(() => {
      this.#stats.failures++;
    });
    this.#busy = run;
    return run;
  };

  /**
   * Whether the call can take part in a case its app has not passed yet: prove it, or be the
   * earlier call its relation names. Only such calls are stored and evaluated, so an app that has
   * passed its suite, or traffic that no open case asks for (a load of title fetches once that
   * case is passed), costs the serving thread a few comparisons per call and no database write.
   */
  #mayTakePart(c: ObservedCall): boolean {
    for (const kase of this.#book.activeCases(c.productSlug)) {
      if (this.#known.has(`${c.appId}|${c.productSlug}|${kase.def.id}|${kase.hash}`)) continue;
      if (stepHolds(c, kase.def) || (kase.def.after && stepHolds(c, kase.def.after))) return true;
    }
    return false;
  }

  /** Resolves when the batch being evaluated is done (tests, shutdown). */
  idle(): Promise<void> {
    return this.#busy;
  }

  stats(): RecognizerStats {
    return { ...this.#stats };
  }

  /** One transaction per batch: its calls, the lookups (which see them) and its passes. */
  async #observe(calls: ObservedCall[]): Promise<void> {
    const nowMs = this.#clock.nowMs();
    const nowIso = new Date(nowMs).toISOString();
    const found: string[] = [];
    const passes = await this.#store.transaction(async (store) => {
      await store.insertCalls(calls.map((call) => ({ id: newId('ccl', nowMs), call })));
      const rows: PassRow[] = [];
      for (const call of calls) {
        for (const kase of this.#book.activeCases(call.productSlug)) {
          const key = `${call.appId}|${call.productSlug}|${kase.def.id}|${kase.hash}`;
          if (this.#known.has(key) || found.includes(key)) continue;
          const p = await proves(call, kase, (ops, rrn) => store.earlierCalls(call.appId, ops, rrn));
          if (!p) continue;
          found.push(key);
          rows.push(passRow(call, kase, p.earlierRequestId, nowIso));
        }
      }
      await store.insertPasses(rows);
      return rows;
    });
    // Known only once committed: a failed batch leaves nothing marked.
    if (this.#known.size > 100_000) this.#known.clear();
    for (const key of found) this.#known.add(key);
    this.#stats.observed += calls.length;
    this.#stats.passed += passes.length;
  }
}

export function passRow(
  call: ObservedCall,
  kase: ActiveCase,
  earlierRequestId: string | null,
  nowIso: string,
): PassRow {
  return {
    app_id: call.appId,
    product_slug: call.productSlug,
    case_id: kase.def.id,
    case_hash: kase.hash,
    org_id: call.orgId,
    request_id: call.requestId,
    earlier_request_id: earlierRequestId,
    at_ms: call.atMs,
    created_at: nowIso,
  };
}

import type { Logger } from '../../platform/logger.ts';
import type { SharedState, Unsubscribe } from '../../platform/shared-state/shared-state.ts';
import { type BreakerState, CircuitBreaker } from './circuit-breaker.ts';
import { type Dispatcher, upstreamDispatcher } from './dispatch.ts';
import { GatewayError } from './gateway-errors.ts';
import {
  type NetworkCallContext,
  type NetworkOperation,
  type NetworkResult,
  UPSTREAMS_CHANGED_CHANNEL,
  type UpstreamDirectory,
  type UpstreamSettings,
} from './ports.ts';

/**
 * The production catalog's dispatcher: each call goes to its product's upstream (settings from the
 * upstreams module through UpstreamDirectory), through that upstream's circuit breaker
 * (circuit-breaker.ts) and keep-alive pool (dispatch.ts).
 *
 * - No upstream for the product (or one switched off): 503 `gateway_upstream_not_configured`.
 * - Breaker open: 503 `gateway_upstream_circuit_open` with Retry-After, at once, the upstream
 *   untouched.
 * - Retries: only operations their provider marks `idempotent` (the sandbox's list:
 *   src/modules/sandbox/idempotent-operations.ts — inquiries, the title fetch, never a transfer,
 *   payment or reversal) are sent a second time, once, after a dropped or refused connection or
 *   a 502/503/504 answer, and only while the breaker admits it. A time-out is not retried (the
 *   caller's wait is already spent).
 * - Settings are read at start, on a message on UPSTREAMS_CHANGED_CHANNEL (every gateway process
 *   gets it through the shared state: Redis pub/sub when scaled out) and every `refreshMs`
 *   (default 30 s) in case one was lost. A changed upstream gets a new pool and breaker; the old
 *   pool closes after the calls on it have had their time-out.
 */
export type UpstreamHealth = {
  productSlug: string;
  baseUrl: string;
  /** The settings' version this process uses. */
  version: string;
  state: BreakerState;
  /** Consecutive failures seen (0 once a call succeeds). */
  failures: number;
  opened: number;
  lastError: string | null;
};

type Entry = {
  settings: UpstreamSettings;
  dispatch: Dispatcher & { close(): Promise<void> };
  breaker: CircuitBreaker;
  failures: number;
  lastError: string | null;
};

export type ProductionUpstreamsOptions = {
  directory: UpstreamDirectory;
  sharedState: SharedState;
  log: Logger;
  refreshMs?: number;
  breaker?: { failureThreshold?: number; openMs?: number };
};

const DOWN_STATUSES = new Set([502, 503, 504]);

export class ProductionUpstreams {
  readonly #o: ProductionUpstreamsOptions;
  readonly #entries = new Map<string, Entry>();
  #timer: NodeJS.Timeout | undefined;
  #unsubscribe: Unsubscribe | undefined;
  #refreshing: Promise<void> | null = null;
  #again = false;

  constructor(o: ProductionUpstreamsOptions) {
    this.#o = o;
  }

  /** The dispatcher the pipeline's dispatch step calls for the production catalog. */
  readonly dispatch: Dispatcher = (op, ctx) => {
    const e = this.#entries.get(op.productSlug);
    if (e === undefined) return Promise.reject(notConfigured);
    const wait = e.breaker.admit();
    if (wait !== null) return Promise.reject(circuitOpen(wait));
    return this.#attempt(e, op, ctx, op.idempotent === true);
  };

  async #attempt(
    e: Entry,
    op: NetworkOperation,
    ctx: NetworkCallContext,
    mayRetry: boolean,
  ): Promise<NetworkResult> {
    let result: NetworkResult;
    try {
      result = await e.dispatch(op, ctx);
    } catch (err) {
      const g = err as GatewayError;
      if (g.code === 'gateway_upstream_bad_answer') {
        // The upstream is up; its answer was refused.
        this.#ok(e);
        throw err;
      }
      this.#failed(e, g.message);
      const down = g.code === 'gateway_upstream_unavailable' || g.code === 'gateway_upstream_unreachable';
      if (mayRetry && down && e.breaker.admit() === null) return this.#attempt(e, op, ctx, false);
      throw err;
    }
    if (DOWN_STATUSES.has(result.status)) {
      this.#failed(e, `answered ${result.status}`);
      if (mayRetry && e.breaker.admit() === null) return this.#attempt(e, op, ctx, false);
    } else this.#ok(e);
    return result;
  }

  #ok(e: Entry): void {
    if (e.failures === 0 && e.breaker.state === 'closed') return;
    if (e.breaker.state !== 'closed')
      this.#o.log.info({ product: e.settings.productSlug }, 'upstream answering again: circuit closed');
    e.failures = 0;
    e.breaker.success();
  }

  #failed(e: Entry, reason: string): void {
    e.failures++;
    e.lastError = reason;
    const before = e.breaker.opened;
    e.breaker.failure();
    if (e.breaker.opened !== before)
      this.#o.log.warn(
        { product: e.settings.productSlug, reason },
        'upstream failing: circuit open, calls fail fast with 503',
      );
  }

  /** Reads the settings now, subscribes to changes and starts the periodic refresh. */
  async start(): Promise<void> {
    // Subscribed before the first read, so a change made in between is not left to the timer.
    this.#unsubscribe = await this.#o.sharedState
      .subscribe(UPSTREAMS_CHANGED_CHANNEL, () => void this.refresh().catch(() => {}))
      .catch(() => undefined);
    this.#timer = setInterval(() => void this.refresh().catch(() => {}), this.#o.refreshMs ?? 30_000);
    this.#timer.unref();
    await this.refresh().catch((err: Error) =>
      this.#o.log.warn({ err: err.message }, 'upstream settings not read; retried every refresh'),
    );
  }

  /** Re-reads every upstream; a changed one (version) gets a new pool and breaker. */
  refresh(): Promise<void> {
    // One read at a time; a change announced while one is under way (it may have read before the
    // change committed) is read again right after it.
    if (this.#refreshing) {
      this.#again = true;
      return this.#refreshing;
    }
    this.#refreshing = (async () => {
      try {
        do {
          this.#again = false;
          await this.#reload();
        } while (this.#again);
      } finally {
        this.#refreshing = null;
      }
    })();
    return this.#refreshing;
  }

  async #reload(): Promise<void> {
    const list = await this.#o.directory.listUpstreamSettings();
    const seen = new Set<string>();
    for (const s of list) {
      if (!s.enabled) continue;
      seen.add(s.productSlug);
      const old = this.#entries.get(s.productSlug);
      if (old?.settings.version === s.version) continue;
      this.#entries.set(s.productSlug, {
        settings: s,
        dispatch: upstreamDispatcher(s),
        breaker: new CircuitBreaker(this.#o.breaker),
        failures: 0,
        lastError: null,
      });
      if (old) this.#retire(old);
    }
    for (const [slug, e] of this.#entries) {
      if (seen.has(slug)) continue;
      this.#entries.delete(slug);
      this.#retire(e);
    }
  }

  /** Closes a replaced pool once calls already on it have had their time-out. */
  #retire(e: Entry): void {
    setTimeout(() => void e.dispatch.close().catch(() => {}), e.settings.responseTimeoutMs + 1000).unref();
  }

  health(): UpstreamHealth[] {
    return [...this.#entries.values()].map((e) => ({
      productSlug: e.settings.productSlug,
      baseUrl: e.settings.baseUrl,
      version: e.settings.version,
      state: e.breaker.state,
      failures: e.failures,
      opened: e.breaker.opened,
      lastError: e.lastError,
    }));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.#unsubscribe?.().catch(() => {});
    for (const e of this.#entries.values()) await e.dispatch.close().catch(() => {});
    this.#entries.clear();
  }
}

const notConfigured = new GatewayError(
  'gateway_upstream_not_configured',
  503,
  'No upstream is configured for this operation in this catalog.',
  { headers: { 'retry-after': '60' } },
);

function circuitOpen(seconds: number): GatewayError {
  return new GatewayError(
    'gateway_upstream_circuit_open',
    503,
    `The upstream is failing; calls to it fail fast for ${seconds} s more.`,
    { headers: { 'retry-after': String(seconds) } },
  );
}

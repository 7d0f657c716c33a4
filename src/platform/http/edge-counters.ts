import type { Clock } from '../clock.ts';

/**
 * What the HTTP edge refuses or sees before any pipeline (docs/detectors.md, "Signals"):
 * - `unknown_path`: a request for a path no route serves (the 404 `route_not_found`);
 * - `unauthenticated`: a portal or API request refused for missing or wrong credentials (401);
 * - `rate_limited`: a request the portal's per-address limit refused (429);
 * - `oversized`: a body over the limit (413) or a head over Node's header limit (431);
 * - `too_deep`: a JSON body nested beyond the bound (`json_too_deep`) refused before any handler;
 * - `slow`: a request whose head or body did not arrive in time (408);
 * - `connection`: a connection opened (counted per address; floods compare it per network).
 */
export type EdgeWhat =
  | 'unauthenticated'
  | 'unknown_path'
  | 'rate_limited'
  | 'oversized'
  | 'too_deep'
  | 'slow'
  | 'connection';

/** The edge event a refusal's error code is, if any (the Fastify app's error handler). */
export function edgeWhatOf(code: string | undefined): EdgeWhat | null {
  switch (code) {
    case 'unauthenticated':
      return 'unauthenticated';
    case 'rate_limited':
      return 'rate_limited';
    case 'payload_too_large':
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'oversized';
    case 'json_too_deep':
      return 'too_deep';
    default:
      return null;
  }
}

/** One source's events of one kind within a flush interval: `count` of them, the first at `atMs`. */
export type EdgeEvent = { what: EdgeWhat; ip: string; path: string | null; count: number; atMs: number };

/** The counter as the refusal paths see it: one call per event, nothing else. */
export type EdgeCount = (what: EdgeWhat, ip: string | undefined, path?: string | null) => void;

type Options = {
  /** The business clock: the events' times are compared with the call records'. */
  clock: Clock;
  /** How often counts are handed on (default 1 000 ms). */
  flushMs?: number;
  /** Distinct (kind, address) keys kept per interval; events beyond are counted in `dropped` (default 10 000). */
  maxKeys?: number;
};

/**
 * Per-event counting for the refusal paths of every entrance (the Fastify app's error and
 * not-found handlers, the gateway's raw entrances, the lean HTTP layer): `count` is one Map lookup
 * and an increment, keyed by kind and source address — nothing is added to a call that is served.
 * Every `flushMs` (a timer that does not keep the process alive) the interval's counts go to the
 * subscribers as one batch of EdgeEvents, off every request; a subscriber that throws is ignored
 * (the detectors queue, they never answer back). Bounded: at most `maxKeys` keys per interval.
 */
export class EdgeCounters {
  readonly #o: Required<Options>;
  #counts = new Map<string, EdgeEvent>();
  readonly #subs: Array<(batch: readonly EdgeEvent[]) => void> = [];
  #timer: NodeJS.Timeout | null = null;
  #dropped = 0;

  constructor(o: Options) {
    this.#o = { flushMs: 1_000, maxKeys: 10_000, ...o };
  }

  readonly count: EdgeCount = (what, ip, path = null) => {
    if (this.#subs.length === 0) return;
    const source = ip || 'unknown';
    const key = `${what}|${source}`;
    const e = this.#counts.get(key);
    if (e !== undefined) {
      e.count++;
      return;
    }
    if (this.#counts.size >= this.#o.maxKeys) {
      this.#dropped++;
      return;
    }
    const sample = path === null ? null : path.slice(0, 120);
    this.#counts.set(key, { what, ip: source, path: sample, count: 1, atMs: this.#o.clock.nowMs() });
    if (this.#timer === null) {
      this.#timer = setTimeout(this.flush, this.#o.flushMs);
      this.#timer.unref();
    }
  };

  /** Receives each interval's batch; counting starts with the first subscriber. */
  subscribe(handle: (batch: readonly EdgeEvent[]) => void): { unsubscribe(): void } {
    this.#subs.push(handle);
    return {
      unsubscribe: () => {
        const i = this.#subs.indexOf(handle);
        if (i >= 0) this.#subs.splice(i, 1);
      },
    };
  }

  /** Hands the counts so far to the subscribers now (tests, shutdown); normally the timer does. */
  readonly flush = (): void => {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#counts.size === 0) return;
    const batch = [...this.#counts.values()];
    this.#counts = new Map();
    for (const handle of this.#subs) {
      try {
        handle(batch);
      } catch {
        // A subscriber's failure is its own; the edge keeps counting.
      }
    }
  };

  /** Events not counted because an interval held `maxKeys` keys already. */
  dropped(): number {
    return this.#dropped;
  }
}

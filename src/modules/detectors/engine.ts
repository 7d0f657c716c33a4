import type { CallRecord } from '../gateway/index.ts';
import type { Detector, Finding, Observer, Signal, Thresholds } from './detector.ts';

export type DetectorSettings = { enabled: boolean; thresholds: Thresholds };
export type EngineStats = {
  /** Signals evaluated since start. */
  processed: number;
  /** Signals shed because the queue was full (the detectors fell behind). */
  shed: number;
  /** Signals waiting now. */
  queued: number;
  /** How far behind the oldest waiting signal is (ms), 0 when idle. */
  lagMs: number;
  /** Findings reported as incidents, and findings shed because reporting fell behind. */
  reported: number;
  reportsShed: number;
  reportFailures: number;
};

type Options = {
  detectors: readonly Detector[];
  /** Turns a finding into an incident (and runs the policies); awaited one at a time. */
  report: (detector: Detector, f: Finding) => Promise<void>;
  nowMs: () => number;
  /** Signals that may wait before the oldest are shed (default 200 000). */
  maxQueued?: number;
  /** Signals evaluated per turn of the event loop before yielding (default 2 000). */
  sliceSize?: number;
};

/**
 * Runs the detectors over signals, never inside a call: `offerCalls` (the gateway's call-record
 * feed) and `offer` (portal and OAuth events, the edge's counters) only queue and schedule; the
 * evaluation runs in slices on later turns of the event loop, yielding between slices so serving
 * keeps its turns. The queue is bounded: when the detectors fall behind, the oldest signals are
 * shed and counted (stats), so neither the gateway nor its usage writer ever waits for them.
 * Findings are reported one at a time; beyond 1 000 waiting, new ones are shed and counted.
 */
export class DetectorEngine {
  readonly #o: Options;
  /** Each detector's observer, settings and report callback, made once (no closure per signal). */
  readonly #runs: Array<{ id: string; observe: Observer<Thresholds>; report: (f: Finding) => void }> = [];
  readonly #settings = new Map<string, DetectorSettings>();
  #queue: Signal[] = [];
  #head = 0;
  #scheduled = false;
  #findings: Array<[Detector, Finding]> = [];
  #reporting: Promise<void> | null = null;
  readonly #stats = { processed: 0, shed: 0, reported: 0, reportsShed: 0, reportFailures: 0 };

  constructor(opts: Options) {
    this.#o = opts;
    for (const d of opts.detectors) {
      this.#runs.push({ id: d.id, observe: d.create(), report: (f) => this.#found(d, f) });
      this.#settings.set(d.id, { enabled: true, thresholds: d.defaults });
    }
  }

  /** The settings in force (the next signal is evaluated with them). */
  configure(id: string, s: DetectorSettings): void {
    if (this.#settings.has(id)) this.#settings.set(id, s);
  }

  settings(id: string): DetectorSettings | undefined {
    return this.#settings.get(id);
  }

  /** The call-record feed's subscriber: one push per record, no evaluation. */
  readonly offerCalls = (batch: readonly CallRecord[]): void => {
    for (const r of batch) this.#queue.push({ kind: 'call', r });
    this.#afterOffer();
  };

  offer(s: Signal): void {
    this.#queue.push(s);
    this.#afterOffer();
  }

  #afterOffer(): void {
    const max = this.#o.maxQueued ?? 200_000;
    const waiting = this.#queue.length - this.#head;
    if (waiting > max) {
      this.#stats.shed += waiting - max;
      this.#head += waiting - max;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  }

  readonly #drain = (): void => {
    this.#scheduled = false;
    const end = Math.min(this.#queue.length, this.#head + (this.#o.sliceSize ?? 2_000));
    for (let i = this.#head; i < end; i++) this.evaluate(this.#queue[i]!);
    this.#head = end;
    if (this.#head >= this.#queue.length) {
      this.#queue = [];
      this.#head = 0;
    } else {
      if (this.#head > 50_000) {
        this.#queue = this.#queue.slice(this.#head);
        this.#head = 0;
      }
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  };

  /** Evaluates one signal with every enabled detector (synchronous; the benchmark calls it). */
  evaluate(s: Signal): void {
    this.#stats.processed++;
    for (const run of this.#runs) {
      const set = this.#settings.get(run.id)!;
      if (set.enabled) run.observe(s, set.thresholds, run.report);
    }
  }

  #found(d: Detector, f: Finding): void {
    if (this.#findings.length >= 1_000) {
      this.#stats.reportsShed++;
      return;
    }
    this.#findings.push([d, f]);
    this.#reporting ??= this.#report();
  }

  async #report(): Promise<void> {
    while (this.#findings.length > 0) {
      const [d, f] = this.#findings.shift()!;
      try {
        await this.#o.report(d, f);
        this.#stats.reported++;
      } catch {
        this.#stats.reportFailures++;
      }
    }
    this.#reporting = null;
  }

  /** Resolves when every queued signal is evaluated and every finding reported (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.#head < this.#queue.length || this.#reporting || this.#scheduled) {
      if (this.#reporting) await this.#reporting;
      else await new Promise<void>((r) => setImmediate(r));
    }
  }

  stats(): EngineStats {
    const oldest = this.#queue[this.#head];
    const at = oldest === undefined ? null : oldest.kind === 'call' ? oldest.r.atMs : oldest.atMs;
    return {
      ...this.#stats,
      queued: this.#queue.length - this.#head,
      lagMs: at === null ? 0 : Math.max(0, this.#o.nowMs() - at),
    };
  }
}

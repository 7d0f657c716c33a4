import type { Detector, Finding, Observer, Signal, Thresholds } from './detector.ts';

export type DetectorSettings = { enabled: boolean; thresholds: Thresholds };

type CoreOptions = {
  detectors: readonly Detector[];
  /** Called for each finding, synchronously, inside the evaluation. */
  found: (detectorId: string, f: Finding) => void;
  /** Signals that may wait before the oldest are shed (default 200 000). */
  maxQueued?: number;
  /** Signals evaluated per turn of the event loop before yielding (default 2 000). */
  sliceSize?: number;
  /** Called after each slice and whenever the queue empties (the worker publishes its counters). */
  afterSlice?: () => void;
};

/**
 * The detectors' evaluation loop on one thread (the engine's worker thread, or the benchmark's
 * engine-alone mode): `take` only queues and schedules; evaluation runs in slices on later turns
 * of the event loop, yielding between them so that the thread keeps receiving (in the worker: the
 * batches posted to it, settings, idle requests). The queue is bounded: beyond `maxQueued` the
 * oldest signals are shed and counted.
 */
export class EngineCore {
  readonly #o: CoreOptions;
  /** Each detector's observer, report callback and settings in force (no closure or lookup per signal). */
  readonly #runs: Array<{
    id: string;
    observe: Observer<Thresholds>;
    report: (f: Finding) => void;
    settings: DetectorSettings;
  }> = [];
  #queue: Signal[] = [];
  #head = 0;
  #scheduled = false;
  #whenEmpty: Array<() => void> = [];
  /** Signals evaluated and shed since start. */
  processed = 0;
  shed = 0;

  constructor(opts: CoreOptions) {
    this.#o = opts;
    for (const d of opts.detectors) {
      this.#runs.push({
        id: d.id,
        observe: d.create(),
        report: (f) => opts.found(d.id, f),
        settings: { enabled: true, thresholds: d.defaults },
      });
    }
  }

  /** The settings in force from the next signal on. */
  configure(id: string, s: DetectorSettings): void {
    const run = this.#runs.find((r) => r.id === id);
    if (run) run.settings = s;
  }

  take(s: Signal): void {
    this.#queue.push(s);
  }

  /** After one or more `take`s: sheds beyond the bound and schedules a slice. */
  schedule(): void {
    const max = this.#o.maxQueued ?? 200_000;
    const waiting = this.#queue.length - this.#head;
    if (waiting > max) {
      this.shed += waiting - max;
      this.#head += waiting - max;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#drain);
    }
  }

  get queued(): number {
    return this.#queue.length - this.#head;
  }

  /** When the oldest waiting signal happened (ms since the epoch), or null when none waits. */
  oldestAtMs(): number | null {
    const s = this.#queue[this.#head];
    return s === undefined ? null : s.kind === 'call' ? s.r.atMs : s.atMs;
  }

  /** Calls `f` once the queue is empty (at once if it is). */
  whenEmpty(f: () => void): void {
    if (this.queued === 0 && !this.#scheduled) f();
    else this.#whenEmpty.push(f);
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
    this.#o.afterSlice?.();
    if (!this.#scheduled && this.#whenEmpty.length > 0) {
      const waiting = this.#whenEmpty;
      this.#whenEmpty = [];
      for (const f of waiting) f();
    }
  };

  /** Evaluates one signal with every enabled detector (synchronous). */
  evaluate(s: Signal): void {
    this.processed++;
    for (const run of this.#runs) {
      const set = run.settings;
      if (set.enabled) run.observe(s, set.thresholds, run.report);
    }
  }
}

import { type MessagePort, Worker } from 'node:worker_threads';
import type { CallRecord, CallRecordHandler } from '../gateway/index.ts';
import { CallRing } from './call-ring.ts';
import type { Detector, Finding, Signal } from './detector.ts';
import type { DetectorSettings } from './engine-core.ts';
import {
  COUNTER,
  COUNTER_SLOTS,
  type EncodedCalls,
  type EngineWorkerData,
  type FromWorker,
  type ToWorker,
} from './engine-wire.ts';

export type { DetectorSettings } from './engine-core.ts';
export type EngineStats = {
  /** Signals evaluated since start. */
  processed: number;
  /** Signals shed because the detectors fell behind (or were lost with a crashed worker). */
  shed: number;
  /** Signals waiting now (handed over and not yet evaluated). */
  queued: number;
  /** How far behind the oldest signal waiting in the worker is (ms), 0 when idle. */
  lagMs: number;
  /** Findings reported as incidents, and findings shed because reporting fell behind. */
  reported: number;
  reportsShed: number;
  reportFailures: number;
  /** Times the worker thread crashed and was started again. */
  restarts: number;
};

type Options = {
  detectors: readonly Detector[];
  /** Turns a finding into an incident (and runs the policies); awaited one at a time. */
  report: (detector: Detector, f: Finding) => Promise<void>;
  nowMs: () => number;
  /** Signals that may wait in the worker, and signals that may be in flight to it, before shedding (default 200 000). */
  maxQueued?: number;
  /** Signals the worker evaluates per turn of its event loop before yielding (default 2 000). */
  sliceSize?: number;
  /** The module whose `DETECTORS` the worker runs (default the catalogue; tests name a fixture). */
  workerModule?: URL;
  /** The call ring's size in bytes (default RING_BYTES; tests make it small). */
  ringBytes?: number;
};

/**
 * The call ring's size: what may be written and not yet decoded by the worker, ~14 000 records
 * of the bench's call (~1.1 KB each with their reserve), half a second of this gateway's peak. The
 * worker decodes a batch as it arrives (evaluation waits in its own queue), so the ring fills only
 * while the worker cannot take messages at all.
 */
const RING_BYTES = 16 * 1024 * 1024;

/**
 * The feed's batches, written into the ring at once, are announced to the worker together: one
 * message at most every SEND_EVERY_MS, or as soon as SEND_RECORDS records wait. A message per
 * event-loop turn woke the worker thousands of times a second, and each wake-up could put it on
 * the serving thread's core ahead of the serving thread (docs/performance.md item 46); a wake-up
 * every 50 ms rather than 10 also costs the worker a third less CPU per record (ADR 0025).
 */
const SEND_EVERY_MS = 50;
const SEND_RECORDS = 4096;

/** A (detector, subject) is reported at most once per this interval; findings between are merged. */
const REPORT_INTERVAL_MS = 5_000;
/** Evidence a merged finding keeps (the incident itself caps what it stores). */
const MERGED_REQUEST_IDS = 20;
const MERGED_SAMPLES = 10;

/** Adds a later finding of the same (detector, subject) to a held one. */
function mergeFinding(into: Finding, f: Finding): void {
  into.count += f.count;
  into.windowStartMs = Math.min(into.windowStartMs, f.windowStartMs);
  into.windowEndMs = Math.max(into.windowEndMs, f.windowEndMs);
  into.title = f.title;
  into.summary = f.summary;
  if (f.severity !== undefined) into.severity = f.severity;
  if (f.orgId !== undefined) into.orgId = f.orgId;
  for (const id of f.requestIds) if (into.requestIds.length < MERGED_REQUEST_IDS) into.requestIds.push(id);
  for (const x of f.samples) if (into.samples.length < MERGED_SAMPLES) into.samples.push(x);
}

/** The gateway's call-record feed (detectors subscribe to it in every process that serves calls). */
type CallRecordSource = { subscribe(handler: CallRecordHandler): { unsubscribe(): void } };

/**
 * Runs the detectors in a worker thread (engine-worker.ts, at a lower scheduling priority), off
 * the thread that serves calls. On this thread `offerCalls` (the call-record feed's subscriber)
 * encodes the batch into the call ring (engine-wire.ts, call-ring.ts) and announces it with the
 * next few milliseconds' batches, and `offer` posts one signal: neither evaluates, waits or
 * blocks. Findings come back and are reported here, one at a time, merged per (detector, subject)
 * over REPORT_INTERVAL_MS (beyond 1 000 waiting, new ones are shed and counted), because
 * the incident reporter needs the database and the enforcement module. Settings reach the worker
 * in order with the signals, so a change applies to the next signal handed over.
 *
 * Bounded twice: the worker's own queue sheds its oldest signals beyond `maxQueued`, and a batch is
 * cut (its oldest records shed) when more than `maxQueued` signals are already in flight to a worker
 * that has not taken them. The counters live in a shared buffer the worker writes, so `stats()`
 * reads them at once, whatever the worker is doing. A worker that crashes is started again with the
 * settings in force (its detectors' windows start empty) and counted; what it held is counted as shed.
 */
export class DetectorEngine {
  readonly #o: Options;
  readonly #byId = new Map<string, Detector>();
  readonly #settings = new Map<string, DetectorSettings>();
  readonly #counters = new SharedArrayBuffer(COUNTER_SLOTS * 8);
  readonly #c = new BigInt64Array(this.#counters);
  #worker: Worker | null = null;
  /** Where the feed's batches are written for the worker (a new one with each worker). */
  #ring!: CallRing;
  #threadId = 0;
  #ready: Promise<void> = Promise.resolve();
  #closing = false;
  #lastStart = 0;
  /** Signals posted to the worker (compared with what it has taken: the rest is in flight). */
  #posted = 0;
  /** Batches written into the ring and not yet announced (sent together: see SEND_EVERY_MS). */
  #unsent: EncodedCalls[] = [];
  #unsentRecords = 0;
  #sendTimer: NodeJS.Timeout | null = null;
  #nextIdle = 1;
  readonly #idleWaiters = new Map<number, () => void>();
  #findings: Array<[Detector, Finding]> = [];
  /** When each (detector, subject) was last reported, and the findings merged since (see #found). */
  readonly #lastReport = new Map<string, number>();
  readonly #held = new Map<string, { d: Detector; f: Finding; timer: NodeJS.Timeout }>();
  #reporting: Promise<void> | null = null;
  #subscription: { unsubscribe(): void } | null = null;
  readonly #stats = { shed: 0, reported: 0, reportsShed: 0, reportFailures: 0, restarts: 0 };

  constructor(opts: Options) {
    this.#o = opts;
    for (const d of opts.detectors) {
      this.#byId.set(d.id, d);
      this.#settings.set(d.id, { enabled: true, thresholds: d.defaults });
    }
    this.#start();
  }

  #start(): void {
    this.#lastStart = Date.now();
    this.#ring = new CallRing(this.#o.ringBytes ?? RING_BYTES, this.#c);
    const data: EngineWorkerData = {
      module: (this.#o.workerModule ?? new URL('./catalogue.ts', import.meta.url)).href,
      settings: [...this.#settings],
      maxQueued: this.#o.maxQueued ?? 200_000,
      sliceSize: this.#o.sliceSize ?? 2_000,
      counters: this.#counters,
      ring: this.#ring.sab,
    };
    const w = new Worker(new URL('./engine-worker.ts', import.meta.url), { workerData: data });
    // An idle engine never keeps a process alive; waiting for it (idle, close) holds a reference.
    w.unref();
    this.#worker = w;
    this.#ready = new Promise<void>((resolve) => {
      w.on('message', (m: FromWorker) => {
        if (m.t === 'found') this.#found(m.d, m.f);
        else if (m.t === 'idle') this.#idleWaiters.get(m.id)?.();
        else if (m.t === 'ready') {
          this.#threadId = m.threadId;
          resolve();
        }
      });
    });
    w.on('error', () => {});
    w.on('exit', () => this.#exited(w));
  }

  /** A worker ended: after close, as planned; otherwise it crashed, and a new one takes over. */
  #exited(w: Worker): void {
    if (this.#worker !== w) return;
    this.#worker = null;
    // Batches in its ring not yet announced go with it (counted as shed below, as posted and not taken).
    this.#unsent = [];
    this.#unsentRecords = 0;
    if (this.#closing) return;
    this.#stats.restarts++;
    // What it held is lost: signals in flight to it and waiting in its queue.
    const taken = Number(Atomics.load(this.#c, COUNTER.taken));
    this.#stats.shed += this.#posted - taken + Number(Atomics.load(this.#c, COUNTER.queued));
    this.#posted = taken;
    Atomics.store(this.#c, COUNTER.queued, 0n);
    Atomics.store(this.#c, COUNTER.oldestAtMs, -1n);
    // A worker that crashes at once again is started after a second (no busy loop of restarts).
    const delay = Date.now() - this.#lastStart < 1_000 ? 1_000 : 0;
    // Idle waiters of the dead worker: it holds nothing now.
    for (const done of this.#idleWaiters.values()) done();
    this.#ready = new Promise<void>((resolve) => {
      const restart = () => {
        if (this.#closing) return resolve();
        this.#start();
        void this.#ready.then(resolve);
      };
      if (delay === 0) restart();
      else setTimeout(restart, delay).unref();
    });
  }

  /** The worker thread's id (0 until it has started): the engine never evaluates on this thread. */
  async threadId(): Promise<number> {
    await this.#ready;
    return this.#threadId;
  }

  /**
   * A second producer (bench/detectors.ts's feeder thread): encoded batches posted to `port` are
   * evaluated by the worker like the feed's, without passing through this thread. Answers the
   * shared counters, read-only for the feeder.
   */
  attachFeeder(port: MessagePort): SharedArrayBuffer {
    this.#sendCalls();
    this.#worker?.postMessage({ t: 'feeder', port } satisfies ToWorker, [port]);
    // The feeder paces itself by the signals evaluated (COUNTER.processed of engine-wire.ts).
    return this.#counters;
  }

  /** Subscribes the engine to the gateway's call-record feed (`unsubscribe` ends it). */
  subscribe(feed: CallRecordSource): void {
    this.#subscription ??= feed.subscribe(this.offerCalls);
  }

  unsubscribe(): void {
    this.#subscription?.unsubscribe();
    this.#subscription = null;
  }

  get subscribed(): boolean {
    return this.#subscription !== null;
  }

  /** The settings in force (the next signal handed over is evaluated with them). */
  configure(id: string, s: DetectorSettings): void {
    if (!this.#settings.has(id)) return;
    this.#settings.set(id, s);
    this.#post({ t: 'configure', id, s });
  }

  settings(id: string): DetectorSettings | undefined {
    return this.#settings.get(id);
  }

  /**
   * The call-record feed's subscriber: encodes the batch into the call ring at once (the records
   * are not kept) and announces it with the others of the next few milliseconds (SEND_EVERY_MS);
   * no evaluation.
   */
  readonly offerCalls = (batch: readonly CallRecord[]): void => {
    const room = this.#room();
    if (room <= 0 || this.#worker === null) {
      this.#stats.shed += batch.length;
      return;
    }
    let from = 0;
    if (batch.length > room) {
      from = batch.length - room;
      this.#stats.shed += from;
    }
    // Written into the call ring (nothing allocated); only the text and a few numbers are cloned.
    while (from < batch.length) {
      const v = this.#ring.put(batch, from);
      if (v === null) {
        this.#stats.shed += batch.length - from;
        return;
      }
      this.#posted += v.n;
      this.#unsent.push(v);
      this.#unsentRecords += v.n;
      from += v.n;
    }
    if (this.#unsentRecords >= SEND_RECORDS) this.#sendCalls();
    else if (this.#sendTimer === null) {
      this.#sendTimer = setTimeout(this.#sendCalls, SEND_EVERY_MS);
      this.#sendTimer.unref();
    }
  };

  /** Announces the batches written since the last message, in one (every message flushes them first). */
  readonly #sendCalls = (): void => {
    if (this.#sendTimer !== null) {
      clearTimeout(this.#sendTimer);
      this.#sendTimer = null;
    }
    if (this.#unsent.length === 0) return;
    const vs = this.#unsent;
    this.#unsent = [];
    this.#unsentRecords = 0;
    this.#worker?.postMessage({ t: 'calls', vs } satisfies ToWorker);
  };

  /** Portal and OAuth events, the edge's counters: one message per signal (they are rare). */
  offer(s: Signal): void {
    if (this.#room() <= 0 || this.#worker === null) {
      this.#stats.shed++;
      return;
    }
    this.#posted++;
    this.#post({ t: 'signal', s });
  }

  /** How many more signals may be in flight to the worker. */
  #room(): number {
    return (this.#o.maxQueued ?? 200_000) - (this.#posted - Number(Atomics.load(this.#c, COUNTER.taken)));
  }

  /** Posts after the batches not yet announced, so that signals and settings keep their order with calls. */
  #post(m: ToWorker): void {
    this.#sendCalls();
    this.#worker?.postMessage(m);
  }

  /**
   * A finding from the worker. The first for a (detector, subject) is reported at once; later ones
   * within REPORT_INTERVAL_MS of the last report are merged (counts, window, evidence) into one
   * report made when the interval ends: a behaviour that goes on (a flood keeps refilling a
   * detector's window) updates its live incident every few seconds, not on every refill, because
   * each report writes to the database on this thread (on SQLite it can wait for the usage
   * worker's write lock, and every call waits with it: docs/performance.md item 42).
   */
  #found(id: string, f: Finding): void {
    const d = this.#byId.get(id);
    if (!d) return;
    const key = `${id}|${f.subject.kind}|${f.subject.id}`;
    const held = this.#held.get(key);
    if (held) {
      mergeFinding(held.f, f);
      return;
    }
    const now = Date.now();
    const last = this.#lastReport.get(key);
    if (last !== undefined && now - last < REPORT_INTERVAL_MS) {
      const entry = { d, f: { ...f, requestIds: [...f.requestIds], samples: [...f.samples] } };
      const timer = setTimeout(() => this.#release(key), REPORT_INTERVAL_MS - (now - last));
      timer.unref();
      this.#held.set(key, { ...entry, timer });
      return;
    }
    this.#queue(key, d, f, now);
  }

  /** Reports a held (merged) finding now. */
  #release(key: string): void {
    const held = this.#held.get(key);
    if (!held) return;
    clearTimeout(held.timer);
    this.#held.delete(key);
    this.#queue(key, held.d, held.f, Date.now());
  }

  #queue(key: string, d: Detector, f: Finding, now: number): void {
    if (this.#lastReport.size >= 10_000) {
      for (const [k, at] of this.#lastReport) if (now - at >= REPORT_INTERVAL_MS) this.#lastReport.delete(k);
    }
    this.#lastReport.set(key, now);
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

  /** Resolves once the worker has evaluated every signal handed over and every finding is reported. */
  async idle(): Promise<void> {
    for (;;) {
      const posted = this.#posted;
      await this.#workerIdle();
      // Held findings are reported now: whoever waits for idle wants every finding reported.
      for (const key of [...this.#held.keys()]) this.#release(key);
      if (this.#reporting) await this.#reporting;
      if (
        this.#posted === posted &&
        this.#findings.length === 0 &&
        this.#reporting === null &&
        this.#held.size === 0
      )
        return;
    }
  }

  /** Waits for the worker's answer to an idle request: it answers once its queue is empty. */
  async #workerIdle(): Promise<void> {
    const w = this.#worker;
    if (!w) return;
    const id = this.#nextIdle++;
    w.ref();
    try {
      await new Promise<void>((resolve) => {
        this.#idleWaiters.set(id, resolve);
        this.#post({ t: 'idle', id });
      });
    } finally {
      this.#idleWaiters.delete(id);
      w.unref();
    }
  }

  /** Shutdown: unsubscribes, waits for the worker's drain (at most `timeoutMs`), then ends the thread. */
  async close(timeoutMs = 10_000): Promise<void> {
    this.unsubscribe();
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.idle(),
      new Promise<void>((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    this.#closing = true;
    await this.#worker?.terminate();
    this.#worker = null;
  }

  stats(): EngineStats {
    const c = this.#c;
    const oldest = Number(Atomics.load(c, COUNTER.oldestAtMs));
    const taken = Number(Atomics.load(c, COUNTER.taken));
    return {
      processed: Number(Atomics.load(c, COUNTER.processed)),
      shed: this.#stats.shed + Number(Atomics.load(c, COUNTER.shed)),
      queued: this.#posted - taken + Number(Atomics.load(c, COUNTER.queued)),
      lagMs: oldest < 0 ? 0 : Math.max(0, this.#o.nowMs() - oldest),
      reported: this.#stats.reported,
      reportsShed: this.#stats.reportsShed,
      reportFailures: this.#stats.reportFailures,
      restarts: this.#stats.restarts,
    };
  }
}

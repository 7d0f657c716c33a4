import type { CallState } from './call.ts';
import { type CallRecord, callRecordOf } from './records.ts';

/**
 * The subscription point of off-path consumers (detectors, conformance evaluation, rollups): every
 * call — answered, declined or refused, not a sample — reaches every subscriber as a CallRecord
 * (records.ts), in batches delivered outside any call.
 *
 * What a call pays: with no subscriber, one branch; with subscribers, its record is built when the
 * call ends (plain field reads: no scan, no classing — the detectors' worker classes the records,
 * records.ts) and pushed, so the feed holds a small record and not the call's state, whose body,
 * headers and answer are garbage as soon as the call is done. The batch is delivered by a
 * setImmediate callback, after the event-loop turn's I/O, never inside a call (docs/performance.md
 * §P30 and item 36 measure it).
 *
 * A subscriber gets `(batch: CallRecord[])`; it should return quickly — work that takes longer
 * belongs in its own worker thread (a batch is plain data: one postMessage) or behind a promise.
 * While a subscriber's promise is pending, its next batches wait in its own queue; beyond
 * `maxQueued` records that queue sheds its oldest batches and counts them in `dropped()`, so a
 * slow subscriber never holds calls back or grows memory without bound. A subscriber that throws
 * is counted (`failures()`) and keeps its subscription.
 */
export type CallRecordHandler = (batch: readonly CallRecord[]) => void | Promise<void>;

export type CallRecordSubscription = {
  /** Records this subscriber lost because its queue was full. */
  dropped(): number;
  /** Batches whose handler threw or rejected. */
  failures(): number;
  unsubscribe(): void;
};

type Subscriber = {
  handle: CallRecordHandler;
  busy: boolean;
  waiting: CallRecord[][];
  waitingRecords: number;
  dropped: number;
  failures: number;
};

export class CallRecordFeed {
  readonly #subs: Subscriber[] = [];
  readonly #maxQueued: number;
  #pending: CallRecord[] = [];
  #scheduled = false;

  /** `maxQueued`: records a busy subscriber may have waiting before it sheds (default 100 000). */
  constructor(opts: { maxQueued?: number } = {}) {
    this.#maxQueued = opts.maxQueued ?? 100_000;
  }

  subscribe(handle: CallRecordHandler): CallRecordSubscription {
    const sub: Subscriber = { handle, busy: false, waiting: [], waitingRecords: 0, dropped: 0, failures: 0 };
    this.#subs.push(sub);
    return {
      dropped: () => sub.dropped,
      failures: () => sub.failures,
      unsubscribe: () => {
        const i = this.#subs.indexOf(sub);
        if (i >= 0) this.#subs.splice(i, 1);
      },
    };
  }

  /** Called by the pipeline's last step for every call (its record is taken now; the state is not kept). */
  push(s: CallState): void {
    if (this.#subs.length === 0) return;
    this.#pending.push(callRecordOf(s));
    if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(this.#deliver);
    }
  }

  /** Delivers what is queued now (tests, shutdown); normally a setImmediate does. */
  flush(): void {
    this.#deliver();
  }

  readonly #deliver = (): void => {
    this.#scheduled = false;
    const batch = this.#pending;
    if (batch.length === 0) return;
    this.#pending = [];
    for (const sub of this.#subs) this.#offer(sub, batch);
  };

  #offer(sub: Subscriber, batch: CallRecord[]): void {
    if (sub.busy) {
      sub.waiting.push(batch);
      sub.waitingRecords += batch.length;
      while (sub.waitingRecords > this.#maxQueued && sub.waiting.length > 0) {
        const shed = sub.waiting.shift()!;
        sub.waitingRecords -= shed.length;
        sub.dropped += shed.length;
      }
      return;
    }
    let r: void | Promise<void>;
    try {
      r = sub.handle(batch);
    } catch {
      sub.failures++;
      return;
    }
    if (!(r instanceof Promise)) return;
    sub.busy = true;
    r.catch(() => {
      sub.failures++;
    }).finally(() => {
      sub.busy = false;
      const next = sub.waiting;
      if (next.length === 0) return;
      sub.waiting = [];
      sub.waitingRecords = 0;
      this.#offer(sub, next.flat());
    });
  }
}

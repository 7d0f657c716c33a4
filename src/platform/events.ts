/**
 * Cross-module effects as typed events. A module that emits an event declares it by augmenting
 * `DomainEvents` from its own `events.ts`:
 *
 *   declare module '../../platform/events.ts' {
 *     interface DomainEvents { 'identity.signed_up': { userId: string; meta: RequestMeta } }
 *   }
 *
 * so the payload type belongs to the emitting module, and subscribers name events without
 * importing the emitter (no import cycle between modules that react to each other).
 *
 * Semantics, kept from the setters and handler lists this replaces:
 * - `emit` is called after the emitter's transaction has committed (never inside it);
 * - every subscriber is awaited, one after another, in subscription order (the order of the
 *   module list in main.ts);
 * - the first subscriber that throws stops the rest and the error reaches the emitter, which
 *   decides what a failure means (sign-up logs it and keeps the account; a termination records the
 *   error and re-runs every subscriber later, so subscribers of `*.terminated` are idempotent).
 */
// biome-ignore lint/suspicious/noEmptyInterface: augmented by each emitting module.
export interface DomainEvents {}

export type EventName = keyof DomainEvents;
type EventHandler<K extends EventName> = (payload: DomainEvents[K]) => Promise<void>;
/** What a module's `create` returns to subscribe: one handler per event it reacts to. */
export type Subscriptions = { [K in EventName]?: EventHandler<K> };

export class EventBus {
  readonly #handlers = new Map<
    EventName,
    Array<{ subscriber: string; handle: (p: unknown) => Promise<void> }>
  >();

  /** Adds a module's handlers (main.ts, in module order). */
  subscribe(subscriber: string, subscriptions: Subscriptions): void {
    for (const [name, handle] of Object.entries(subscriptions) as Array<
      [EventName, EventHandler<EventName>]
    >) {
      if (!handle) continue;
      const list = this.#handlers.get(name) ?? [];
      list.push({ subscriber, handle: handle as (p: unknown) => Promise<void> });
      this.#handlers.set(name, list);
    }
  }

  /** Runs every subscriber of `name` in order, awaiting each; the first failure is thrown. */
  async emit<K extends EventName>(name: K, payload: DomainEvents[K]): Promise<void> {
    for (const h of this.#handlers.get(name) ?? []) await h.handle(payload);
  }

  /** Who subscribes to what, in order (for the architecture document and tests). */
  subscribers(name: EventName): string[] {
    return (this.#handlers.get(name) ?? []).map((h) => h.subscriber);
  }
}

/** The part of the bus an emitting module is given. */
export type EventEmitter = Pick<EventBus, 'emit'>;

export {};

/** Events the terms module emits (platform/events.ts has the delivery rules). */
declare module '../../platform/events.ts' {
  interface DomainEvents {
    /**
     * An organisation's termination takes effect: every subscriber ends what it holds for the
     * organisation. A failure is recorded on the termination and the whole event is delivered
     * again on a later pass, so every subscriber must be idempotent.
     */
    'terms.organization_terminated': { orgId: string; reason: string };
  }
}

import type { RequestContext } from '../../platform/request-context.ts';

/** Events the identity module emits (platform/events.ts has the delivery rules). */
declare module '../../platform/events.ts' {
  interface DomainEvents {
    /** An account was created (after its transaction committed); ctx is the sign-up request's. */
    'identity.signed_up': { userId: string; ctx: RequestContext };
  }
}

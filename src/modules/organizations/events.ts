import type { Principal } from '../../platform/http/contract.ts';
import type { RequestContext } from '../../platform/request-context.ts';

/** Events the organisations module emits (platform/events.ts has the delivery rules). */
declare module '../../platform/events.ts' {
  interface DomainEvents {
    /** An organisation was created by `creator` (after its transaction committed), in `ctx`'s request. */
    'organizations.created': { creator: Principal; orgId: string; ctx: RequestContext };
  }
}

import type { Principal } from '../../platform/http/contract.ts';
import type { RequestMeta } from '../identity/index.ts';

/** Events the organisations module emits (platform/events.ts has the delivery rules). */
declare module '../../platform/events.ts' {
  interface DomainEvents {
    /** An organisation was created by `creator` (after its transaction committed). */
    'organizations.created': { creator: Principal; orgId: string; meta: RequestMeta };
  }
}

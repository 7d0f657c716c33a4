import type { RequestContext } from '../../platform/request-context.ts';

/** Events the identity module emits (platform/events.ts has the delivery rules). */
declare module '../../platform/events.ts' {
  interface DomainEvents {
    /** An account was created (after its transaction committed); ctx is the sign-up request's. */
    'identity.signed_up': { userId: string; ctx: RequestContext };
    /**
     * A portal sign-in failed on its password or its TOTP code (after the failure was counted):
     * `account` is the user id, or a keyed hash of an e-mail no account has. The detectors' brute-force
     * rule reads it; a subscriber only queues (it runs inside the sign-in request).
     */
    'identity.sign_in_failed': {
      account: string;
      factor: 'password' | 'totp';
      ip: string | null;
      requestId: string | null;
      atMs: number;
    };
  }
}

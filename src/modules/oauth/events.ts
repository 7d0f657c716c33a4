/** Events the oauth module emits (platform/events.ts has the delivery rules). */
declare module '../../platform/events.ts' {
  interface DomainEvents {
    /**
     * A client authentication at the OAuth endpoints (token, revoke, introspect) failed on its
     * credentials: a wrong secret, an unknown client id, or an attempt the secret-guessing throttle
     * refused before checking it. Emitted after the failure is counted and audited; `appId` and
     * `orgId` are known when the client id is. The detectors' brute-force rule reads it; a
     * subscriber only queues (it runs inside the endpoint's request).
     */
    'oauth.client_auth_failed': {
      clientId: string;
      appId: string | null;
      orgId: string | null;
      reason: 'wrong_secret' | 'unknown_client' | 'throttled';
      ip: string | null;
      requestId: string | null;
      atMs: number;
    };
  }
}

export {};

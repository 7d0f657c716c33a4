/**
 * The channel on which a change to an app, a client, a subscription, a plan or an organisation is
 * announced to every gateway process, so their directory caches drop the entry at once (the
 * catalogue and apps modules publish; the gateway's directory cache listens). Infrastructure, not
 * a module's contract: publishers and the listener agree only on this message.
 */
export const CACHE_INVALIDATE_CHANNEL = 'cache-invalidate';
export type CacheInvalidation = {
  kind: 'app' | 'client' | 'subscription' | 'plan' | 'org';
  id: string;
  appId?: string;
};

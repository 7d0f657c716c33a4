import { performance } from 'node:perf_hooks';
import {
  CACHE_INVALIDATE_CHANNEL,
  type CacheInvalidation,
} from '../../platform/shared-state/cache-invalidation.ts';
import type { SharedState, Unsubscribe } from '../../platform/shared-state/shared-state.ts';
import type { GatewayApp, GatewayDirectory, GatewayEntitlement, VerifiedToken } from './ports.ts';

/**
 * Per-process cache in front of the apps module's GatewayDirectory: credentials, apps,
 * subscriptions and plans. Changes reach every gateway within 1 s through the shared-state
 * 'cache-invalidate' channel (Redis pub/sub across processes); a short TTL (5 s) is the backstop if
 * a message is lost, and "not found" answers are kept only 1 s. Concurrent misses for one key share
 * one lookup.
 */
type Entry<T> = {
  p: Promise<T>;
  exp: number;
  appId: string | undefined;
  clientId: string | undefined;
  /** The value once the lookup has settled (read synchronously by the `…Now` methods). */
  v: T | undefined;
  ready: boolean;
};

export type DirectoryCacheOptions = {
  ttlMs?: number;
  negativeTtlMs?: number;
  /** Monotonic milliseconds (cache bookkeeping, not domain time). */
  now?: () => number;
  maxEntries?: number;
};

/**
 * The cache key of an (app, product) pair. Consecutive calls mostly ask for the same pair with the
 * same string objects, so the last key is kept and returned without building and hashing a new one.
 */
let lastApp = '';
let lastProduct = '';
let lastKey = '\u0000';
const entitlementKey = (appId: string, productSlug: string): string => {
  if (appId !== lastApp || productSlug !== lastProduct) {
    lastApp = appId;
    lastProduct = productSlug;
    lastKey = `${appId}\u0000${productSlug}`;
  }
  return lastKey;
};

export class DirectoryCache {
  readonly #dir: GatewayDirectory;
  readonly #ttl: number;
  readonly #negTtl: number;
  readonly #now: () => number;
  readonly #max: number;
  readonly #apps = new Map<string, Entry<GatewayApp | null>>();
  readonly #tokens = new Map<string, Entry<VerifiedToken | null>>();
  readonly #secrets = new Map<string, Entry<boolean>>();
  readonly #entitlements = new Map<string, Entry<GatewayEntitlement | null>>();
  #unsubscribe: Unsubscribe | undefined;
  invalidations = 0;

  constructor(dir: GatewayDirectory, opts: DirectoryCacheOptions = {}) {
    this.#dir = dir;
    this.#ttl = opts.ttlMs ?? 5000;
    this.#negTtl = opts.negativeTtlMs ?? 1000;
    this.#now = opts.now ?? (() => performance.now());
    this.#max = opts.maxEntries ?? 50_000;
  }

  async start(state: SharedState): Promise<void> {
    this.#unsubscribe = await state.subscribe(CACHE_INVALIDATE_CHANNEL, (message) => {
      try {
        this.invalidate(JSON.parse(message) as CacheInvalidation);
      } catch {
        this.clear();
      }
    });
  }

  async stop(): Promise<void> {
    await this.#unsubscribe?.();
    this.#unsubscribe = undefined;
  }

  #get<T>(
    map: Map<string, Entry<T>>,
    key: string,
    load: () => Promise<T>,
    meta: (v: T) => { appId?: string; clientId?: string; ttlMs?: number; negative: boolean },
  ): Promise<T> {
    const now = this.#now();
    const e = map.get(key);
    if (e && e.exp > now) return e.p;
    if (map.size >= this.#max) map.clear();
    const entry: Entry<T> = {
      p: load(),
      exp: now + this.#ttl,
      appId: undefined,
      clientId: undefined,
      v: undefined,
      ready: false,
    };
    map.set(key, entry);
    entry.p.then(
      (v) => {
        const m = meta(v);
        entry.appId = m.appId;
        entry.clientId = m.clientId;
        const ttl = Math.min(m.negative ? this.#negTtl : this.#ttl, m.ttlMs ?? this.#ttl);
        entry.exp = now + Math.max(0, ttl);
        entry.v = v;
        entry.ready = true;
      },
      () => {
        if (map.get(key) === entry) map.delete(key);
      },
    );
    return entry.p;
  }

  /**
   * A cached answer without waiting: the value when a settled, unexpired entry holds it, else
   * `undefined` (then call the promise-returning method). Saves a promise per lookup on the hot path.
   */
  #peek<T>(map: Map<string, Entry<T>>, key: string): T | undefined {
    const e = map.get(key);
    return e?.ready && e.exp > this.#now() ? e.v : undefined;
  }

  appNow(clientId: string): GatewayApp | null | undefined {
    return this.#peek(this.#apps, clientId);
  }

  tokenNow(token: string): VerifiedToken | null | undefined {
    return this.#peek(this.#tokens, token);
  }

  entitlementNow(appId: string, productSlug: string): GatewayEntitlement | null | undefined {
    return this.#peek(this.#entitlements, entitlementKey(appId, productSlug));
  }

  app(clientId: string): Promise<GatewayApp | null> {
    return this.#get(
      this.#apps,
      clientId,
      () => this.#dir.findAppByClientId(clientId),
      (a) => ({ appId: a?.appId, clientId, negative: a === null }),
    );
  }

  token(token: string, nowMs: number): Promise<VerifiedToken | null> {
    return this.#get(
      this.#tokens,
      token,
      () => this.#dir.verifyAccessToken(token),
      (v) => ({
        appId: v?.appId,
        clientId: v?.clientId,
        negative: v === null,
        ttlMs: v ? v.expiresAtMs - nowMs : undefined,
      }),
    );
  }

  /** Keyed by client id: a secret of the app's other client id (other catalog) never matches. */
  secretOk(app: GatewayApp, secret: string): Promise<boolean> {
    return this.#get(
      this.#secrets,
      `${app.clientId}\u0000${secret}`,
      () => this.#dir.verifyClientSecret(app.appId, secret, app.environment),
      (ok) => ({ appId: app.appId, clientId: app.clientId, negative: !ok }),
    );
  }

  entitlement(appId: string, productSlug: string, nowMs: number): Promise<GatewayEntitlement | null> {
    return this.#get(
      this.#entitlements,
      entitlementKey(appId, productSlug),
      () => this.#dir.entitlement(appId, productSlug),
      (e) => ({
        appId,
        negative: e === null,
        ttlMs: e?.plan.validUntilMs ? e.plan.validUntilMs - nowMs : undefined,
      }),
    );
  }

  /** Drops what a change may have touched; unknown or wide changes (plan, org) clear everything. */
  invalidate(msg: CacheInvalidation): void {
    this.invalidations++;
    const appId = msg.appId ?? (msg.kind === 'app' ? msg.id : undefined);
    if (!appId || msg.kind === 'plan' || msg.kind === 'org') {
      this.clear();
      return;
    }
    const clientId = msg.kind === 'client' ? msg.id : undefined;
    for (const map of [this.#apps, this.#tokens, this.#secrets, this.#entitlements] as Map<
      string,
      Entry<unknown>
    >[]) {
      for (const [k, e] of map) {
        if (e.appId === appId || e.appId === undefined || (clientId && e.clientId === clientId))
          map.delete(k);
      }
    }
  }

  clear(): void {
    this.#apps.clear();
    this.#tokens.clear();
    this.#secrets.clear();
    this.#entitlements.clear();
  }
}

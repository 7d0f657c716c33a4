/**
 * What the gateway consumes, owned by the gateway (issue 24): the operations it dispatches to
 * (the sandbox provides them in-process; upstreams have the same shape) and the directory it asks
 * about apps, tokens and entitlements. Providers implement these types; the gateway imports none of
 * its providers.
 */

// ---------------------------------------------------------------- the network (sandbox) operations
/**
 * An operation the gateway can dispatch to, under /{provider}/{catalog}{path}. The sandbox module
 * provides these in-process; upstream (production) operations have the same shape.
 */
export type NetworkCallContext = {
  orgId: string;
  appId: string;
  /** Public key (PEM) registered on the app, for operations that verify a HASH. */
  appPublicKeyPem: string | null;
  body: unknown;
  /**
   * The request body's text as received, when `body` was parsed from it: an upstream is sent this
   * as is rather than `body` serialised again (dispatch.ts). Absent for callers that gave `body`
   * already parsed; null or empty when the request had none.
   */
  bodyText?: string | null;
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  nowMs: number;
};

export type NetworkResult = {
  status: number;
  body: unknown;
  /**
   * The answer's JSON text as the upstream sent it, when `body` was parsed from it: the gateway
   * answers with this text as is rather than `body` serialised again (dispatch.ts).
   */
  bodyText?: string;
  /** The network's own response code (e.g. '00', '10', '0000'), for usage records. */
  networkCode?: string;
  /** Set when the request carried live-looking identifiers (for monitoring). */
  liveDataSuspected?: boolean;
};

export type NetworkOperation = {
  /** Catalogue product this operation belongs to (e.g. 'ibft', 'bills'). */
  productSlug: string;
  operationId: string;
  method: 'GET' | 'POST';
  /** Path after the catalog base, e.g. '/path-1' or '/funds-transfer-rest-service/path-1'. */
  path: string;
  /** Creates a payment: accepts Idempotency-Key. */
  paymentCreating: boolean;
  /** Needs X-IBM-Client-Secret as well as the client id and token. */
  requiresClientSecret: boolean;
  /**
   * Safe to send twice (an inquiry, a title fetch; never a transfer, payment or reversal): the
   * production path retries it once after a dropped connection (production-upstreams.ts).
   */
  idempotent?: boolean;
  /** Which request field identifies the end user (documented), for the distinct-end-users cap. */
  endUserId?: (body: unknown) => string | undefined;
  handle(ctx: NetworkCallContext): Promise<NetworkResult>;
};

// ---------------------------------------------------------------- what the gateway asks about apps
/** One rate limit: at most `limit` calls per `periodMs` (1 s, 1 min, 1 h, 1 day, 1 week). */
type RateLimit = { periodMs: number; limit: number };

/**
 * The limits a gateway enforces for one app on one product: the plan's values with the app's
 * active (unexpired) limit-increase overrides already applied. `planId` identifies the plan; the
 * same plan with different overrides gives different values per app.
 */
export type PlanLimits = {
  id: string;
  name: string;
  productSlug: string;
  /** Plan-wide rate limits (every one applies). Empty = no rate limit. */
  rateLimits: RateLimit[];
  /** Per-operation rate limits, keyed by operationId; they replace `rateLimits` for that operation. */
  operationRateLimits: Record<string, RateLimit[]>;
  /** Calls allowed at once above the steady rate (GCRA burst), null = same as the smallest limit. */
  burst: number | null;
  /** Calendar quotas counted in `timeZone` (IANA, e.g. 'Asia/Karachi'); null = no quota. */
  quotas: { day: number | null; month: number | null; timeZone: string };
  /** Cap on distinct end users served per calendar period (in `quotas.timeZone`); null = no cap. */
  endUserCap: { limit: number; period: 'day' | 'month' } | null;
  /** Ids of the limit-increase requests whose overrides are applied here (for logs). */
  appliedOverrides: string[];
  /** Earliest expiry of an applied override (ms), so caches can drop the entry then; null = none. */
  validUntilMs: number | null;
  /**
   * The enforcement throttles in force (their ids are in `appliedOverrides` too): each caps the
   * rate limits of its period, plan-wide and per operation. Where a throttle is what sets a limit,
   * the gateway names that policy after it (`throttle-<period>`) in `RateLimit-Policy`,
   * `RateLimit` and a 429's `violated-policies`. Absent or empty = none.
   */
  throttles?: { id: string; periodMs: number; limit: number; untilMs: number }[];
};

export type GatewayApp = {
  appId: string;
  clientId: string;
  orgId: string;
  name: string;
  /** 'suspended'/'revoked' apps (or apps of a suspended/terminated org) must be refused. */
  status: 'active' | 'suspended' | 'revoked';
  /**
   * The organisation's own status, so a refusal can say whose suspension it is (an app of a
   * suspended organisation reads as `status: 'suspended'`). Absent = not known (treated as active).
   */
  orgStatus?: 'active' | 'suspended' | 'terminated';
  /**
   * The catalog of the client id looked up: an app has a sandbox client id and, once granted
   * production access, a production one; each is valid only at its own catalog.
   */
  environment: 'sandbox' | 'production';
  publicKeyPem: string | null;
};

export type GatewayEntitlement = {
  subscriptionId: string;
  status: 'active' | 'pending' | 'declined' | 'cancelled';
  /** Has an operator granted the app production access to this product? (Absent = no.) */
  productionGranted?: boolean;
  plan: PlanLimits;
};

export type VerifiedToken = {
  appId: string;
  clientId: string;
  scopes: string[];
  expiresAtMs: number;
  /** The catalog the token was issued for; it is valid only there. */
  environment: 'sandbox' | 'production';
  /**
   * The network (/24, /64: platform/http/source-network.ts) the token was issued to, when known:
   * the call record carries it so the detectors can tell a token used from elsewhere.
   */
  issuedNetwork?: string | null;
};

/**
 * What the gateway asks about credentials and entitlements (implemented by apps and oauth). Each
 * call reads the database; gateways cache results per process and drop entries when a message
 * arrives on the shared-state channel CACHE_INVALIDATE_CHANNEL (platform/ports.ts), which the
 * apps module publishes on every change to an app, client secret, subscription, plan or org.
 */
export type GatewayDirectory = {
  /** The app for a client id, whatever its status (null when unknown). Org status folds into status. */
  findAppByClientId(clientId: string): Promise<GatewayApp | null>;
  /** True when `secret` is an active, unexpired secret of the app's `catalog` client id. */
  verifyClientSecret(appId: string, secret: string, catalog: GatewayApp['environment']): Promise<boolean>;
  /** A live access token (not expired, not revoked, app/org still active); null otherwise. */
  verifyAccessToken(token: string): Promise<VerifiedToken | null>;
  /** The app's subscription to a product, with effective limits; null when not subscribed. */
  entitlement(appId: string, productSlug: string): Promise<GatewayEntitlement | null>;
};

// ---------------------------------------------------------------- production upstreams
/**
 * One product's production upstream as the gateway uses it (the upstreams module stores and
 * validates them; secrets arrive decrypted, in memory only). `version` changes with every change,
 * so a gateway rebuilds that product's pool, and only that one.
 */
export type UpstreamSettings = {
  productSlug: string;
  baseUrl: string;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  maxResponseBytes: number;
  /** The caller's headers passed on (lower case); credentials never are. */
  headerAllowList: string[];
  tls: { certPem: string; keyPem: string; caPem: string | null } | null;
  enabled: boolean;
  version: string;
};

/**
 * Where the gateway reads the production upstreams (implemented by the upstreams module). Every
 * gateway reads them at start, again when a message arrives on UPSTREAMS_CHANGED_CHANNEL (the
 * upstreams module publishes one per change) and every 30 s in case a message was lost.
 */
export type UpstreamDirectory = { listUpstreamSettings(): Promise<UpstreamSettings[]> };

/** The shared-state channel on which a change to an upstream is announced (message: product slug). */
export const UPSTREAMS_CHANGED_CHANNEL = 'upstreams-changed';

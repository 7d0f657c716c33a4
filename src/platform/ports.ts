import type { Principal } from './http/route.ts';

/**
 * Cross-module contracts. Modules talk to each other only through these interfaces (implemented by
 * the owning module's service, wired in main.ts), never through each other's tables.
 */

// ---------------------------------------------------------------- organisations (identity layer)
export type OrgRole = 'owner' | 'admin' | 'developer' | 'viewer';
export type OrgStatus = 'active' | 'suspended' | 'terminated';

export type OrgSummary = {
  id: string;
  name: string;
  status: OrgStatus;
  /** The owner/representative was confirmed by the corporate participant (production needs it). */
  representativeConfirmed: boolean;
};

export type OrgAccess = {
  /**
   * Resolves the caller's role in the organisation. Throws AppError('not_found') when the caller is
   * not a member (existence is not revealed) and AppError('forbidden') when the role is below
   * `minRole`. Operators pass as 'operator' when `allowOperator` is true.
   */
  requireMember(
    principal: Principal,
    orgId: string,
    minRole?: OrgRole,
    opts?: { allowOperator?: boolean },
  ): Promise<OrgRole | 'operator'>;
  getOrganization(orgId: string): Promise<OrgSummary | null>;
  /** User ids of members with at least `minRole` (for notices). */
  memberUserIds(orgId: string, minRole?: OrgRole): Promise<string[]>;
  /** Organisations the user belongs to. */
  orgIdsOfUser(userId: string): Promise<string[]>;
};

export type UserDirectory = {
  getUser(userId: string): Promise<{ id: string; email: string; name: string; status: string } | null>;
  /** Every user who can currently sign in (for terms notices). */
  listActiveUserIds(): Promise<string[]>;
};

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
  query: Record<string, string>;
  headers: Record<string, string | string[] | undefined>;
  requestId: string;
  nowMs: number;
};

export type NetworkResult = {
  status: number;
  body: unknown;
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
  /** Which request field identifies the end user (documented), for the distinct-end-users cap. */
  endUserId?: (body: unknown) => string | undefined;
  handle(ctx: NetworkCallContext): Promise<NetworkResult>;
};

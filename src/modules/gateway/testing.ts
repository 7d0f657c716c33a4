import { idAtOrAfter } from '../../platform/ids.ts';
import type { TermsEnforcer } from '../terms/index.ts';
import type {
  GatewayApp,
  GatewayDirectory,
  GatewayEntitlement,
  NetworkOperation,
  NetworkResult,
  PlanLimits,
  VerifiedToken,
} from './ports.ts';
import type { UsageRecord } from './usage-writer.ts';

/**
 * In-test stand-ins for the gateway's collaborators (the apps directory, the terms gate and a
 * sandbox operation), so the pipeline is tested on its own. Counts lookups to check the caches.
 */
export class FakeDirectory implements GatewayDirectory {
  apps = new Map<string, GatewayApp>();
  tokens = new Map<string, VerifiedToken>();
  secrets = new Map<string, string>();
  entitlements = new Map<string, GatewayEntitlement>();
  lookups = 0;

  addApp(
    app: Partial<GatewayApp> & { appId: string; clientId: string; orgId: string },
    opts: {
      token?: string;
      secret?: string;
      plan?: Partial<PlanLimits>;
      productSlug?: string;
      expiresAtMs?: number;
    } = {},
  ): GatewayApp {
    const a: GatewayApp = {
      name: app.appId,
      status: 'active',
      environment: 'sandbox',
      publicKeyPem: null,
      ...app,
    };
    this.apps.set(a.clientId, a);
    if (opts.token) {
      this.tokens.set(opts.token, {
        appId: a.appId,
        clientId: a.clientId,
        scopes: ['1LinkApi'],
        expiresAtMs: opts.expiresAtMs ?? Number.MAX_SAFE_INTEGER,
        environment: a.environment,
      });
    }
    if (opts.secret) this.secrets.set(`${a.appId}|${a.environment}`, opts.secret);
    const slug = opts.productSlug ?? 'ibft';
    this.entitlements.set(`${a.appId}|${slug}`, {
      subscriptionId: `sub_${a.appId}`,
      status: 'active',
      productionGranted: a.environment === 'production',
      plan: testPlan({ productSlug: slug, ...opts.plan }),
    });
    return a;
  }

  async findAppByClientId(clientId: string) {
    this.lookups++;
    return this.apps.get(clientId) ?? null;
  }
  async verifyClientSecret(appId: string, secret: string, catalog: GatewayApp['environment']) {
    this.lookups++;
    return this.secrets.get(`${appId}|${catalog}`) === secret;
  }
  async verifyAccessToken(token: string) {
    this.lookups++;
    return this.tokens.get(token) ?? null;
  }
  async entitlement(appId: string, productSlug: string) {
    this.lookups++;
    return this.entitlements.get(`${appId}|${productSlug}`) ?? null;
  }
}

function testPlan(over: Partial<PlanLimits> = {}): PlanLimits {
  return {
    id: 'pln_test',
    name: 'Default Plan',
    productSlug: 'ibft',
    rateLimits: [{ periodMs: 3_600_000, limit: 100 }],
    operationRateLimits: {},
    burst: null,
    quotas: { day: null, month: null, timeZone: 'Asia/Karachi' },
    endUserCap: null,
    appliedOverrides: [],
    validUntilMs: null,
    ...over,
  };
}

export const allowAllTerms: TermsEnforcer = { onApiCall: async () => ({ allowed: true }) };

/** A title-fetch-like operation: echoes a code, names the sender account as the end user. */
export function echoOperation(over: Partial<NetworkOperation> = {}): NetworkOperation & { calls: number } {
  const op: NetworkOperation & { calls: number } = {
    productSlug: 'ibft',
    operationId: 'titleFetch',
    method: 'POST' as const,
    path: '/path-1',
    paymentCreating: false,
    requiresClientSecret: false,
    endUserId: (body: unknown) => (body as { FromAccount?: string } | undefined)?.FromAccount,
    calls: 0,
    async handle(ctx: Parameters<NetworkOperation['handle']>[0]): Promise<NetworkResult> {
      op.calls++;
      return {
        status: 200,
        body: { ResponseCode: '00', ResponseDetail: 'PROCESSED OK', echo: ctx.body ?? null, n: op.calls },
        networkCode: '00',
      };
    },
    ...over,
  };
  return op;
}

/** A usage record of a successful sandbox title fetch, number `i`; `over` replaces fields. */
/**
 * A usage row id as the writer makes them — its call's millisecond first (ids.ts; the readers turn
 * time ranges into id ranges) — unique by `tag` and `i`.
 */
export function usageIdOf(atMs: number, tag: string, i: number): string {
  return `${idAtOrAfter('use', Math.floor(atMs))}${tag}${String(i).padStart(16 - tag.length, '0')}`;
}

export function usageRecord(i: number, over: Partial<UsageRecord> = {}): UsageRecord {
  return {
    atMs: 1_800_000_000_000 + i,
    orgId: 'org_a',
    appId: 'app_a',
    productSlug: 'ibft',
    operationId: 'ibftTitleFetch',
    catalog: 'sandbox',
    method: 'POST',
    path: '/darwaza/sandbox/path-1',
    status: 200,
    errorCode: null,
    networkCode: '00',
    latencyUs: 123.5,
    clientIp: '127.0.0.1',
    endUserHash: `h${i % 3}`,
    requestId: `req_${i}`,
    bytesIn: 931,
    bytesOut: 553,
    replayed: false,
    liveDataSuspected: false,
    requestHeaders: null,
    requestBody: undefined,
    responseBody: null,
    bodiesSkipped: true,
    ...over,
  };
}

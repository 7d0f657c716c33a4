import { sql } from 'kysely';
import {
  DEFAULT_PLAN_NAME,
  GROWTH_PLAN_NAME,
  PARTNER_PLAN_NAME,
  seedCatalog,
} from '../src/modules/catalog/index.ts';
import { sandboxProducts } from '../src/modules/sandbox/index.ts';
import type { TestSystem } from './harness.ts';
import { activeUser, operatorUser, type SignedIn, signIn, testOrganization } from './identity-helpers.ts';

/**
 * A system with the base catalogue seeded, two organisations (A confirmed, B not), their owners, a
 * developer in neither, and an operator; plus helpers to create apps and take tokens over HTTP.
 */
export type AppsWorld = {
  ownerA: SignedIn;
  ownerB: SignedIn;
  operator: SignedIn;
  orgA: string;
  orgB: string;
  plans: {
    ibftDefault: string;
    ibftGrowth: string;
    ibftPartner: string;
    billsDefault: string;
    billsPartner: string;
  };
};

export async function appsWorld(sys: TestSystem): Promise<AppsWorld> {
  await seedCatalog(sys.services.catalog, sandboxProducts);
  const ownerA = await activeUser(sys);
  const ownerB = await activeUser(sys);
  const operator = await operatorUser(sys);
  const orgA = await testOrganization(sys, ownerA, { confirmed: true });
  const orgB = await testOrganization(sys, ownerB);
  const plan = async (product: string, name: string) =>
    (await sys.services.catalog.findPlanByName(product, name))!.id;
  return {
    ownerA,
    ownerB,
    operator,
    orgA,
    orgB,
    plans: {
      ibftDefault: await plan('ibft', DEFAULT_PLAN_NAME),
      ibftGrowth: await plan('ibft', GROWTH_PLAN_NAME),
      ibftPartner: await plan('ibft', PARTNER_PLAN_NAME),
      billsDefault: await plan('bills', DEFAULT_PLAN_NAME),
      billsPartner: await plan('bills', PARTNER_PLAN_NAME),
    },
  };
}

export async function call(
  sys: TestSystem,
  who: SignedIn | null,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE' | 'PUT',
  url: string,
  payload?: unknown,
) {
  const res = await sys.app.inject({
    method,
    url,
    headers: {
      ...(who?.headers ?? {}),
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  let body: any = null;
  try {
    body = res.body ? res.json() : null;
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body, headers: res.headers, raw: res.body };
}

/** Creates an app in `orgId` and subscribes it to `planId` (when given). */
export async function createApp(
  sys: TestSystem,
  who: SignedIn,
  orgId: string,
  opts: { name?: string; planId?: string } = {},
): Promise<{
  appId: string;
  clientId: string;
  clientSecret: string;
  subscriptionId?: string;
  productId?: string;
}> {
  const r = await call(sys, who, 'POST', `/api/v1/orgs/${orgId}/apps`, { name: opts.name ?? 'Test app' });
  if (r.status !== 201) throw new Error(`createApp: ${r.status} ${r.raw}`);
  const out: {
    appId: string;
    clientId: string;
    clientSecret: string;
    subscriptionId?: string;
    productId?: string;
  } = {
    appId: r.body.app.id,
    clientId: r.body.clientId,
    clientSecret: r.body.clientSecret,
  };
  if (opts.planId) {
    const s = await call(sys, who, 'POST', `/api/v1/orgs/${orgId}/apps/${out.appId}/subscriptions`, {
      planId: opts.planId,
    });
    if (s.status !== 201) throw new Error(`subscribe: ${s.status} ${s.raw}`);
    out.subscriptionId = s.body.id;
    out.productId = s.body.productId;
  }
  return out;
}

/**
 * A new confirmed organisation (owned by a new active user) with one app subscribed to `planId`,
 * and a bearer token for it (client credentials, scope `1LinkApi`).
 */
export async function appWithToken(
  sys: TestSystem,
  planId: string,
): Promise<{ orgId: string; appId: string; clientId: string; clientSecret: string; token: string }> {
  const owner = await activeUser(sys);
  const orgId = await testOrganization(sys, owner, { confirmed: true });
  const app = await createApp(sys, owner, orgId, { planId });
  const t = await tokenCall(sys, {
    grant_type: 'client_credentials',
    client_id: app.clientId,
    client_secret: app.clientSecret,
    scope: '1LinkApi',
  });
  if (t.status !== 200) throw new Error(`token: ${t.status} ${JSON.stringify(t.body)}`);
  return {
    orgId,
    appId: app.appId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    token: t.body.access_token,
  };
}

/** POSTs a form to the token endpoint (or revoke/introspect). */
export async function tokenCall(
  sys: TestSystem,
  form: Record<string, string>,
  opts: {
    basic?: [string, string];
    catalog?: string;
    path?: 'token' | 'revoke' | 'introspect';
    headers?: Record<string, string>;
    /** The caller's socket address (default: inject's 127.0.0.1). */
    remoteAddress?: string;
  } = {},
) {
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    ...(opts.headers ?? {}),
  };
  if (opts.basic) {
    const enc = (s: string) => encodeURIComponent(s);
    headers.authorization = `Basic ${Buffer.from(`${enc(opts.basic[0])}:${enc(opts.basic[1])}`).toString('base64')}`;
  }
  const res = await sys.app.inject({
    method: 'POST',
    url: `/${sys.config.gatewayProvider}/${opts.catalog ?? 'sandbox'}/oauth2/${opts.path ?? 'token'}`,
    headers,
    payload: new URLSearchParams(form).toString(),
    ...(opts.remoteAddress ? { remoteAddress: opts.remoteAddress } : {}),
  });
  let body: any = null;
  try {
    body = res.body ? res.json() : null;
  } catch {
    body = res.body;
  }
  return { status: res.statusCode, body, headers: res.headers };
}

/** Signs everyone in again (sessions expire when a test moves the fake clock a long way). */
export async function refreshSessions(sys: TestSystem, w: AppsWorld): Promise<void> {
  w.ownerA = await signIn(sys, w.ownerA.email);
  w.ownerB = await signIn(sys, w.ownerB.email);
  w.operator = await operatorUser(sys);
}

/** Every row of every table as text (an SQL dump, for "no plaintext secret at rest" checks). */
export async function dumpDatabase(sys: TestSystem): Promise<string> {
  // PostgreSQL's introspection lists every schema's tables; this test's are those of its own schema
  // (another test's table, or one dropped meanwhile, is not there to select from).
  const own =
    sys.database.dialect === 'postgres'
      ? (await sql<{ s: string }>`select current_schema() as s`.execute(sys.database.db)).rows[0]?.s
      : undefined;
  const tables = (await sys.database.db.introspection.getTables()).filter(
    (t) => own === undefined || t.schema === own,
  );
  const parts: string[] = [];
  for (const t of tables) {
    // Every table by the name the engine reports, declared or not: `select *` by hand.
    const { rows } = await sql`select * from ${sql.table(t.name)}`.execute(sys.database.db);
    parts.push(JSON.stringify(rows));
  }
  return parts.join('\n');
}

/**
 * Lets every production request of this system pass the production gate (the conformance module's
 * suite check, which has tests of its own), for tests about credentials rather than certification.
 * A system without a gate already lets every request through.
 */
export function passProductionGate(sys: TestSystem): void {
  const gate = (sys.services as { conformance?: { check: unknown } }).conformance;
  if (gate) gate.check = async () => ({ ok: true });
}

/** Asks for production access to the app's product and has the operator approve it. */
export async function grantProduction(
  sys: TestSystem,
  w: AppsWorld,
  who: SignedIn,
  orgId: string,
  app: { appId: string; productId?: string },
): Promise<void> {
  const req = await call(sys, who, 'POST', `/api/v1/orgs/${orgId}/apps/${app.appId}/production-access`, {
    productId: app.productId,
  });
  if (req.status !== 201) throw new Error(`production request: ${req.status} ${req.raw}`);
  const ok = await call(sys, w.operator, 'POST', `/api/v1/admin/production-requests/${req.body.id}/decide`, {
    approve: true,
  });
  if (ok.status !== 200) throw new Error(`production decision: ${ok.status} ${ok.raw}`);
}

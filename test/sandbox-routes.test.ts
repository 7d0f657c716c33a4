import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { OrgAccess } from '../src/modules/organizations/index.ts';
import { type AppCredentialDirectory, sandboxModule } from '../src/modules/sandbox/index.ts';
import { AppError } from '../src/platform/errors.ts';
import type { Principal } from '../src/platform/http/route.ts';
import { startTestSystem, type TestSystem } from './harness.ts';

/** Portal routes with a small fake OrgAccess: members of org_a only. */
const fakeOrgAccess: OrgAccess = {
  async requireMember(principal: Principal, orgId: string, minRole?: string) {
    if (orgId !== 'org_a' || principal.userId !== 'usr_member') throw new AppError('not_found');
    if (minRole === 'developer' && principal.email === 'viewer@example.com') throw new AppError('forbidden');
    return 'developer';
  },
  getOrganization: async () => null,
  memberUserIds: async () => [],
  orgIdsOfUser: async () => ['org_a'],
};

/** One active app, client id 'cid' with secret 'sec', of org_a. */
const fakeDirectory: AppCredentialDirectory = {
  findAppByClientId: async (clientId) =>
    clientId === 'cid'
      ? {
          appId: 'app_x',
          clientId: 'cid',
          orgId: 'org_a',
          name: 'x',
          status: 'active',
          environment: 'sandbox',
          publicKeyPem: null,
        }
      : null,
  verifyClientSecret: async (appId, secret) => appId === 'app_x' && secret === 'sec',
};

describe('sandbox portal routes', () => {
  let sys: TestSystem;
  before(async () => {
    sys = await startTestSystem();
  });
  after(async () => sys.cleanup());

  test('services expose the sandbox operations', () => {
    const ids = sys.services.sandbox.operations.map((o) => o.operationId).sort();
    assert.deepEqual(ids, [
      'billInquiry',
      'billPayment',
      'ibftFundsTransfer',
      'ibftReversal',
      'ibftStatusInquiry',
      'ibftTitleFetch',
      'qrGetCode',
      'qrParseCode',
      'voidBillPayment',
    ]);
  });

  test('test-data needs a member; reset restores', async () => {
    const { routes } = await sandboxModule.create({
      db: sys.database.db,
      clock: sys.clock,
      keyring: sys.keyring,
      audit: sys.services.audit,
      orgAccess: fakeOrgAccess,
      directory: fakeDirectory,
    });
    const get = routes.find((r) => r.operationId === 'listSandboxTestData')!;
    const reset = routes.find((r) => r.operationId === 'resetSandbox')!;
    const member = { userId: 'usr_member', email: 'm@example.com', status: 'active' } as Principal;
    const stranger = { userId: 'usr_other', email: 'o@example.com', status: 'active' } as Principal;
    const ctx = (over: Record<string, unknown>) =>
      ({ req: { headers: {} }, ip: '127.0.0.1', userAgent: 't', ...over }) as any;
    const data: any = await get.handler(ctx({ query: { orgId: 'org_a' }, principal: member }));
    assert.ok(data.accounts.length > 100);
    assert.ok(data.accounts.every((a: any) => a.scenario && /^\d\d$/.test(a.scenario.responseCode)));
    await assert.rejects(
      get.handler(ctx({ query: { orgId: 'org_a' }, principal: stranger })),
      /No such resource/,
    );
    await assert.rejects(
      get.handler(ctx({ query: {}, principal: null })),
      (e: AppError) => e.code === 'unauthenticated',
    );
    const viaApp: any = await get.handler(
      ctx({
        query: {},
        principal: null,
        req: { headers: { 'x-ibm-client-id': 'cid', 'x-ibm-client-secret': 'sec' } },
      }),
    );
    assert.equal(viaApp.orgId, 'org_a');
    const r: any = await reset.handler(ctx({ body: { orgId: 'org_a' }, principal: member }));
    assert.equal(r.orgId, 'org_a');
    const viewer = { userId: 'usr_member', email: 'viewer@example.com', status: 'active' } as Principal;
    await assert.rejects(
      reset.handler(ctx({ body: { orgId: 'org_a' }, principal: viewer })),
      (e: AppError) => e.code === 'forbidden',
    );
  });

  test('routes are registered on the app', async () => {
    const res = await sys.app.inject({ method: 'GET', url: '/api/v1/sandbox/test-data?orgId=org_a' });
    assert.equal(res.statusCode, 401);
    const key = await sys.app.inject({ method: 'GET', url: '/api/v1/sandbox/operator-key' });
    assert.equal(key.statusCode, 200);
    assert.match(key.json().publicKeyPem, /BEGIN PUBLIC KEY/);
  });

  test('the sandbox module is usable on its own', () => {
    assert.equal(typeof sandboxModule.create, 'function');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import {
  activeUser,
  operatorUser,
  rfc6238,
  signIn,
  TEST_PASSWORD,
  tokenFromMail,
  uniqueEmail,
} from './identity-helpers.ts';

/**
 * The identity layer over HTTP, as a new user and an operator would use it. Runs on SQLite and on
 * PostgreSQL when DATABASE_URL is set.
 */
const adult = { dateOfBirth: '1990-05-01', countryOfResidence: 'PK', countryOfUse: 'PK', acceptTerms: true };

for (const engine of engines()) {
  describe(`identity over HTTP (${engine.name})`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ engine });
    });
    after(async () => {
      await sys.cleanup();
    });

    const signUp = (body: Record<string, unknown>, ip?: string) =>
      sys.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: body,
        ...(ip ? { remoteAddress: ip } : {}),
      });

    test('sign-up → activation link → pending → operator approval → active', async () => {
      const email = uniqueEmail('new');
      const res = await signUp({ name: 'Ayesha Khan', email, password: TEST_PASSWORD, ...adult });
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(res.json(), { status: 'activation_sent' });

      // Not yet activated: sign-in is refused with a clear code.
      const early = await sys.app.inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email, password: TEST_PASSWORD },
      });
      assert.equal(early.statusCode, 403);
      assert.equal(early.json().error.code, 'account_not_activated');

      const token = await tokenFromMail(sys, email, 'activation');
      const act = await sys.app.inject({
        method: 'POST',
        url: '/api/v1/accounts/activate',
        payload: { token },
      });
      assert.equal(act.statusCode, 200, act.body);
      assert.equal(act.json().status, 'pending');
      const again = await sys.app.inject({
        method: 'POST',
        url: '/api/v1/accounts/activate',
        payload: { token },
      });
      assert.equal(again.statusCode, 400);
      assert.equal(again.json().error.code, 'invalid_token');

      // Pending users can sign in to see their status but not use the portal.
      const me = await signIn(sys, email);
      const status = await sys.app.inject({ method: 'GET', url: '/api/v1/me', headers: me.headers });
      assert.equal(status.json().status, 'pending');
      const orgs = await sys.app.inject({ method: 'GET', url: '/api/v1/organizations', headers: me.headers });
      assert.equal(orgs.statusCode, 403);
      assert.equal(orgs.json().error.code, 'account_not_active');

      const op = await operatorUser(sys);
      const pending = await sys.app.inject({
        method: 'GET',
        url: '/api/v1/admin/accounts?status=pending',
        headers: op.headers,
      });
      assert.equal(pending.statusCode, 200, pending.body);
      assert.ok(pending.json().items.some((u: { id: string }) => u.id === me.userId));
      const ok = await sys.app.inject({
        method: 'POST',
        url: `/api/v1/admin/accounts/${me.userId}/approve`,
        headers: op.headers,
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().status, 'active');
      const orgs2 = await sys.app.inject({
        method: 'GET',
        url: '/api/v1/organizations',
        headers: me.headers,
      });
      assert.equal(orgs2.statusCode, 200);
    });
  });
}

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { seedTerms } from '../src/modules/terms/terms-seed.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import { signIn, TEST_PASSWORD, tokenFromMail, uniqueEmail } from './identity-helpers.ts';

/** Sign-up accepts the general terms in force, and the terms module keeps the proof. */
for (const engine of engines()) {
  describe(`sign-up and the terms in force (${engine.name})`, () => {
    let sys: TestSystem;
    let versionId: string;
    before(async () => {
      sys = await startTestSystem({ engine });
      await seedTerms(sys.services.terms);
      const applicable = await sys.services.terms.getApplicableTerms(null);
      versionId = applicable.documents.find((d) => d.kind === 'general')!.inForce!.id;
    });
    after(() => sys.cleanup());

    const body = (email: string, termsVersion?: string) => ({
      name: 'Ayesha Khan',
      email,
      password: TEST_PASSWORD,
      dateOfBirth: '1990-04-01',
      countryOfResidence: 'PK',
      countryOfUse: 'PK',
      acceptTerms: true,
      ...(termsVersion ? { termsVersion } : {}),
    });

    test('the acceptance names the version in force and appears in the user’s terms history', async () => {
      const email = uniqueEmail('signup');
      const r = await sys.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: body(email, versionId),
      });
      assert.equal(r.statusCode, 202, r.body);
      const token = await tokenFromMail(sys, email, 'activation');
      await sys.app.inject({ method: 'POST', url: '/api/v1/accounts/activate', payload: { token } });
      const userId = (await sys.services.identity.findUserIdByEmail(email))!;
      await sys.services.identity.approveAccountAsSystem(userId);
      const me = await signIn(sys, email);
      const history = await sys.app.inject({ url: '/api/v1/terms/acceptances', headers: me.headers });
      assert.equal(history.statusCode, 200, history.body);
      assert.ok(history.body.includes(versionId), history.body);
    });

    test('a client that read an older version is asked to reload (409 terms_changed)', async () => {
      const r = await sys.app.inject({
        method: 'POST',
        url: '/api/v1/accounts',
        payload: body(uniqueEmail('stale'), 'tver_not_the_current_one'),
      });
      assert.equal(r.statusCode, 409, r.body);
      assert.equal(r.json().error.code, 'terms_changed');
    });
  });
}

describe('creating an organisation accepts the terms in force for the entity', () => {
  test('the organisation’s history shows an explicit acceptance by its creator', async () => {
    const sys = await startTestSystem();
    try {
      await seedTerms(sys.services.terms);
      const { activeUser, testOrganization } = await import('./identity-helpers.ts');
      const owner = await activeUser(sys);
      const orgId = await testOrganization(sys, owner);
      const r = await sys.app.inject({
        url: `/api/v1/terms/acceptances?orgId=${orgId}`,
        headers: owner.headers,
      });
      assert.equal(r.statusCode, 200, r.body);
      assert.match(r.body, /"method":"explicit"/);
      assert.match(r.body, new RegExp(owner.userId));
    } finally {
      await sys.cleanup();
    }
  });
});

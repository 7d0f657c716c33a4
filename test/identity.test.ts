import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { HOUR, MINUTE } from '../src/platform/clock.ts';
import { systemContext } from '../src/platform/request-context.ts';
import { testSharedStates } from '../src/platform/testing.ts';
import {
  DEMO_DEVELOPER_EMAIL,
  DEMO_DEVELOPER_PASSWORD,
  DEMO_OPERATOR_PASSWORD,
  DEMO_OPERATOR_TOTP_SECRET,
  identityDemoSeeder,
} from '../src/seed/demo-seed.ts';
import { engines, startTestSystem, type TestSystem } from './harness.ts';
import {
  activeUser,
  operatorUser,
  rfc6238,
  type SignedIn,
  signIn,
  TEST_PASSWORD,
  tokenFromMail,
  uniqueEmail,
} from './identity-helpers.ts';

/**
 * The identity layer over HTTP, as a new user and an operator would use it: happy paths, refusals
 * with stable codes, and the security properties (CSRF, lockout, no enumeration, TOTP replay,
 * nothing secret in the database). Runs on SQLite and on PostgreSQL when DATABASE_URL is set.
 */
const adult = { dateOfBirth: '1990-05-01', countryOfResidence: 'PK', countryOfUse: 'PK', acceptTerms: true };

for (const engine of engines()) {
  describe(`identity over HTTP (${engine.name})`, () => {
    let sys: TestSystem;
    let op: SignedIn;
    before(async () => {
      sys = await startTestSystem({ engine });
      op = await operatorUser(sys);
    });
    after(async () => {
      await sys.cleanup();
    });

    const inject = (opts: {
      method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      url: string;
      headers?: Record<string, string>;
      payload?: unknown;
      ip?: string;
    }) =>
      sys.app.inject({
        method: opts.method,
        url: opts.url,
        headers: opts.headers,
        ...(opts.payload !== undefined ? { payload: opts.payload as object } : {}),
        ...(opts.ip ? { remoteAddress: opts.ip } : {}),
      });
    const signUp = (body: Record<string, unknown>, ip?: string) =>
      inject({ method: 'POST', url: '/api/v1/accounts', payload: body, ip });
    const opHeaders = async () => {
      // The operator's session may have gone idle while a test moved the clock.
      if (!(await sys.services.identity.authenticateToken(op.token))) op = await operatorUser(sys);
      return op.headers;
    };

    /** Sign-up + activation link from the outbox; returns the e-mail. */
    async function signUpAndActivate(name = 'Bilal Ahmed', email = uniqueEmail('su')): Promise<string> {
      const res = await signUp({ name, email, password: TEST_PASSWORD, ...adult });
      assert.equal(res.statusCode, 202, res.body);
      const token = await tokenFromMail(sys, email, 'activation');
      const act = await inject({ method: 'POST', url: '/api/v1/accounts/activate', payload: { token } });
      assert.equal(act.statusCode, 200, act.body);
      return email;
    }

    test('sign-up → activation link → pending → operator approval → active', async () => {
      const email = uniqueEmail('new');
      const res = await signUp({ name: 'Ayesha Khan', email, password: TEST_PASSWORD, ...adult });
      assert.equal(res.statusCode, 202, res.body);
      assert.deepEqual(res.json(), { status: 'activation_sent' });

      const early = await inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email, password: TEST_PASSWORD },
      });
      assert.equal(early.statusCode, 403);
      assert.equal(early.json().error.code, 'account_not_activated');

      const token = await tokenFromMail(sys, email, 'activation');
      const act = await inject({ method: 'POST', url: '/api/v1/accounts/activate', payload: { token } });
      assert.equal(act.statusCode, 200, act.body);
      assert.equal(act.json().status, 'pending');
      const again = await inject({ method: 'POST', url: '/api/v1/accounts/activate', payload: { token } });
      assert.equal(again.statusCode, 400);
      assert.equal(again.json().error.code, 'invalid_token');

      // Pending users can sign in to see their status but not use the portal.
      const me = await signIn(sys, email);
      const status = await inject({ method: 'GET', url: '/api/v1/me', headers: me.headers });
      assert.equal(status.json().status, 'pending');
      const orgs = await inject({ method: 'GET', url: '/api/v1/organizations', headers: me.headers });
      assert.equal(orgs.statusCode, 403);
      assert.equal(orgs.json().error.code, 'account_not_active');

      const pending = await inject({
        method: 'GET',
        url: '/api/v1/admin/accounts?status=pending',
        headers: await opHeaders(),
      });
      assert.equal(pending.statusCode, 200, pending.body);
      assert.ok(pending.json().items.some((u: { id: string }) => u.id === me.userId));
      const ok = await inject({
        method: 'POST',
        url: `/api/v1/admin/accounts/${me.userId}/approve`,
        headers: await opHeaders(),
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().status, 'active');
      const orgs2 = await inject({ method: 'GET', url: '/api/v1/organizations', headers: me.headers });
      assert.equal(orgs2.statusCode, 200);
      const mails = await sys.services.mailer.list({ to: email });
      assert.ok(mails.some((m) => m.kind === 'account_approved'));
      const bell = await sys.services.notifications.list(me.userId);
      assert.ok(bell.some((n) => n.kind === 'account_approved'));
      const opBell = await sys.services.notifications.list(op.userId);
      assert.ok(opBell.some((n) => n.kind === 'account_pending' && n.body.includes(email)));
    });

    test('operator rejects with a reason; the user sees it and stays out', async () => {
      const email = await signUpAndActivate('Rejected Person');
      const me = await signIn(sys, email);
      const noReason = await inject({
        method: 'POST',
        url: `/api/v1/admin/accounts/${me.userId}/reject`,
        headers: await opHeaders(),
        payload: {},
      });
      assert.equal(noReason.statusCode, 400);
      const rej = await inject({
        method: 'POST',
        url: `/api/v1/admin/accounts/${me.userId}/reject`,
        headers: await opHeaders(),
        payload: { reason: 'Could not verify the company' },
      });
      assert.equal(rej.statusCode, 200, rej.body);
      const status = (await inject({ method: 'GET', url: '/api/v1/me', headers: me.headers })).json();
      assert.equal(status.status, 'rejected');
      assert.equal(status.rejectionReason, 'Could not verify the company');
      const twice = await inject({
        method: 'POST',
        url: `/api/v1/admin/accounts/${me.userId}/reject`,
        headers: await opHeaders(),
        payload: { reason: 'again' },
      });
      assert.equal(twice.json().error.code, 'account_not_pending');
    });

    test('sign-up refusals carry stable codes and are audited', async () => {
      const now = sys.clock.now();
      const y = now.getUTCFullYear();
      const mm = String(now.getUTCMonth() + 1).padStart(2, '0');
      const dd = String(now.getUTCDate()).padStart(2, '0');
      const tomorrow17 = new Date(Date.UTC(y - 18, now.getUTCMonth(), now.getUTCDate() + 1))
        .toISOString()
        .slice(0, 10);
      const cases: Array<[Record<string, unknown>, number, string]> = [
        [{ dateOfBirth: `${y - 17}-${mm}-${dd}` }, 422, 'ineligible_underage'],
        [{ dateOfBirth: tomorrow17 }, 422, 'ineligible_underage'],
        [{ countryOfResidence: 'KP' }, 422, 'ineligible_country'],
        [{ countryOfUse: 'ir' }, 422, 'ineligible_country'],
        [{ acceptTerms: false }, 422, 'terms_not_accepted'],
        [{ password: 'short-pass1' }, 400, 'password_too_short'],
        [{ password: 'Password1234' }, 400, 'password_too_common'],
        [{ password: 'aaaaaaaaaaaaaaaa' }, 400, 'password_too_common'],
        [{ password: '1234567890123' }, 400, 'password_too_common'],
        [{ password: 'x'.repeat(1025) }, 400, 'password_too_long'],
        [{ password: 'é'.repeat(513) }, 400, 'password_too_long'],
        [{ dateOfBirth: '1990/01/01' }, 400, 'validation_failed'],
        [{ email: 'not-an-email' }, 400, 'validation_failed'],
      ];
      for (const [override, status, code] of cases) {
        const res = await signUp(
          { name: 'Young Person', email: uniqueEmail('ref'), password: TEST_PASSWORD, ...adult, ...override },
          '10.0.0.9',
        );
        assert.equal(res.statusCode, status, `${JSON.stringify(override).slice(0, 60)}: ${res.body}`);
        assert.equal(res.json().error.code, code);
        assert.ok(res.json().error.message.length > 10);
      }
      const which = await signUp(
        {
          name: 'Far Away',
          email: uniqueEmail('ref'),
          password: TEST_PASSWORD,
          ...adult,
          countryOfUse: 'MM',
        },
        '10.0.0.9',
      );
      assert.deepEqual(which.json().error.details, { field: 'countryOfUse', country: 'MM' });
      // Exactly 18 today is old enough.
      const ok = await signUp({
        name: 'Just Adult',
        email: uniqueEmail('adult'),
        password: TEST_PASSWORD,
        ...adult,
        dateOfBirth: `${y - 18}-${mm}-${dd}`,
      });
      assert.equal(ok.statusCode, 202, ok.body);
      const refused = await sys.services.audit.list({ action: 'user.signup_refused' });
      assert.ok(refused.some((e) => e.details.reason === 'underage'));
      assert.ok(refused.some((e) => e.details.reason === 'barred_country:KP'));
    });

    test('the operator edits the barred country list', async () => {
      const list = await inject({
        method: 'GET',
        url: '/api/v1/admin/identity/barred-countries',
        headers: await opHeaders(),
      });
      assert.ok(list.json().items.some((c: { code: string }) => c.code === 'KP'));
      const put = await inject({
        method: 'PUT',
        url: '/api/v1/admin/identity/barred-countries',
        headers: await opHeaders(),
        payload: { items: [...list.json().items, { code: 'aq', note: 'test' }] },
      });
      assert.equal(put.statusCode, 200, put.body);
      const res = await signUp({
        name: 'Penguin Fan',
        email: uniqueEmail('aq'),
        password: TEST_PASSWORD,
        ...adult,
        countryOfUse: 'AQ',
      });
      assert.equal(res.json().error.code, 'ineligible_country');
    });

    test('a screening hit holds the account for review; auto-approve rules approve others', async () => {
      const imp = await inject({
        method: 'POST',
        url: '/api/v1/admin/identity/screening-list',
        headers: await opHeaders(),
        payload: { csv: 'name,reference\n"Qureshi, Salman",UN-123\nSomeone Else,X-1\n' },
      });
      assert.equal(imp.statusCode, 200, imp.body);
      assert.equal(imp.json().imported, 2);
      const rule = await inject({
        method: 'POST',
        url: '/api/v1/admin/identity/auto-approve-rules',
        headers: await opHeaders(),
        payload: { emailDomain: 'modelbank.test' },
      });
      assert.equal(rule.statusCode, 201, rule.body);

      const auto = await signUpAndActivate('Zara Auto', `zara.${Date.now()}@modelbank.test`);
      const autoUser = await signIn(sys, auto);
      assert.equal(autoUser.principal.status, 'active');

      // Same domain, but the name matches the list (case, accents and word order ignored): held.
      const held = await signUpAndActivate('salmán QURESHI', `salman.${Date.now()}@modelbank.test`);
      const heldUser = await signIn(sys, held);
      assert.equal(heldUser.principal.status, 'pending');
      const pending = await inject({
        method: 'GET',
        url: '/api/v1/admin/accounts?status=pending',
        headers: await opHeaders(),
      });
      const row = pending.json().items.find((u: { id: string }) => u.id === heldUser.userId);
      assert.equal(row.screeningMatch, 'Qureshi, Salman');
      assert.ok((await sys.services.audit.list({ action: 'user.auto_approved' })).length >= 1);

      // Renaming an active account to a listed name puts it back on hold.
      const rename = await inject({
        method: 'PATCH',
        url: '/api/v1/me',
        headers: autoUser.headers,
        payload: { name: 'Someone  Else' },
      });
      assert.equal(rename.statusCode, 200, rename.body);
      assert.equal(rename.json().status, 'pending');
      assert.equal(
        (await sys.services.audit.list({ action: 'user.screening_hold', targetId: autoUser.userId })).length,
        1,
      );
    });

    test('activation links expire; resend has a cool-down and answers the same for unknown e-mails', async () => {
      const email = uniqueEmail('exp');
      await signUp({ name: 'Slow Person', email, password: TEST_PASSWORD, ...adult });
      const first = await tokenFromMail(sys, email, 'activation');
      const count = async () =>
        (await sys.services.mailer.list({ to: email })).filter((m) => m.kind === 'activation').length;
      const resend = () =>
        inject({ method: 'POST', url: '/api/v1/accounts/activation-emails', payload: { email } });
      assert.equal((await resend()).statusCode, 202);
      assert.equal(await count(), 1, 'cool-down holds the second mail back');
      const unknown = await inject({
        method: 'POST',
        url: '/api/v1/accounts/activation-emails',
        payload: { email: uniqueEmail('nobody') },
      });
      assert.equal(unknown.statusCode, 202);
      assert.deepEqual(unknown.json(), (await resend()).json());
      sys.clock.advance(49 * HOUR);
      const expired = await inject({
        method: 'POST',
        url: '/api/v1/accounts/activate',
        payload: { token: first },
      });
      assert.equal(expired.json().error.code, 'invalid_token');
      assert.equal((await resend()).statusCode, 202);
      assert.equal(await count(), 2);
      const fresh = await tokenFromMail(sys, email, 'activation');
      const ok = await inject({
        method: 'POST',
        url: '/api/v1/accounts/activate',
        payload: { token: fresh },
      });
      assert.equal(ok.statusCode, 200, ok.body);
    });

    test('signing up again with a registered e-mail answers the same and tells the owner', async () => {
      const user = await activeUser(sys);
      const res = await signUp({ name: 'Impostor', email: user.email, password: TEST_PASSWORD, ...adult });
      assert.equal(res.statusCode, 202);
      assert.deepEqual(res.json(), { status: 'activation_sent' });
      const mails = await sys.services.mailer.list({ to: user.email });
      assert.ok(mails.some((m) => m.kind === 'signup_existing'));
    });

    test('session cookie is __Host-, Secure, HttpOnly, SameSite=Strict; CSRF token required on unsafe methods', async () => {
      const user = await activeUser(sys);
      const res = await inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email: user.email, password: TEST_PASSWORD },
      });
      assert.equal(res.statusCode, 201);
      assert.equal(res.headers['cache-control'], 'no-store', 'the CSRF token is never cached');
      const setCookie = String(res.headers['set-cookie']);
      assert.match(setCookie, /^__Host-dz_session=dzs_/);
      assert.match(setCookie, /Secure/);
      assert.match(setCookie, /HttpOnly/);
      assert.match(setCookie, /SameSite=Strict/);
      assert.match(setCookie, /Path=\//);
      assert.doesNotMatch(setCookie, /Domain=/);
      const { csrfToken } = res.json();
      assert.equal(res.json().token, undefined, 'the session token never reaches page scripts');
      const token = /__Host-dz_session=([^;]+)/.exec(setCookie)![1];
      const cookie = { cookie: `__Host-dz_session=${token}` };

      const got = await inject({ method: 'GET', url: '/api/v1/session', headers: cookie });
      assert.equal(got.statusCode, 200);
      assert.equal(got.json().csrfToken, csrfToken);
      assert.equal(got.headers['cache-control'], 'no-store');

      const patch = (headers: Record<string, string>) =>
        inject({ method: 'PATCH', url: '/api/v1/me', headers, payload: { jobTitle: 'Engineer' } });
      const none = await patch(cookie);
      assert.equal(none.statusCode, 403);
      assert.equal(none.json().error.code, 'csrf_failed');
      // One character changed, never to itself (a fixed suffix would equal the token's own now and then).
      const altered = `${csrfToken.slice(0, -1)}${csrfToken.endsWith('0') ? '1' : '0'}`;
      assert.notEqual(altered, csrfToken);
      const wrong = await patch({ ...cookie, 'x-csrf-token': altered });
      assert.equal(wrong.statusCode, 403);
      assert.equal(wrong.json().error.code, 'csrf_failed');
      const otherSession = await signIn(sys, user.email);
      const crossed = await patch({ ...cookie, 'x-csrf-token': otherSession.csrfToken });
      assert.equal(crossed.json().error.code, 'csrf_failed');
      const right = await patch({ ...cookie, 'x-csrf-token': csrfToken });
      assert.equal(right.statusCode, 200, right.body);
      // A bearer session token is not sent by browsers on their own: no CSRF token needed.
      const scripted = await inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email: user.email, password: TEST_PASSWORD, tokenDelivery: 'bearer' },
      });
      assert.equal(scripted.headers['set-cookie'], undefined);
      assert.equal(scripted.headers['cache-control'], 'no-store', 'nor is a bearer token');
      const bearer = await patch({ authorization: `Bearer ${scripted.json().token}` });
      assert.equal(bearer.statusCode, 200);
      assert.equal((await patch({ authorization: `Bearer ${token}` })).statusCode, 200);
      const noAuth = await inject({ method: 'GET', url: '/api/v1/me' });
      assert.equal(noAuth.statusCode, 401);
      const junk = await inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { cookie: '__Host-dz_session=dzs_forged' },
      });
      assert.equal(junk.statusCode, 401);
    });

    test('sessions can be listed and revoked (only your own); sign-out ends the session', async () => {
      const user = await activeUser(sys);
      const second = await signIn(sys, user.email);
      const list = await inject({ method: 'GET', url: '/api/v1/me/sessions', headers: user.headers });
      assert.equal(list.statusCode, 200);
      const items = list.json().items;
      assert.equal(items.length, 2);
      assert.equal(items.find((s: { current: boolean }) => s.current).id, user.principal.sessionId);

      const other = await activeUser(sys);
      const foreign = await inject({
        method: 'DELETE',
        url: `/api/v1/me/sessions/${other.principal.sessionId}`,
        headers: user.headers,
      });
      assert.equal(foreign.statusCode, 404);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: other.headers })).statusCode,
        200,
      );

      const rev = await inject({
        method: 'DELETE',
        url: `/api/v1/me/sessions/${second.principal.sessionId}`,
        headers: user.headers,
      });
      assert.equal(rev.statusCode, 204);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: second.headers })).statusCode,
        401,
      );
      const out = await inject({ method: 'DELETE', url: '/api/v1/session', headers: user.headers });
      assert.equal(out.statusCode, 204);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: user.headers })).statusCode,
        401,
      );
      const events = await sys.services.audit.list({ action: 'session.revoked', actorId: user.userId });
      assert.equal(events.length, 2);
    });

    test('sessions end after 2 hours idle and 12 hours in all', async () => {
      const idle = await activeUser(sys);
      const busy = await signIn(sys, idle.email);
      sys.clock.advance(HOUR + 50 * MINUTE);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: busy.headers })).statusCode,
        200,
      );
      sys.clock.advance(15 * MINUTE);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: idle.headers })).statusCode,
        401,
      );
      for (let h = 0; h < 9; h++) {
        sys.clock.advance(HOUR);
        assert.equal(
          (await inject({ method: 'GET', url: '/api/v1/me', headers: busy.headers })).statusCode,
          200,
          `hour ${h}`,
        );
      }
      sys.clock.advance(HOUR);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: busy.headers })).statusCode,
        401,
      );
    });

    test('TOTP: enrol, confirm with an independent RFC 6238 code, sign in, refuse replay, ±1 step, recovery codes once', async () => {
      const user = await activeUser(sys);
      const enrol = await inject({ method: 'POST', url: '/api/v1/me/mfa/totp', headers: user.headers });
      assert.equal(enrol.statusCode, 201, enrol.body);
      const { secret, otpauthUrl } = enrol.json();
      assert.match(otpauthUrl, /^otpauth:\/\/totp\//);
      const bad = await inject({
        method: 'POST',
        url: '/api/v1/me/mfa/totp/confirm',
        headers: user.headers,
        payload: { code: '000000' },
      });
      assert.equal(bad.json().error.code, 'invalid_mfa_code');
      const conf = await inject({
        method: 'POST',
        url: '/api/v1/me/mfa/totp/confirm',
        headers: user.headers,
        payload: { code: rfc6238(secret, sys.clock.nowMs()) },
      });
      assert.equal(conf.statusCode, 200, conf.body);
      const codes: string[] = conf.json().recoveryCodes;
      assert.equal(codes.length, 10);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: user.headers })).json().mfaEnabled,
        true,
      );

      const login = (code?: string) =>
        inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { email: user.email, password: TEST_PASSWORD, ...(code ? { code } : {}) },
          ip: '10.1.1.1',
        });
      const noCode = await login();
      assert.equal(noCode.statusCode, 401);
      assert.equal(noCode.json().error.code, 'mfa_required');
      // The confirm code's step is used: the same code cannot sign in.
      assert.equal((await login(rfc6238(secret, sys.clock.nowMs()))).json().error.code, 'invalid_mfa_code');
      sys.clock.advance(30_000);
      const code = rfc6238(secret, sys.clock.nowMs());
      const ok = await login(code);
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json().session.mfa, true);
      const replay = await login(code);
      assert.equal(replay.statusCode, 401);
      assert.equal(replay.json().error.code, 'invalid_mfa_code');
      // One step of clock skew either way is accepted; two is not.
      sys.clock.advance(60_000);
      assert.equal((await login(rfc6238(secret, sys.clock.nowMs(), -2))).statusCode, 401);
      assert.equal((await login(rfc6238(secret, sys.clock.nowMs(), -1))).statusCode, 201);
      assert.equal((await login(rfc6238(secret, sys.clock.nowMs(), 1))).statusCode, 201);
      // Recovery codes work once each.
      assert.equal((await login(codes[0])).statusCode, 201);
      assert.equal((await login(codes[0])).statusCode, 401);
      assert.equal((await login(codes[1].toUpperCase())).statusCode, 201);
      const again = await inject({ method: 'POST', url: '/api/v1/me/mfa/totp', headers: user.headers });
      assert.equal(again.json().error.code, 'mfa_already_enrolled');
      assert.ok(
        (await sys.services.audit.list({ action: 'mfa.totp_enrolled', actorId: user.userId })).length === 1,
      );
      assert.ok(
        (await sys.services.audit.list({ action: 'mfa.recovery_code_used', actorId: user.userId })).length ===
          2,
      );
    });

    test('operators must use TOTP; developers get 403 on operator routes', async () => {
      const dev = await activeUser(sys);
      for (const [method, url] of [
        ['GET', '/api/v1/admin/accounts'],
        ['POST', `/api/v1/admin/accounts/${dev.userId}/approve`],
        ['POST', `/api/v1/admin/accounts/${dev.userId}/reject`],
        ['POST', `/api/v1/admin/accounts/${dev.userId}/require-update`],
        ['GET', '/api/v1/admin/identity/settings'],
        ['PUT', '/api/v1/admin/identity/settings'],
        ['GET', '/api/v1/admin/identity/barred-countries'],
        ['PUT', '/api/v1/admin/identity/barred-countries'],
        ['GET', '/api/v1/admin/identity/screening-list'],
        ['POST', '/api/v1/admin/identity/screening-list'],
        ['GET', '/api/v1/admin/identity/auto-approve-rules'],
        ['POST', '/api/v1/admin/identity/auto-approve-rules'],
        ['DELETE', '/api/v1/admin/identity/auto-approve-rules/example.com'],
        ['GET', '/api/v1/admin/audit/events'],
      ] as const) {
        const res = await inject({
          method,
          url,
          headers: dev.headers,
          payload: method === 'GET' || method === 'DELETE' ? undefined : {},
        });
        assert.equal(res.statusCode, 403, `${method} ${url}: ${res.body}`);
        assert.equal(res.json().error.code, 'forbidden');
      }
      // An operator signs in only with a code, and counts as operator only in that session.
      const opEmail = uniqueEmail('op2');
      const r = await sys.services.identity.provisionUser({
        email: opEmail,
        name: 'Second Op',
        password: TEST_PASSWORD,
        operator: true,
      });
      const noCode = await inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email: opEmail, password: TEST_PASSWORD },
      });
      assert.equal(noCode.json().error.code, 'mfa_required');
      sys.clock.advance(30_000);
      const op2 = await signIn(sys, opEmail, TEST_PASSWORD, rfc6238(r.totpSecret!, sys.clock.nowMs()));
      assert.equal(op2.principal.isOperator, true);
      const ok = await inject({ method: 'GET', url: '/api/v1/admin/accounts', headers: op2.headers });
      assert.equal(ok.statusCode, 200);
    });

    test('lockout after 10 failures for 30 minutes, with the same answers for unknown e-mails', async () => {
      const user = await activeUser(sys);
      const ghost = uniqueEmail('ghost');
      const earlier = await signIn(sys, user.email);
      const attempt = (email: string, password: string) =>
        inject({ method: 'POST', url: '/api/v1/sessions', payload: { email, password }, ip: '10.2.2.2' });
      for (let i = 0; i < 10; i++) {
        const a = await attempt(user.email, 'wrong-password-123');
        const b = await attempt(ghost, 'wrong-password-123');
        assert.equal(a.statusCode, 401);
        assert.equal(b.statusCode, 401);
        assert.equal(a.json().error.code, 'invalid_credentials');
        assert.equal(a.json().error.message, b.json().error.message);
      }
      const locked = await attempt(user.email, TEST_PASSWORD);
      assert.equal(locked.statusCode, 423);
      assert.equal(locked.json().error.code, 'account_locked');
      // The 423 says when to come back: the lock's remaining time, in seconds.
      assert.equal(locked.headers['retry-after'], String(30 * 60));
      assert.equal(locked.headers['cache-control'], 'no-store');
      const ghostLocked = await attempt(ghost, TEST_PASSWORD);
      assert.equal(ghostLocked.statusCode, 423, 'unknown e-mails lock the same way');
      assert.equal(ghostLocked.headers['retry-after'], String(30 * 60));
      sys.clock.advance(10 * MINUTE + 500);
      const later = await attempt(user.email, TEST_PASSWORD);
      assert.equal(later.statusCode, 423);
      assert.equal(later.headers['retry-after'], String(20 * 60), 'counts down, rounded up');
      // Every other answer the lock gives carries it too (here: changing the password).
      const change = await inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: earlier.headers,
        payload: { currentPassword: TEST_PASSWORD, newPassword: 'another long passphrase 77' },
      });
      assert.equal(change.statusCode, 423, change.body);
      assert.equal(change.headers['retry-after'], String(20 * 60));
      const events = await sys.services.audit.list({ action: 'user.locked', targetId: user.userId });
      assert.equal(events.length, 1);
      assert.ok(
        (await sys.services.audit.list({ action: 'user.signin_failed', targetId: user.userId })).length >= 10,
      );
      sys.clock.advance(21 * MINUTE);
      const ok = await attempt(user.email, TEST_PASSWORD);
      assert.equal(ok.statusCode, 201, ok.body);
    });

    test('failed sign-ins are throttled per IP', async () => {
      let last = 0;
      let retryAfter: string | undefined;
      for (let i = 0; i < 32; i++) {
        const res = await inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { email: uniqueEmail('spray'), password: 'wrong-password-123' },
          ip: '10.3.3.3',
        });
        last = res.statusCode;
        if (res.statusCode === 429) {
          retryAfter = String(res.headers['retry-after']);
          break;
        }
      }
      assert.equal(last, 429);
      assert.ok(Number(retryAfter) > 0);
      // Another address is not affected.
      const user = await activeUser(sys);
      assert.ok(user.token);
    });

    test('password reset: same answer for unknown e-mails, second factor still required, all sessions end', async () => {
      const user = await activeUser(sys);
      const enrol = await sys.services.identity.enrollTotp(user.principal, systemContext());
      await sys.services.identity.confirmTotp(
        user.principal,
        rfc6238(enrol.secret, sys.clock.nowMs()),
        systemContext(),
      );
      sys.clock.advance(30_000);
      const other = await signIn(sys, user.email, TEST_PASSWORD, rfc6238(enrol.secret, sys.clock.nowMs()));

      const unknown = await inject({
        method: 'POST',
        url: '/api/v1/password-resets',
        payload: { email: uniqueEmail('none') },
      });
      const known = await inject({
        method: 'POST',
        url: '/api/v1/password-resets',
        payload: { email: user.email },
      });
      assert.equal(unknown.statusCode, 202);
      assert.deepEqual(unknown.json(), known.json());
      const token = await tokenFromMail(sys, user.email, 'password_reset');
      const newPassword = 'a-brand-new-passphrase-42';
      const complete = (body: Record<string, unknown>) =>
        inject({
          method: 'POST',
          url: '/api/v1/password-resets/complete',
          payload: { token, password: newPassword, ...body },
        });
      assert.equal((await complete({})).json().error.code, 'mfa_required');
      assert.equal((await complete({ code: '123456' })).json().error.code, 'invalid_mfa_code');
      assert.equal((await complete({ password: 'password1234' })).json().error.code, 'password_too_common');
      sys.clock.advance(30_000);
      const done = await complete({ code: rfc6238(enrol.secret, sys.clock.nowMs()) });
      assert.equal(done.statusCode, 204, done.body);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: user.headers })).statusCode,
        401,
      );
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: other.headers })).statusCode,
        401,
      );
      assert.equal(
        (await complete({ code: rfc6238(enrol.secret, sys.clock.nowMs(), 1) })).json().error.code,
        'invalid_token',
      );
      const oldPw = await inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email: user.email, password: TEST_PASSWORD },
        ip: '10.4.4.4',
      });
      assert.equal(oldPw.json().error.code, 'invalid_credentials');
      sys.clock.advance(30_000);
      const fresh = await signIn(sys, user.email, newPassword, rfc6238(enrol.secret, sys.clock.nowMs()));
      assert.ok(fresh.token);
      const ev = await sys.services.audit.list({ action: 'user.password_reset', targetId: user.userId });
      assert.equal(ev[0].details.sessionsEnded, 2);
    });

    test('change password (ends other sessions) and regenerate recovery codes (needs a TOTP code)', async () => {
      const user = await activeUser(sys);
      const other = await signIn(sys, user.email);
      const wrong = await inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: user.headers,
        payload: { currentPassword: 'not-the-password', newPassword: 'a fresh long passphrase' },
      });
      assert.equal(wrong.json().error.code, 'invalid_credentials');
      const weak = await inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: user.headers,
        payload: { currentPassword: TEST_PASSWORD, newPassword: 'password1234' },
      });
      assert.equal(weak.json().error.code, 'password_too_common');
      const ok = await inject({
        method: 'POST',
        url: '/api/v1/me/password',
        headers: user.headers,
        payload: { currentPassword: TEST_PASSWORD, newPassword: 'a fresh long passphrase' },
      });
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json().sessionsEnded, 1);
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: user.headers })).statusCode,
        200,
      );
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/me', headers: other.headers })).statusCode,
        401,
      );

      const noMfa = await inject({
        method: 'POST',
        url: '/api/v1/me/mfa/recovery-codes',
        headers: user.headers,
        payload: { code: '123456' },
      });
      assert.equal(noMfa.json().error.code, 'mfa_not_enrolled');
      const { secret } = await sys.services.identity.enrollTotp(user.principal, systemContext());
      const first = await sys.services.identity.confirmTotp(
        user.principal,
        rfc6238(secret, sys.clock.nowMs()),
        systemContext(),
      );
      sys.clock.advance(30_000);
      const regen = await inject({
        method: 'POST',
        url: '/api/v1/me/mfa/recovery-codes',
        headers: user.headers,
        payload: { code: rfc6238(secret, sys.clock.nowMs()) },
      });
      assert.equal(regen.statusCode, 200, regen.body);
      const fresh: string[] = regen.json().recoveryCodes;
      assert.equal(fresh.length, 10);
      const login = (code: string) =>
        inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { email: user.email, password: 'a fresh long passphrase', code },
          ip: '10.5.5.5',
        });
      assert.equal((await login(first.recoveryCodes[0])).statusCode, 401, 'old codes stop working');
      assert.equal((await login(fresh[0])).statusCode, 201);

      sys.clock.advance(30_000);
      const off = await inject({
        method: 'POST',
        url: '/api/v1/me/mfa/totp/disable',
        headers: user.headers,
        payload: { password: 'a fresh long passphrase', code: rfc6238(secret, sys.clock.nowMs()) },
      });
      assert.equal(off.statusCode, 204, off.body);
      const plain = await inject({
        method: 'POST',
        url: '/api/v1/sessions',
        payload: { email: user.email, password: 'a fresh long passphrase' },
        ip: '10.5.5.5',
      });
      assert.equal(plain.statusCode, 201);
      assert.equal(
        (await sys.services.audit.list({ action: 'mfa.totp_disabled', actorId: user.userId })).length,
        1,
      );
      // Operators cannot turn it off.
      const opOff = await inject({
        method: 'POST',
        url: '/api/v1/me/mfa/totp/disable',
        headers: await opHeaders(),
        payload: { password: TEST_PASSWORD, code: '123456' },
      });
      assert.equal(opOff.statusCode, 403);
    });

    test('reset links expire after an hour', async () => {
      const user = await activeUser(sys);
      await inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email: user.email } });
      const token = await tokenFromMail(sys, user.email, 'password_reset');
      sys.clock.advance(HOUR + 1000);
      const res = await inject({
        method: 'POST',
        url: '/api/v1/password-resets/complete',
        payload: { token, password: 'another-long-passphrase' },
      });
      assert.equal(res.json().error.code, 'invalid_token');
    });

    test('details need re-confirming every 12 months (operator setting) and when the operator asks', async () => {
      const user = await activeUser(sys);
      const me = () =>
        inject({ method: 'GET', url: '/api/v1/me', headers: user.headers }).then((r) => r.json());
      assert.equal((await me()).profileConfirmationDue, false);
      const settings = await inject({
        method: 'GET',
        url: '/api/v1/admin/identity/settings',
        headers: await opHeaders(),
      });
      assert.equal(settings.json().reconfirmMonths, 12);
      const req = await inject({
        method: 'POST',
        url: `/api/v1/admin/accounts/${user.userId}/require-update`,
        headers: await opHeaders(),
      });
      assert.equal(req.statusCode, 204);
      assert.equal((await me()).profileConfirmationDue, true);
      // "Update now" stops further use until the details are saved or confirmed.
      const blocked = await inject({ method: 'GET', url: '/api/v1/organizations', headers: user.headers });
      assert.equal(blocked.statusCode, 403);
      assert.equal(blocked.json().error.code, 'account_not_active');
      assert.equal((await me()).status, 'update_required');
      const upd = await inject({
        method: 'PATCH',
        url: '/api/v1/me',
        headers: user.headers,
        payload: { phone: '+92 300 0000000' },
      });
      assert.equal(upd.statusCode, 200, upd.body);
      assert.equal(upd.json().profileConfirmationDue, false);
      assert.equal(upd.json().phone, '+92 300 0000000');
      assert.equal(
        (await inject({ method: 'GET', url: '/api/v1/organizations', headers: user.headers })).statusCode,
        200,
      );
      const barred = await inject({
        method: 'PATCH',
        url: '/api/v1/me',
        headers: user.headers,
        payload: { countryOfUse: 'KP' },
      });
      assert.equal(barred.json().error.code, 'ineligible_country');

      const put = await inject({
        method: 'PUT',
        url: '/api/v1/admin/identity/settings',
        headers: await opHeaders(),
        payload: { reconfirmMonths: 1 },
      });
      assert.equal(put.statusCode, 200);
      sys.clock.advance(32 * 24 * HOUR);
      const later = await signIn(sys, user.email);
      const due = await inject({ method: 'GET', url: '/api/v1/me', headers: later.headers });
      assert.equal(due.json().profileConfirmationDue, true);
      const conf = await inject({
        method: 'POST',
        url: '/api/v1/me/confirm-details',
        headers: later.headers,
      });
      assert.equal(conf.json().profileConfirmationDue, false);
      await inject({
        method: 'PUT',
        url: '/api/v1/admin/identity/settings',
        headers: await opHeaders(),
        payload: { reconfirmMonths: 12 },
      });
    });

    test('the database holds no planted password, recovery code or TOTP secret', async () => {
      const planted = 'Planted-Secret-Passphrase-7781';
      const email = uniqueEmail('dump');
      await sys.services.identity.provisionUser({ email, name: 'Dump Test', password: planted });
      const user = await signIn(sys, email, planted);
      const { secret } = await sys.services.identity.enrollTotp(user.principal, systemContext());
      const { recoveryCodes } = await sys.services.identity.confirmTotp(
        user.principal,
        rfc6238(secret, sys.clock.nowMs()),
        systemContext(),
      );
      await inject({ method: 'POST', url: '/api/v1/password-resets', payload: { email } });
      const resetToken = await tokenFromMail(sys, email, 'password_reset');

      const db = sys.database.db;
      const tables =
        sys.database.dialect === 'sqlite'
          ? (
              await sql<{ name: string }>`select name from sqlite_master where type = 'table'`.execute(db)
            ).rows.map((r) => r.name)
          : (
              await sql<{
                name: string;
              }>`select table_name as name from information_schema.tables where table_schema = current_schema()`.execute(
                db,
              )
            ).rows.map((r) => r.name);
      assert.ok(tables.includes('users'));
      let dump = '';
      for (const t of tables) {
        const rows = (await sql`select * from ${sql.table(t)}`.execute(db)).rows;
        dump += `${t}\n${JSON.stringify(rows)}\n`;
      }
      assert.ok(!dump.includes(planted), 'password in clear');
      assert.ok(!dump.includes(secret), 'TOTP secret in clear');
      assert.ok(!dump.toLowerCase().includes(secret.toLowerCase()), 'TOTP secret in clear (case-folded)');
      for (const c of recoveryCodes) {
        assert.ok(!dump.includes(c) && !dump.includes(c.replace('-', '')), 'recovery code in clear');
      }
      // The mailed reset link is sealed in the outbox too (test/mail-outbox-at-rest.test.ts).
      assert.ok(!dump.includes(resetToken), 'reset token in clear');
      assert.ok(!dump.includes(user.token) && !dump.includes(user.token.slice(4)), 'session token in clear');
      assert.match(dump, /\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    });

    test('the OpenAPI document names the identity operations', async () => {
      const doc = (await inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
      const ids = new Set<string>();
      for (const p of Object.values(doc.paths) as Array<Record<string, { operationId?: string }>>) {
        for (const op of Object.values(p)) if (op.operationId) ids.add(op.operationId);
      }
      for (const id of [
        'signUp',
        'activateAccount',
        'approveAccount',
        'rejectAccount',
        'createSession',
        'enrollTotp',
        'confirmTotp',
        'listSessions',
        'revokeSession',
        'requestPasswordReset',
        'resetPassword',
        'createOrganization',
        'inviteMember',
        'acceptInvitation',
        'createParticipant',
        'confirmRepresentative',
        'rejectRepresentative',
      ]) {
        assert.ok(ids.has(id), id);
      }
    });

    test('audit trail covers the account lifecycle with actor, target and ip', async () => {
      const email = await signUpAndActivate('Audit Trail');
      const u = await signIn(sys, email);
      const events = await sys.services.audit.list({ targetId: u.userId });
      const actions = new Set(events.map((e) => e.action));
      for (const a of ['user.signup', 'user.activated']) assert.ok(actions.has(a), a);
      const signin = await sys.services.audit.list({ action: 'user.signin', actorId: u.userId });
      assert.equal(signin.length, 1);
      assert.ok(signin[0].ip);
      assert.ok(signin[0].at);
    });
  });
}

/** Lockout and per-IP throttling agree across processes: the same flow on Redis when REDIS_URL is set. */
for (const state of testSharedStates().filter((s) => s.name !== 'memory')) {
  describe(`identity lockout on shared state (${state.name})`, () => {
    let sys: TestSystem;
    before(async () => {
      sys = await startTestSystem({ sharedState: await state.open() });
    });
    after(async () => {
      await sys.cleanup();
    });

    test('ten failures lock the e-mail for 30 minutes; a second "process" sees the lock', async () => {
      const user = await activeUser(sys);
      const attempt = (password: string) =>
        sys.app.inject({
          method: 'POST',
          url: '/api/v1/sessions',
          payload: { email: user.email, password },
          remoteAddress: '10.9.9.9',
        });
      for (let i = 0; i < 10; i++) assert.equal((await attempt('wrong-password-123')).statusCode, 401);
      assert.equal((await attempt(TEST_PASSWORD)).statusCode, 423);
      sys.clock.advance(31 * MINUTE);
      assert.equal((await attempt(TEST_PASSWORD)).statusCode, 201);
    });
  });
}

describe('demo seed', () => {
  test('creates the operator, the developer and the confirmed Demo Fintech once', async () => {
    const sys = await startTestSystem();
    try {
      const first = await identityDemoSeeder.run(sys);
      assert.match(String(first), /operator@darwaza\.local/);
      assert.equal(await identityDemoSeeder.run(sys), undefined, 'idempotent');
      const dev = await signIn(sys, DEMO_DEVELOPER_EMAIL, DEMO_DEVELOPER_PASSWORD);
      const orgs = await sys.services.organizations.listMyOrganizations(dev.principal);
      assert.equal(orgs[0].name, 'Demo Fintech');
      assert.equal(orgs[0].representativeConfirmed, true);
      assert.equal(orgs[0].participant.name, '1LINK Model Bank');
      sys.clock.advance(30_000);
      const op = await signIn(
        sys,
        'operator@darwaza.local',
        DEMO_OPERATOR_PASSWORD,
        rfc6238(DEMO_OPERATOR_TOTP_SECRET, sys.clock.nowMs()),
      );
      assert.equal(op.principal.isOperator, true);
    } finally {
      await sys.cleanup();
    }
  });
});

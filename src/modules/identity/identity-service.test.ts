import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { generate } from 'otplib';
import { FakeClock } from '../../platform/clock.ts';
import { parseCsv } from '../../platform/csv.ts';
import { migrateToLatest } from '../../platform/db/migrator.ts';
import type { AppError } from '../../platform/errors.ts';
import { createLogger } from '../../platform/logger.ts';
import { createKeyring } from '../../platform/master-key.ts';
import { systemContext } from '../../platform/request-context.ts';
import { MemorySharedState } from '../../platform/shared-state/memory-shared-state.ts';
import { type TestDatabase, testEngines } from '../../platform/testing.ts';
import { type AuditLog, type AuditTables, auditModule } from '../audit/index.ts';
import { type Mailer, type NotificationsTables, notificationsModule } from '../notifications/index.ts';
import { isCommonPassword } from './common-passwords.ts';
import { IdentityService, normalizeScreeningName } from './identity-service.ts';
import { migrations } from './migrations.ts';
import { checkPasswordPolicy, PasswordHasher } from './passwords.ts';
import type { IdentityTables } from './tables.ts';
import { newTotpSecret, verifyTotp } from './totp.ts';

const code = (fn: () => unknown) => {
  try {
    fn();
    return 'ok';
  } catch (e) {
    return (e as AppError).code;
  }
};

describe('identity building blocks', () => {
  test('password policy: length in characters and bytes, common and trivial passwords', () => {
    assert.equal(
      code(() => checkPasswordPolicy('elevenchars')),
      'password_too_short',
    );
    assert.equal(
      code(() => checkPasswordPolicy('twelve chars')),
      'ok',
    );
    assert.equal(
      code(() => checkPasswordPolicy('ééééééééééééé'.repeat(40))),
      'password_too_long',
    );
    assert.equal(
      code(() => checkPasswordPolicy('x'.repeat(1024))),
      'password_too_common',
    );
    assert.equal(
      code(() => checkPasswordPolicy('Pakistan@1234')),
      'password_too_common',
    );
    assert.equal(
      code(() => checkPasswordPolicy('qwertyuiopasdf')),
      'password_too_common',
    );
    assert.equal(
      code(() => checkPasswordPolicy('9876543210987')),
      'password_too_common',
    );
    assert.equal(
      code(() => checkPasswordPolicy('ali.raza.1990', { email: 'ali.raza.1990@x.pk' })),
      'password_too_common',
    );
    assert.equal(
      code(() => checkPasswordPolicy('Ali Raza Khan!', { name: 'ali raza khan!' })),
      'password_too_common',
    );
    assert.ok(isCommonPassword('PASSWORD1234'));
    assert.ok(!isCommonPassword('tangerine-kite-bicycle'));
  });

  test('argon2id with the required cost; verify never throws on junk', async () => {
    const h = new PasswordHasher();
    const hash = await h.hash('a long enough secret');
    assert.match(hash, /^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    assert.equal(await h.verify(hash, 'a long enough secret'), true);
    assert.equal(await h.verify(hash, 'wrong'), false);
    assert.equal(await h.verify('not-a-hash', 'x'), false);
    assert.equal(await h.verify(hash, 'x'.repeat(5000)), false);
  });

  test('screening names ignore case, accents, punctuation and word order', () => {
    assert.equal(normalizeScreeningName('Qureshi, Salman'), normalizeScreeningName('salmán  QURESHI'));
    assert.notEqual(normalizeScreeningName('Salman Qureshi'), normalizeScreeningName('Salma Qureshi'));
    assert.equal(normalizeScreeningName(' ,. '), '');
  });

  test('CSV: quotes, doubled quotes, CRLF, blank lines', () => {
    assert.deepEqual(parseCsv('name,reference\r\n"Khan, ""Ali""",R1\r\n\r\nBob,\n'), [
      ['name', 'reference'],
      ['Khan, "Ali"', 'R1'],
      ['Bob', ''],
    ]);
  });

  test('TOTP: current and ±1 step accepted, ±2 refused, no step at or before the last used one', async () => {
    const secret = newTotpSecret();
    const now = Date.UTC(2026, 10, 23, 9, 0, 10);
    const at = (ms: number) => generate({ secret, epoch: Math.floor(ms / 1000) });
    const step = Math.floor(now / 30000);
    assert.equal(await verifyTotp(secret, await at(now), now, null), step);
    assert.equal(await verifyTotp(secret, await at(now - 30000), now, null), step - 1);
    assert.equal(await verifyTotp(secret, await at(now + 30000), now, null), step + 1);
    assert.equal(await verifyTotp(secret, await at(now - 60000), now, null), null);
    assert.equal(await verifyTotp(secret, await at(now + 60000), now, null), null);
    assert.equal(await verifyTotp(secret, await at(now), now, step), null);
    assert.equal(await verifyTotp(secret, await at(now - 30000), now, step - 1), null);
    assert.equal(await verifyTotp(secret, 'abcdef', now, null), null);
  });
});

for (const engine of testEngines()) {
  describe(`IdentityService (${engine.name})`, () => {
    let database: TestDatabase<IdentityTables & AuditTables & NotificationsTables>;
    let identity: IdentityService;
    let mailer: Mailer;
    let audit: AuditLog;
    const clock = new FakeClock(Date.UTC(2026, 10, 23, 9, 0, 0));
    const meta = { ...systemContext(), ip: '192.0.2.1', userAgent: 'test' };

    before(async () => {
      database = await engine.open<IdentityTables & AuditTables & NotificationsTables>();
      await migrateToLatest(database.db, [
        auditModule.migrations,
        notificationsModule.migrations,
        migrations,
      ]);
      audit = (await auditModule.create({ db: database.db, clock: clock })).ports.audit;
      mailer = (
        await notificationsModule.create({
          db: database.db,
          clock,
          keyring: createKeyring(randomBytes(32)),
          from: 'x@y',
          log: createLogger('silent'),
          devMailbox: 'off',
        })
      ).ports.mailer;
      identity = new IdentityService({
        db: database.db,
        clock,
        keyring: createKeyring(randomBytes(32)),
        audit,
        mailer,
        sharedState: new MemorySharedState(),
        publicUrl: 'http://localhost:3000',
      });
    });
    after(async () => {
      await database.cleanup();
    });

    const tokenOf = async (to: string, kind: string) => {
      const m = (await mailer.list({ to })).find((x) => x.kind === kind)!;
      return /token=([A-Za-z0-9_-]+)/.exec(m.text)![1];
    };

    test('sign-up stores a pending-activation user; activation is single use; directory lists active users', async () => {
      const email = 'Mixed.Case@Example.Test';
      await identity.signUp(
        {
          name: 'Hina Rauf',
          email,
          password: 'a sensible passphrase',
          dateOfBirth: '1988-02-29',
          countryOfResidence: 'pk',
          countryOfUse: 'AE',
          acceptTerms: true,
          termsVersion: 'general-v1',
        },
        meta,
      );
      const id = (await identity.findUserIdByEmail('mixed.case@example.test'))!;
      assert.ok(id.startsWith('usr_'));
      assert.equal((await identity.getUser(id))?.status, 'unverified');
      assert.ok(!(await identity.listActiveUserIds()).includes(id));
      const token = await tokenOf('mixed.case@example.test', 'activation');
      assert.equal((await identity.activateAccount(token, meta)).status, 'pending');
      await assert.rejects(
        identity.activateAccount(token, meta),
        (e: AppError) => e.code === 'invalid_token',
      );
      await identity.approveAccountAsSystem(id);
      assert.ok((await identity.listActiveUserIds()).includes(id));
      const admin = await identity.getAdminUser(id);
      assert.equal(admin?.termsVersion, 'general-v1');
      assert.equal(admin?.countryOfResidence, 'PK');
    });

    test('the same TOTP code used by two sign-ins at once passes only once', async () => {
      const r = await identity.provisionUser({
        email: 'race@example.test',
        name: 'Race Test',
        password: 'a sensible passphrase',
        operator: true,
      });
      clock.advance(30_000);
      const c = await generate({ secret: r.totpSecret!, epoch: Math.floor(clock.nowMs() / 1000) });
      const results = await Promise.allSettled(
        [1, 2, 3].map(() =>
          identity.createSession(
            { email: 'race@example.test', password: 'a sensible passphrase', code: c },
            meta,
          ),
        ),
      );
      assert.equal(results.filter((x) => x.status === 'fulfilled').length, 1);
      const ok = results.find((x) => x.status === 'fulfilled') as PromiseFulfilledResult<{ token: string }>;
      const p = await identity.authenticateToken(ok.value.token);
      assert.equal(p?.isOperator, true);
    });

    test('an operator without a second-factor session is not treated as an operator', async () => {
      // Provisioned operators always have TOTP; a session opened before enrolment (mfa=0) must not
      // carry operator rights. Simulate with a non-TOTP operator row.
      const r = await identity.provisionUser({
        email: 'plain@example.test',
        name: 'Plain',
        password: 'a sensible passphrase',
      });
      await database.db.updateTable('users').set({ is_operator: 1 }).where('id', '=', r.user.id).execute();
      const s = await identity.createSession(
        { email: 'plain@example.test', password: 'a sensible passphrase' },
        meta,
      );
      const p = await identity.authenticateToken(s.token);
      assert.equal(p?.isOperator, false);
    });

    test('screening list import replaces or merges', async () => {
      const op = null;
      assert.deepEqual(
        await identity.importScreeningList(op, 'name\nA One\nB Two\n', { replace: true }, meta),
        { imported: 2, total: 2 },
      );
      assert.deepEqual(await identity.importScreeningList(op, 'C Three\n', { replace: false }, meta), {
        imported: 1,
        total: 3,
      });
      assert.deepEqual(await identity.importScreeningList(op, 'name\nD Four\n', { replace: true }, meta), {
        imported: 1,
        total: 1,
      });
    });
  });
}

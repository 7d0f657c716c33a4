import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { randomToken } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { IdentityKit } from './identity-kit.ts';
import type { UserRow } from './identity-store.ts';
import type { Lockout } from './lockout.ts';
import { newTotpSecret, totpUri, verifyTotp } from './totp.ts';

const RECOVERY_CODE_COUNT = 10;

/** 10 characters from an unambiguous alphabet (50 bits), shown as xxxxx-xxxxx. */
function newRecoveryCode(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const bytes = randomToken(16);
  let out = '';
  const raw = Buffer.from(bytes, 'base64url');
  for (let i = 0; i < 10; i++) out += alphabet[raw[i] % 32];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

/**
 * The second factor: TOTP enrolment (the seed sealed in the database, shown once), recovery codes
 * (stored as HMACs, shown once), turning it off, and checking a code (each TOTP step passes once;
 * a recovery code is consumed).
 */
export class Mfa {
  readonly #kit: IdentityKit;
  readonly #lockout: Lockout;

  constructor(kit: IdentityKit, lockout: Lockout) {
    this.#kit = kit;
    this.#lockout = lockout;
  }

  #recoveryCodeRows(userId: string, codes: string[], now: string) {
    return codes.map((c) => ({
      code_hash: this.#kit.keyring.hmac(c.replace(/-/g, ''), 'recovery-code'),
      user_id: userId,
      created_at: now,
    }));
  }

  /**
   * TOTP (6 digits, each step once) or an unused recovery code (consumed). `sealedSecret` is the
   * user's enrolled seed (`totp_secret_enc`; callers check the user is enrolled).
   */
  async checkSecondFactor(
    user: UserRow,
    sealedSecret: string,
    codeIn: string,
    ctx: RequestContext,
  ): Promise<boolean> {
    const code = codeIn.replace(/[\s-]/g, '');
    if (/^\d{6}$/.test(code)) {
      const secret = this.#kit.keyring.decrypt(sealedSecret, 'totp');
      const last = user.totp_last_step === null ? null : Number(user.totp_last_step);
      const step = await verifyTotp(secret, code, this.#kit.clock.nowMs(), last);
      if (step === null) return false;
      // Compare-and-set: two concurrent requests with the same code cannot both pass.
      return (await this.#kit.store.claimTotpStep(user.id, step)) === 1;
    }
    const hash = this.#kit.keyring.hmac(code.toLowerCase(), 'recovery-code');
    if ((await this.#kit.store.consumeRecoveryCode(hash, user.id, this.#kit.nowIso())) !== 1) return false;
    await this.#kit.audit({ ...ctx, actor: { type: 'user', id: user.id } }, 'mfa.recovery_code_used', {
      type: 'user',
      id: user.id,
    });
    return true;
  }

  /** Starts enrolment: a new seed (sealed in the database), shown to the user once. */
  async enrollTotp(
    principal: Principal,
    ctx: RequestContext,
  ): Promise<{ secret: string; otpauthUrl: string }> {
    const user = await this.#kit.store.userByIdOrThrow(principal.userId);
    if (user.totp_secret_enc) throw new AppError('mfa_already_enrolled');
    const secret = newTotpSecret();
    await this.#kit.store.updateUser(user.id, {
      totp_pending_enc: this.#kit.keyring.encrypt(secret, 'totp'),
    });
    await this.#kit.audit({ ...ctx, actor: { type: 'user', id: user.id } }, 'mfa.totp_enrollment_started', {
      type: 'user',
      id: user.id,
    });
    return { secret, otpauthUrl: totpUri(secret, user.email) };
  }

  /**
   * Completes enrolment with a code from the app; returns recovery codes (shown once, stored as
   * HMACs). The current session is upgraded to a second-factor session.
   */
  async confirmTotp(
    principal: Principal,
    code: string,
    ctx: RequestContext,
  ): Promise<{ recoveryCodes: string[] }> {
    const user = await this.#kit.store.userByIdOrThrow(principal.userId);
    if (user.totp_secret_enc) throw new AppError('mfa_already_enrolled');
    if (!user.totp_pending_enc) throw new AppError('mfa_not_enrolled');
    const secret = this.#kit.keyring.decrypt(user.totp_pending_enc, 'totp');
    const step = await verifyTotp(secret, code, this.#kit.clock.nowMs(), null);
    if (step === null) throw new AppError('invalid_mfa_code');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    const now = this.#kit.nowIso();
    await this.#kit.store.transaction(async (store, tx) => {
      await store.updateUser(user.id, {
        totp_secret_enc: user.totp_pending_enc,
        totp_pending_enc: null,
        totp_last_step: step,
      });
      await store.deleteRecoveryCodes(user.id);
      await store.insertRecoveryCodes(this.#recoveryCodeRows(user.id, codes, now));
      await store.markSessionMfa(principal.sessionId);
      await this.#kit.audit(
        { ...ctx, actor: { type: 'user', id: user.id } },
        'mfa.totp_enrolled',
        { type: 'user', id: user.id },
        { tx },
      );
    });
    return { recoveryCodes: codes };
  }

  /**
   * Turns TOTP off after proving both factors again. Operators cannot: they must use TOTP. Sessions
   * keep running; recovery codes are deleted.
   */
  async disableTotp(
    principal: Principal,
    input: { password: string; code: string },
    ctx: RequestContext,
  ): Promise<void> {
    const user = await this.#kit.store.userByIdOrThrow(principal.userId);
    if (Number(user.is_operator) === 1)
      throw new AppError('forbidden', { message: 'Operators must keep their authenticator app.' });
    if (!user.totp_secret_enc) throw new AppError('mfa_not_enrolled');
    await this.#lockout.assertUnlocked(user.email);
    if (!(await this.#kit.hasher.verify(user.password_hash, input.password))) {
      await this.#lockout.countFailure(user.email, user.id, 'disable_mfa_wrong_password', ctx);
      throw new AppError('invalid_credentials');
    }
    if (!(await this.checkSecondFactor(user, user.totp_secret_enc, input.code, ctx))) {
      await this.#lockout.countFailure(user.email, user.id, 'disable_mfa_wrong_code', ctx);
      throw new AppError('invalid_mfa_code');
    }
    await this.#kit.store.transaction(async (store, tx) => {
      await store.updateUser(user.id, {
        totp_secret_enc: null,
        totp_pending_enc: null,
        totp_last_step: null,
      });
      await store.deleteRecoveryCodes(user.id);
      await this.#kit.audit(
        { ...ctx, actor: { type: 'user', id: user.id } },
        'mfa.totp_disabled',
        { type: 'user', id: user.id },
        { tx },
      );
      await this.#kit.mailer.send(
        {
          to: user.email,
          kind: 'mfa_disabled',
          subject: 'Two-step sign-in was turned off',
          text: `Hello ${user.name},\n\nThe authenticator app was removed from your Darwaza account. If this was not you, reset your password and contact the operator.`,
        },
        tx,
      );
    });
  }

  /**
   * New recovery codes (the old ones stop working), shown once; needs a current TOTP code so a
   * stolen session alone cannot mint them.
   */
  async regenerateRecoveryCodes(
    principal: Principal,
    code: string,
    ctx: RequestContext,
  ): Promise<{ recoveryCodes: string[] }> {
    const user = await this.#kit.store.userByIdOrThrow(principal.userId);
    if (!user.totp_secret_enc) throw new AppError('mfa_not_enrolled');
    if (!/^\d{6}$/.test(code) || !(await this.checkSecondFactor(user, user.totp_secret_enc, code, ctx))) {
      throw new AppError('invalid_mfa_code');
    }
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    const now = this.#kit.nowIso();
    await this.#kit.store.transaction(async (store, tx) => {
      await store.deleteRecoveryCodes(user.id);
      await store.insertRecoveryCodes(this.#recoveryCodeRows(user.id, codes, now));
      await this.#kit.audit(
        { ...ctx, actor: { type: 'user', id: user.id } },
        'mfa.recovery_codes_regenerated',
        { type: 'user', id: user.id },
        { tx },
      );
    });
    return { recoveryCodes: codes };
  }
}

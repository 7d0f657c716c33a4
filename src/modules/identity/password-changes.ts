import { HOUR } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { randomToken } from '../../platform/ids.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import { anonymous, type IdentityKit, normEmail, RESEND_COOLDOWN_MS } from './identity-kit.ts';
import type { Lockout } from './lockout.ts';
import type { Mfa } from './mfa.ts';
import { checkPasswordPolicy } from './passwords.ts';

const RESET_TTL_MS = HOUR;

/**
 * New passwords: changed by the signed-in user (proving the current one), or set from a
 * single-use reset link (plus the second factor when enrolled). Wrong guesses count toward the
 * sign-in lockout; the owner is told by mail; sessions end.
 */
export class PasswordChanges {
  readonly #kit: IdentityKit;
  readonly #lockout: Lockout;
  readonly #mfa: Mfa;

  constructor(kit: IdentityKit, lockout: Lockout, mfa: Mfa) {
    this.#kit = kit;
    this.#lockout = lockout;
    this.#mfa = mfa;
  }

  /**
   * Changes the password of the signed-in user, who proves it with the current one (wrong guesses
   * count toward the lockout). Every other session ends.
   */
  async changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string },
    ctx: RequestContext,
  ): Promise<{ sessionsEnded: number }> {
    const user = await this.#kit.store.userByIdOrThrow(principal.userId);
    await this.#lockout.assertUnlocked(user.email);
    if (!(await this.#kit.hasher.verify(user.password_hash, input.currentPassword))) {
      await this.#lockout.countFailure(user.email, user.id, 'change_wrong_password', ctx);
      throw new AppError('invalid_credentials', { message: 'The current password is wrong.' });
    }
    checkPasswordPolicy(input.newPassword, { email: user.email, name: user.name });
    const hash = await this.#kit.hasher.hash(input.newPassword);
    const now = this.#kit.nowIso();
    const ended = await this.#kit.store.transaction(async (store, tx) => {
      await store.updateUser(user.id, { password_hash: hash, password_changed_at: now });
      const n = await store.revokeSessionsOf(user.id, this.#kit.nowIso(), principal.sessionId);
      await this.#kit.audit(
        { ...ctx, actor: { type: 'user', id: user.id } },
        'user.password_changed',
        { type: 'user', id: user.id },
        { details: { sessionsEnded: n }, tx },
      );
      await this.#kit.mailer.send(
        {
          to: user.email,
          kind: 'password_changed',
          subject: 'Your Darwaza password was changed',
          text: `Hello ${user.name},\n\nYour password was just changed and your other sessions were signed out. If this was not you, reset your password and contact the operator.`,
        },
        tx,
      );
      return n;
    });
    return { sessionsEnded: ended };
  }

  /** Always answers the same; mails a single-use link (1 hour) when the account exists. */
  async requestPasswordReset(emailIn: string, ctx: RequestContext): Promise<void> {
    await this.#kit.throttle(`idn:reset:ip:${ctx.ip ?? '-'}`, 20, HOUR, 20);
    const email = normEmail(emailIn);
    const user = await this.#kit.store.userByEmail(email);
    if (!user || user.status === 'unverified') return;
    if (!(await this.#kit.cooldownFree(`idn:reset-cooldown:${user.id}`, RESEND_COOLDOWN_MS))) return;
    const token = randomToken();
    const nowMs = this.#kit.clock.nowMs();
    await this.#kit.store.transaction(async (store, tx) => {
      await store.insertToken({
        token_hash: this.#kit.tokenHash(token, 'password-reset'),
        user_id: user.id,
        purpose: 'password_reset',
        created_at: new Date(nowMs).toISOString(),
        expires_at: new Date(nowMs + RESET_TTL_MS).toISOString(),
      });
      await this.#kit.audit(
        { ...ctx, actor: anonymous },
        'user.password_reset_requested',
        { type: 'user', id: user.id },
        { tx },
      );
      await this.#kit.mailer.send(
        {
          to: email,
          kind: 'password_reset',
          subject: 'Reset your Darwaza password',
          text: `Hello ${user.name},\n\nOpen this link within an hour to choose a new password:\n${this.#kit.publicUrl}/reset-password?token=${token}\n\nIf you did not ask for this, ignore this message; your password stays as it is.`,
        },
        tx,
      );
    });
  }

  /**
   * Sets a new password from a reset link. Accounts with TOTP must also give a code (or recovery
   * code): the link alone is one factor. Every session of the account ends.
   */
  async resetPassword(
    input: { token: string; password: string; code?: string },
    ctx: RequestContext,
  ): Promise<void> {
    const hash = this.#kit.tokenHash(input.token, 'password-reset');
    const now = this.#kit.nowIso();
    const row = await this.#kit.store.tokenByHash(hash, 'password_reset');
    if (!row || row.used_at || row.expires_at <= now) throw new AppError('invalid_token');
    const user = await this.#kit.store.userByIdOrThrow(row.user_id);
    checkPasswordPolicy(input.password, { email: user.email, name: user.name });
    if (user.totp_secret_enc) {
      if (!input.code) throw new AppError('mfa_required');
      // Wrong codes here count toward the same lockout as sign-in.
      await this.#lockout.assertUnlocked(user.email);
      if (!(await this.#mfa.checkSecondFactor(user, user.totp_secret_enc, input.code, ctx))) {
        await this.#lockout.countFailure(user.email, user.id, 'reset_wrong_mfa_code', ctx);
        throw new AppError('invalid_mfa_code');
      }
    }
    const passwordHash = await this.#kit.hasher.hash(input.password);
    await this.#kit.store.transaction(async (store, tx) => {
      if ((await store.consumeToken(hash, now)) !== 1) throw new AppError('invalid_token');
      await store.updateUser(user.id, { password_hash: passwordHash, password_changed_at: now });
      const ended = await store.revokeSessionsOf(user.id, this.#kit.nowIso());
      await this.#kit.audit(
        { ...ctx, actor: { type: 'user', id: user.id } },
        'user.password_reset',
        { type: 'user', id: user.id },
        { details: { sessionsEnded: ended }, tx },
      );
      await this.#kit.mailer.send(
        {
          to: user.email,
          kind: 'password_reset_completed',
          subject: 'Your Darwaza password was changed',
          text: `Hello ${user.name},\n\nYour password was just reset and every session was signed out. If this was not you, contact the operator at once.`,
        },
        tx,
      );
    });
    await this.#lockout.unlock(user.email);
  }
}

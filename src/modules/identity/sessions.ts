import { timingSafeEqual } from 'node:crypto';
import { MINUTE } from '../../platform/clock.ts';
import { AppError, type ErrorCode } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId, randomToken } from '../../platform/ids.ts';
import { type RequestContext, systemContext } from '../../platform/request-context.ts';
import type { Eligibility } from './eligibility.ts';
import { anonymous, type IdentityKit, normEmail } from './identity-kit.ts';
import type { Lockout } from './lockout.ts';
import type { Mfa } from './mfa.ts';
import type { Profile } from './profile.ts';
import { type SessionView, toUserView, type UserView } from './user-views.ts';

export const SESSION_COOKIE = '__Host-dz_session';
/** Session tokens carry a prefix so the authenticator can tell them from OAuth bearer tokens. */
export const SESSION_TOKEN_PREFIX = 'dzs_';

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Sessions: signing in (password, then the second factor when enrolled), resolving a token to its
 * principal (idle and absolute expiry), each session's CSRF token, listing and ending sessions.
 * Unknown e-mails cost the same work and get the same answer as wrong passwords.
 */
export class Sessions {
  readonly #kit: IdentityKit;
  readonly #lockout: Lockout;
  readonly #mfa: Mfa;
  readonly #eligibility: Eligibility;
  readonly #profile: Profile;
  #dummyHash: Promise<string> | undefined;

  constructor(
    kit: IdentityKit,
    parts: { lockout: Lockout; mfa: Mfa; eligibility: Eligibility; profile: Profile },
  ) {
    this.#kit = kit;
    this.#lockout = parts.lockout;
    this.#mfa = parts.mfa;
    this.#eligibility = parts.eligibility;
    this.#profile = parts.profile;
  }

  /**
   * Signs in with e-mail + password (+ TOTP or recovery code when enrolled). Unknown e-mails cost
   * the same argon2 work and get the same answer as wrong passwords; lockout counts per e-mail
   * whether or not it exists, so the lock itself reveals nothing either.
   */
  async createSession(
    input: { email: string; password: string; code?: string },
    ctx: RequestContext,
  ): Promise<{ token: string; csrfToken: string; session: SessionView; user: UserView }> {
    const kit = this.#kit;
    const email = normEmail(input.email);
    const ip = ctx.ip ?? '-';
    const nowMs = kit.clock.nowMs();
    // Per-IP throttle on failures: checked first, charged only when an attempt fails.
    await this.#lockout.ipFailures(ip, false);
    const user = await kit.store.userByEmail(email);
    const lockLeftMs = await this.#lockout.lockLeftMs(email);
    if (lockLeftMs > 0) {
      await kit.audit(
        { ...ctx, actor: anonymous },
        'user.signin_failed',
        user ? { type: 'user', id: user.id } : null,
        { details: { reason: 'locked', ...(user ? {} : { email }) } },
      );
      throw this.#lockout.locked(lockLeftMs);
    }
    const fail = async (reason: string, code: ErrorCode): Promise<never> => {
      await this.#lockout.ipFailures(ip, true);
      await this.#lockout.countFailure(email, user?.id ?? null, reason, ctx);
      await kit.events?.emit('identity.sign_in_failed', {
        account: user?.id ?? `email:${kit.keyring.hmac(email, 'login-email').slice(0, 24)}`,
        factor: reason === 'wrong_mfa_code' ? 'totp' : 'password',
        ip: ctx.ip,
        requestId: ctx.requestId,
        atMs: kit.clock.nowMs(),
      });
      throw new AppError(code);
    };
    // Unknown e-mails still pay for one argon2 verification, so timing does not tell them apart.
    const ok = await kit.hasher.verify(user ? user.password_hash : await this.#dummy(), input.password);
    if (!user || !ok) return fail(user ? 'wrong_password' : 'unknown_email', 'invalid_credentials');
    if (user.status === 'unverified') throw new AppError('account_not_activated');

    let mfa = false;
    if (user.totp_secret_enc) {
      if (!input.code) throw new AppError('mfa_required');
      const okCode = await this.#mfa.checkSecondFactor(user, user.totp_secret_enc, input.code, ctx);
      if (!okCode) return fail('wrong_mfa_code', 'invalid_mfa_code');
      mfa = true;
    }
    await this.#lockout.clearFailures(email);

    const token = SESSION_TOKEN_PREFIX + randomToken();
    const id = newId('ses', nowMs);
    const now = new Date(nowMs).toISOString();
    const expiresAt = new Date(nowMs + kit.absoluteMs).toISOString();
    await kit.store.transaction(async (store, tx) => {
      await store.insertSession({
        id,
        user_id: user.id,
        token_hash: kit.tokenHash(token, 'session'),
        mfa: mfa ? 1 : 0,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
        ip: ctx.ip ?? null,
        user_agent: ctx.userAgent ?? null,
      });
      await kit.audit(
        { ...ctx, actor: { type: 'user', id: user.id } },
        'user.signin',
        { type: 'session', id },
        {
          details: { mfa },
          tx,
        },
      );
    });
    return {
      token,
      csrfToken: this.csrfTokenFor(token),
      session: {
        id,
        createdAt: now,
        lastSeenAt: now,
        expiresAt,
        ip: ctx.ip ?? null,
        userAgent: ctx.userAgent ?? null,
        mfa,
        current: true,
      },
      user: toUserView(user, await this.#eligibility.reconfirmMonths(), kit.clock.nowMs()),
    };
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= this.#kit.hasher.hash(randomToken());
    return this.#dummyHash;
  }

  csrfTokenFor(sessionToken: string): string {
    return this.#kit.keyring.hmac(sessionToken, 'csrf');
  }

  checkCsrf(sessionToken: string, given: string | undefined): boolean {
    return typeof given === 'string' && safeEqual(this.csrfTokenFor(sessionToken), given);
  }

  /**
   * Resolves a session token to its principal; null when unknown, revoked, idle too long or past its
   * absolute expiry. An operator counts as an operator only in a session opened with a second factor.
   */
  async authenticateToken(token: string): Promise<Principal | null> {
    if (!token.startsWith(SESSION_TOKEN_PREFIX) || token.length > 200) return null;
    const row = await this.#kit.store.sessionByTokenHash(this.#kit.tokenHash(token, 'session'));
    if (!row || row.revoked_at) return null;
    const nowMs = this.#kit.clock.nowMs();
    if (Date.parse(row.expires_at) <= nowMs) return null;
    if (Date.parse(row.last_seen_at) + this.#kit.idleMs <= nowMs) return null;
    if (nowMs - Date.parse(row.last_seen_at) > MINUTE) {
      await this.#kit.store.touchSession(row.session_id, new Date(nowMs).toISOString());
    }
    return {
      userId: row.user_id,
      sessionId: row.session_id,
      email: row.email,
      name: row.name,
      isOperator: Number(row.is_operator) === 1 && Number(row.mfa) === 1,
      // An operator's "update now" stops further use until the user saves or confirms their details:
      // routes for active users answer account_not_active; status and profile routes still work.
      status: row.status === 'active' && Number(row.update_required) === 1 ? 'update_required' : row.status,
    };
  }

  async getSession(
    principal: Principal,
    token: string,
  ): Promise<{ user: UserView; session: SessionView; csrfToken: string }> {
    const sessions = await this.listSessions(principal);
    const session = sessions.find((s) => s.id === principal.sessionId)!;
    return {
      user: (await this.#profile.getMe(principal.userId))!,
      session,
      csrfToken: this.csrfTokenFor(token),
    };
  }

  async listSessions(principal: Principal): Promise<SessionView[]> {
    const nowIso = this.#kit.nowIso();
    const rows = await this.#kit.store.liveSessionsOf(principal.userId, nowIso);
    const idleCut = this.#kit.clock.nowMs() - this.#kit.idleMs;
    return rows
      .filter((r) => Date.parse(r.last_seen_at) > idleCut)
      .map((r) => ({
        id: r.id,
        createdAt: r.created_at,
        lastSeenAt: r.last_seen_at,
        expiresAt: r.expires_at,
        ip: r.ip,
        userAgent: r.user_agent,
        mfa: Number(r.mfa) === 1,
        current: r.id === principal.sessionId,
      }));
  }

  /** Revokes one of the caller's own sessions; another user's session id is simply not found. */
  async revokeSession(principal: Principal, sessionId: string, ctx: RequestContext): Promise<void> {
    await this.#kit.store.transaction(async (store, tx) => {
      const revoked = await store.revokeSession(sessionId, principal.userId, this.#kit.nowIso());
      if (revoked !== 1) throw new AppError('not_found');
      await this.#kit.audit(
        { ...ctx, actor: { type: 'user', id: principal.userId } },
        'session.revoked',
        { type: 'session', id: sessionId },
        { details: { current: sessionId === principal.sessionId }, tx },
      );
    });
  }

  /** Ends every session of these users (organisation termination); audited per user, as the system. */
  async endSessionsOf(userIds: string[], reason: string): Promise<void> {
    for (const userId of new Set(userIds)) {
      await this.#kit.store.transaction(async (store, tx) => {
        const n = await store.revokeSessionsOf(userId, this.#kit.nowIso());
        if (n > 0) {
          await this.#kit.audit(
            systemContext(),
            'session.revoked',
            { type: 'user', id: userId },
            {
              details: { sessionsEnded: n, reason },
              tx,
            },
          );
        }
      });
    }
  }
}

import { HOUR } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { AppError, type ErrorCode } from '../../platform/errors.ts';
import { newId, randomToken } from '../../platform/ids.ts';
import { type RequestContext, systemContext } from '../../platform/request-context.ts';
import type { Eligibility } from './eligibility.ts';
import { anonymous, type IdentityKit, normEmail, RESEND_COOLDOWN_MS } from './identity-kit.ts';
import type { IdentityStore } from './identity-store.ts';
import { checkPasswordPolicy } from './passwords.ts';
import type { UserStatus } from './user-views.ts';

const ACTIVATION_TTL_MS = 48 * HOUR;

export type SignUpInput = {
  name: string;
  email: string;
  password: string;
  dateOfBirth: string;
  countryOfResidence: string;
  countryOfUse: string;
  acceptTerms: boolean;
  termsVersion?: string;
  phone?: string;
  jobTitle?: string;
};

/**
 * Opening an account: sign-up (eligibility checked, the name screened, the terms version in force
 * recorded), the activation link (48 hours, once; resent at most once a minute) and activation
 * (auto-approval by e-mail domain, otherwise operators are told an account waits). Anonymous
 * callers get the same answer whether or not an e-mail has an account.
 */
export class Accounts {
  readonly #kit: IdentityKit;
  readonly #eligibility: Eligibility;

  constructor(kit: IdentityKit, eligibility: Eligibility) {
    this.#kit = kit;
    this.#eligibility = eligibility;
  }

  async signUp(input: SignUpInput, ctx: RequestContext): Promise<{ status: 'activation_sent' }> {
    const kit = this.#kit;
    await kit.throttle(`idn:signup:ip:${ctx.ip ?? '-'}`, 20, HOUR, 20);
    const email = normEmail(input.email);
    const refuse = async (code: ErrorCode, reason: string, details: Record<string, unknown>) => {
      await kit.audit({ ...ctx, actor: anonymous }, 'user.signup_refused', null, {
        details: {
          email,
          reason,
          countryOfResidence: input.countryOfResidence,
          countryOfUse: input.countryOfUse,
        },
      });
      throw new AppError(code, { details });
    };
    if (!input.acceptTerms) throw new AppError('terms_not_accepted');
    checkPasswordPolicy(input.password, { email, name: input.name });
    if (!this.isAdult(input.dateOfBirth)) await refuse('ineligible_underage', 'underage', { minimumAge: 18 });
    const countries = [input.countryOfResidence.toUpperCase(), input.countryOfUse.toUpperCase()];
    const barred = await this.#eligibility.barredAmong(countries);
    if (barred.length > 0) {
      const code = barred[0];
      const field = countries[0] === code ? 'countryOfResidence' : 'countryOfUse';
      await refuse('ineligible_country', `barred_country:${code}`, { field, country: code });
    }

    const existing = await kit.store.userByEmail(email);
    if (existing) {
      // Same answer as a new sign-up; the owner of the address learns about the attempt.
      if (existing.status === 'unverified') await this.#sendActivation(existing, true);
      else {
        await kit.mailer.send({
          to: email,
          kind: 'signup_existing',
          subject: 'Someone tried to sign up with your e-mail address',
          text: `Someone tried to open a Darwaza account with ${email}, which already has one.\n\nIf it was you, sign in here:\n${kit.publicUrl}/sign-in\n\nor, if you forgot your password, ask for a reset link here:\n${kit.publicUrl}/forgot-password\n\nIf it was not you, you can ignore this message.`,
        });
      }
      return { status: 'activation_sent' };
    }

    const screening = await this.#eligibility.screen(input.name);
    const passwordHash = await kit.hasher.hash(input.password);
    // The server records the version in force, never one the client names; a client that saw an
    // older version (the terms changed while the page was open) is asked to reload and read again.
    const current = (await kit.termsVersions?.generalVersionInForce()) ?? null;
    if (input.termsVersion && current && input.termsVersion !== current) {
      throw new AppError('terms_changed');
    }
    const termsVersion = current ?? input.termsVersion ?? null;
    const now = kit.nowIso();
    const id = newId('usr', kit.clock.nowMs());
    try {
      await kit.store.transaction(async (store, tx) => {
        await store.insertUser({
          id,
          email,
          name: input.name.trim(),
          password_hash: passwordHash,
          date_of_birth: input.dateOfBirth,
          country_of_residence: countries[0],
          country_of_use: countries[1],
          phone: input.phone ?? null,
          job_title: input.jobTitle ?? null,
          status: 'unverified',
          is_operator: 0,
          screening_match: screening,
          terms_version: termsVersion,
          terms_accepted_at: now,
          created_at: now,
          profile_confirmed_at: now,
          password_changed_at: now,
        });
        await kit.audit(
          { ...ctx, actor: { type: 'user', id } },
          'user.signup',
          { type: 'user', id },
          {
            details: { termsVersion, screeningHold: screening !== null },
            tx,
          },
        );
        await this.#sendActivation({ id, email, name: input.name }, false, { store, tx });
      });
    } catch (err) {
      if (isUniqueViolation(err)) return { status: 'activation_sent' };
      throw err;
    }
    // After the commit: the terms module records the acceptance as proof. A subscriber's failure
    // reaches the caller (the account exists; the request answers with the error).
    await kit.events?.emit('identity.signed_up', { userId: id, ctx });
    return { status: 'activation_sent' };
  }

  /** Date of birth (YYYY-MM-DD) is at least 18 years before today (UTC). */
  isAdult(dateOfBirth: string): boolean {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOfBirth);
    if (!m) return false;
    const eighteenth = Date.UTC(Number(m[1]) + 18, Number(m[2]) - 1, Number(m[3]));
    return eighteenth <= this.#kit.clock.nowMs();
  }

  async #sendActivation(
    user: { id: string; email: string; name: string },
    respectCooldown: boolean,
    inTransaction?: { store: IdentityStore; tx: SharedTransaction },
  ): Promise<boolean> {
    const kit = this.#kit;
    if (respectCooldown) {
      if (!(await kit.cooldownFree(`idn:resend:${user.id}`, RESEND_COOLDOWN_MS))) return false;
    } else {
      await kit.hold(`idn:resend:${user.id}`, RESEND_COOLDOWN_MS);
    }
    const token = randomToken();
    const nowMs = kit.clock.nowMs();
    const store = inTransaction?.store ?? kit.store;
    await store.insertToken({
      token_hash: kit.tokenHash(token, 'activation'),
      user_id: user.id,
      purpose: 'activation',
      created_at: new Date(nowMs).toISOString(),
      expires_at: new Date(nowMs + ACTIVATION_TTL_MS).toISOString(),
    });
    await kit.mailer.send(
      {
        to: user.email,
        kind: 'activation',
        subject: 'Activate your Darwaza account',
        text: `Hello ${user.name},\n\nOpen this link to activate your account (valid for 48 hours, once):\n${kit.publicUrl}/activate?token=${token}\n\nIf you did not sign up, ignore this message.`,
      },
      inTransaction?.tx,
    );
    return true;
  }

  /** Sends a fresh activation link, at most once a minute per account; same answer for any e-mail. */
  async resendActivation(emailIn: string, ctx: RequestContext): Promise<void> {
    await this.#kit.throttle(`idn:resend:ip:${ctx.ip ?? '-'}`, 20, HOUR, 20);
    const user = await this.#kit.store.userRefByEmail(normEmail(emailIn));
    if (user?.status !== 'unverified') return;
    // Audited only when a link went out (not for an unknown e-mail or within the cool-down), so the
    // trail shows every activation link an account was sent.
    if (await this.#sendActivation(user, true)) {
      await this.#kit.audit({ ...ctx, actor: anonymous }, 'user.activation_resent', {
        type: 'user',
        id: user.id,
      });
    }
  }

  async activateAccount(
    token: string,
    ctx: RequestContext,
  ): Promise<{ status: Exclude<UserStatus, 'unverified'> }> {
    const kit = this.#kit;
    const hash = kit.tokenHash(token, 'activation');
    const now = kit.nowIso();
    return kit.store.transaction(async (store, tx) => {
      const row = await store.tokenByHash(hash, 'activation');
      if (!row || row.used_at || row.expires_at <= now) throw new AppError('invalid_token');
      if ((await store.consumeToken(hash, now)) !== 1) throw new AppError('invalid_token');
      const user = await store.userByIdOrThrow(row.user_id);
      if (user.status !== 'unverified') return { status: user.status as Exclude<UserStatus, 'unverified'> };
      let status: UserStatus = 'pending';
      let rule: string | null = null;
      if (!user.screening_match) {
        const domain = String(user.email).split('@')[1] ?? '';
        const hit = await store.autoApproveRule(domain);
        if (hit) {
          status = 'active';
          rule = hit;
        }
      }
      await store.updateUser(user.id, {
        status,
        activated_at: now,
        ...(rule ? { decided_at: now, decided_by: `rule:${rule}` } : {}),
      });
      const target = { type: 'user', id: user.id };
      await kit.audit({ ...ctx, actor: { type: 'user', id: user.id } }, 'user.activated', target, { tx });
      if (rule) {
        await kit.audit(systemContext(), 'user.auto_approved', target, {
          details: { emailDomain: rule },
          tx,
        });
      } else if (kit.notifications) {
        const ops = await store.operatorIds();
        const held = user.screening_match ? ` (matches the screening entry "${user.screening_match}")` : '';
        await kit.notifications.notify(
          ops,
          {
            kind: 'account_pending',
            title: user.screening_match ? 'Account held by screening' : 'Account waiting for approval',
            body: `${user.name} <${user.email}>${held}`,
            link: '/operator/accounts',
          },
          tx,
        );
      }
      return { status };
    });
  }
}

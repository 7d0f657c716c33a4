import { timingSafeEqual } from 'node:crypto';
import type { Kysely, Updateable } from 'kysely';
import type { z } from 'zod';
import { type Clock, HOUR, MINUTE } from '../../platform/clock.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import type { SharedTransaction } from '../../platform/db/shared-transaction.ts';
import { AppError, type ErrorCode } from '../../platform/errors.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Principal } from '../../platform/http/route.ts';
import { newId, randomToken } from '../../platform/ids.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { Actor, AuditLog } from '../audit/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import type { adminUserView, sessionView, userStatus, userView } from './contracts.ts';
import { IdentityStore, type UserRow } from './identity-store.ts';
import { type Argon2Cost, checkPasswordPolicy, PasswordHasher } from './passwords.ts';
import type { UserDirectory } from './ports.ts';
import type { IdentityTables } from './tables.ts';
import { newTotpSecret, totpUri, verifyTotp } from './totp.ts';

/**
 * Accounts, sessions and second factors. Promises kept here:
 * - nothing secret is stored in clear (argon2id passwords, sealed TOTP seeds, HMAC'd tokens/codes);
 * - answers to anonymous callers never reveal whether an e-mail has an account;
 * - every security-relevant step is audited in the same transaction as the change.
 */
export const SESSION_COOKIE = '__Host-dz_session';
/** Session tokens carry a prefix so the authenticator can tell them from OAuth bearer tokens. */
export const SESSION_TOKEN_PREFIX = 'dzs_';

export type RequestMeta = { ip?: string | null; userAgent?: string | null };

/** What sign-up asks the terms module (given as a late port: terms is built after identity). */
export type TermsVersions = {
  /** The id of the general terms version in force, or null when none is. */
  generalVersionInForce(): Promise<string | null>;
};

type UserStatus = z.infer<typeof userStatus>;

export type UserView = z.infer<typeof userView>;
export type AdminUserView = z.infer<typeof adminUserView>;
export type SessionView = z.infer<typeof sessionView>;

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

export type IdentityOptions = {
  db: Kysely<IdentityTables>;
  clock: Clock;
  keyring: Keyring;
  audit: AuditLog;
  mailer: MailOutbox;
  sharedState: SharedState;
  publicUrl: string;
  /** In-app notices (operators: accounts waiting for a decision; users: the decision). */
  notifications?: Notices;
  /**
   * Which general terms version is in force (asked by sign-up, which records it with the
   * acceptance). Without one (unit tests) sign-up records the version the client names.
   */
  termsVersions?: TermsVersions;
  /** Where `identity.signed_up` goes after a sign-up commits (without one, nowhere). */
  events?: EventEmitter;
  /** Test-only override; production always uses the real cost. */
  argon2Cost?: Argon2Cost;
  sessionIdleMs?: number;
  sessionAbsoluteMs?: number;
};

const ACTIVATION_TTL_MS = 48 * HOUR;
const RESET_TTL_MS = HOUR;
const RESEND_COOLDOWN_MS = 60_000;
const LOCKOUT_THRESHOLD = 10;
const LOCKOUT_MS = 30 * MINUTE;
/** Failed sign-ins per IP: at most 30 per 10-minute window. */
const IP_FAIL_LIMIT = 30;
const IP_FAIL_PERIOD_MS = 10 * MINUTE;
const RECOVERY_CODE_COUNT = 10;
const anonymous: Actor = { type: 'anonymous', id: null };

function normEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** Lower-case letters and digits only, diacritics removed, words sorted: "Khan, Ali" = "ali khan". */
export function normalizeScreeningName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .sort()
    .join(' ');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Minimal RFC 4180 reader: quoted fields, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(field);
      field = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += ch;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

export class IdentityService implements UserDirectory {
  readonly #store: IdentityStore;
  readonly #clock: Clock;
  readonly #keyring: Keyring;
  readonly #audit: AuditLog;
  readonly #mailer: MailOutbox;
  readonly #state: SharedState;
  readonly #publicUrl: string;
  readonly #hasher: PasswordHasher;
  readonly #notifications: Notices | undefined;
  readonly #idleMs: number;
  readonly #absoluteMs: number;
  #dummyHash: Promise<string> | undefined;
  readonly #termsVersions: TermsVersions | undefined;
  readonly #events: EventEmitter | undefined;

  constructor(opts: IdentityOptions) {
    this.#store = new IdentityStore(opts.db);
    this.#clock = opts.clock;
    this.#keyring = opts.keyring;
    this.#audit = opts.audit;
    this.#mailer = opts.mailer;
    this.#state = opts.sharedState;
    this.#publicUrl = opts.publicUrl;
    this.#hasher = new PasswordHasher(opts.argon2Cost);
    this.#notifications = opts.notifications;
    this.#termsVersions = opts.termsVersions;
    this.#events = opts.events;
    this.#idleMs = opts.sessionIdleMs ?? 2 * HOUR;
    this.#absoluteMs = opts.sessionAbsoluteMs ?? 12 * HOUR;
  }

  #nowIso(): string {
    return this.#clock.now().toISOString();
  }

  #tokenHash(token: string, purpose: string): string {
    return this.#keyring.hmac(token, purpose);
  }

  async #throttle(key: string, limit: number, periodMs: number, burst: number, cost = 1): Promise<void> {
    const r = await this.#state.consume(
      [{ kind: 'gcra', key, limit, periodMs, burst }],
      this.#clock.nowMs(),
      cost,
    );
    if (!r.allowed) {
      throw new AppError('rate_limited', {
        headers: {
          'retry-after': String(Math.max(1, Math.ceil(r.retryAfterMs / 1000))),
        },
      });
    }
  }

  /**
   * Shared-state TTLs run on the wall clock; deadlines that tests must move with the injected clock
   * are stored as values (expiry in clock ms) and compared here.
   */
  async #activeUntil(key: string): Promise<boolean> {
    const v = await this.#state.getValue(key);
    return v !== null && Number(v) > this.#clock.nowMs();
  }

  /** Milliseconds left on the sign-in lock of an e-mail (keyed by its HMAC); 0 when unlocked. */
  async #lockLeftMs(email: string): Promise<number> {
    const v = await this.#state.getValue(`idn:lock:${this.#keyring.hmac(email, 'login-email')}`);
    return v === null ? 0 : Math.max(0, Number(v) - this.#clock.nowMs());
  }

  /** The 423 for a locked e-mail; Retry-After says when the lock lifts (whole seconds, at least 1). */
  #locked(leftMs: number): AppError {
    return new AppError('account_locked', {
      headers: {
        'retry-after': String(Math.max(1, Math.ceil(leftMs / 1000))),
      },
    });
  }

  async #hold(key: string, ms: number): Promise<void> {
    await this.#state.setValue(key, String(this.#clock.nowMs() + ms), ms);
  }

  /** True (and starts the cool-down) when no cool-down is running for `key`. */
  async #cooldownFree(key: string, ms: number): Promise<boolean> {
    if (await this.#activeUntil(key)) return false;
    await this.#hold(key, ms);
    return true;
  }

  /** Failed sign-ins per IP in fixed windows of the injected clock. */
  async #ipFailures(ip: string, charge: boolean): Promise<void> {
    const nowMs = this.#clock.nowMs();
    const window = Math.floor(nowMs / IP_FAIL_PERIOD_MS);
    const key = `idn:login:ip:${ip}:${window}`;
    if (charge) {
      await this.#state.incr(key, 1, IP_FAIL_PERIOD_MS);
      return;
    }
    if ((await this.#state.getCount(key)) >= IP_FAIL_LIMIT) {
      const retry = (window + 1) * IP_FAIL_PERIOD_MS - nowMs;
      throw new AppError('rate_limited', {
        headers: {
          'retry-after': String(Math.max(1, Math.ceil(retry / 1000))),
        },
      });
    }
  }

  // ------------------------------------------------------------------------------------ sign-up

  async signUp(input: SignUpInput, meta: RequestMeta): Promise<{ status: 'activation_sent' }> {
    await this.#throttle(`idn:signup:ip:${meta.ip ?? '-'}`, 20, HOUR, 20);
    const email = normEmail(input.email);
    const refuse = async (code: ErrorCode, reason: string, details: Record<string, unknown>) => {
      await this.#audit.record({
        actor: anonymous,
        action: 'user.signup_refused',
        ip: meta.ip,
        userAgent: meta.userAgent,
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
    const barred = await this.#store.barredAmong(countries);
    if (barred.length > 0) {
      const code = barred[0];
      const field = countries[0] === code ? 'countryOfResidence' : 'countryOfUse';
      await refuse('ineligible_country', `barred_country:${code}`, { field, country: code });
    }

    const existing = await this.#store.userByEmail(email);
    if (existing) {
      // Same answer as a new sign-up; the owner of the address learns about the attempt.
      if (existing.status === 'unverified') await this.#sendActivation(existing, true);
      else {
        await this.#mailer.send({
          to: email,
          kind: 'signup_existing',
          subject: 'Someone tried to sign up with your e-mail address',
          text: `Someone tried to open a Darwaza account with ${email}, which already has one.\n\nIf it was you, sign in here:\n${this.#publicUrl}/sign-in\n\nor, if you forgot your password, ask for a reset link here:\n${this.#publicUrl}/forgot-password\n\nIf it was not you, you can ignore this message.`,
        });
      }
      return { status: 'activation_sent' };
    }

    const screening = await this.#screen(input.name);
    const passwordHash = await this.#hasher.hash(input.password);
    // The server records the version in force, never one the client names; a client that saw an
    // older version (the terms changed while the page was open) is asked to reload and read again.
    const current = (await this.#termsVersions?.generalVersionInForce()) ?? null;
    if (input.termsVersion && current && input.termsVersion !== current) {
      throw new AppError('terms_changed');
    }
    const termsVersion = current ?? input.termsVersion ?? null;
    const now = this.#nowIso();
    const id = newId('usr', this.#clock.nowMs());
    try {
      await this.#store.transaction(async (store, tx) => {
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
        await this.#audit.record(
          {
            actor: { type: 'user', id },
            action: 'user.signup',
            target: { type: 'user', id },
            ip: meta.ip,
            userAgent: meta.userAgent,
            details: { termsVersion, screeningHold: screening !== null },
          },
          tx,
        );
        await this.#sendActivation({ id, email, name: input.name }, false, { store, tx });
      });
    } catch (err) {
      if (isUniqueViolation(err)) return { status: 'activation_sent' };
      throw err;
    }
    // After the commit: the terms module records the acceptance as proof. A subscriber's failure
    // reaches the caller (the account exists; the request answers with the error).
    await this.#events?.emit('identity.signed_up', { userId: id, meta });
    return { status: 'activation_sent' };
  }

  /** Date of birth (YYYY-MM-DD) is at least 18 years before today (UTC). */
  isAdult(dateOfBirth: string): boolean {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(dateOfBirth);
    if (!m) return false;
    const eighteenth = Date.UTC(Number(m[1]) + 18, Number(m[2]) - 1, Number(m[3]));
    return eighteenth <= this.#clock.nowMs();
  }

  async #screen(name: string): Promise<string | null> {
    const n = normalizeScreeningName(name);
    if (!n) return null;
    return this.#store.screeningMatch(n);
  }

  async #sendActivation(
    user: { id: string; email: string; name: string },
    respectCooldown: boolean,
    inTransaction?: { store: IdentityStore; tx: SharedTransaction },
  ): Promise<void> {
    if (respectCooldown) {
      if (!(await this.#cooldownFree(`idn:resend:${user.id}`, RESEND_COOLDOWN_MS))) return;
    } else {
      await this.#hold(`idn:resend:${user.id}`, RESEND_COOLDOWN_MS);
    }
    const token = randomToken();
    const nowMs = this.#clock.nowMs();
    const store = inTransaction?.store ?? this.#store;
    await store.insertToken({
      token_hash: this.#tokenHash(token, 'activation'),
      user_id: user.id,
      purpose: 'activation',
      created_at: new Date(nowMs).toISOString(),
      expires_at: new Date(nowMs + ACTIVATION_TTL_MS).toISOString(),
    });
    await this.#mailer.send(
      {
        to: user.email,
        kind: 'activation',
        subject: 'Activate your Darwaza account',
        text: `Hello ${user.name},\n\nOpen this link to activate your account (valid for 48 hours, once):\n${this.#publicUrl}/activate?token=${token}\n\nIf you did not sign up, ignore this message.`,
      },
      inTransaction?.tx,
    );
  }

  /** Sends a fresh activation link, at most once a minute per account; same answer for any e-mail. */
  async resendActivation(emailIn: string, meta: RequestMeta): Promise<void> {
    await this.#throttle(`idn:resend:ip:${meta.ip ?? '-'}`, 20, HOUR, 20);
    const user = await this.#store.userRefByEmail(normEmail(emailIn));
    if (user?.status === 'unverified') await this.#sendActivation(user, true);
  }

  async activateAccount(
    token: string,
    meta: RequestMeta,
  ): Promise<{ status: Exclude<UserStatus, 'unverified'> }> {
    const hash = this.#tokenHash(token, 'activation');
    const now = this.#nowIso();
    return this.#store.transaction(async (store, tx) => {
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
      await this.#audit.record(
        {
          actor: { type: 'user', id: user.id },
          action: 'user.activated',
          target,
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
        tx,
      );
      if (rule) {
        await this.#audit.record(
          {
            actor: { type: 'system', id: null },
            action: 'user.auto_approved',
            target,
            details: { emailDomain: rule },
          },
          tx,
        );
      } else if (this.#notifications) {
        const ops = await store.operatorIds();
        const held = user.screening_match ? ` (matches the screening entry "${user.screening_match}")` : '';
        await this.#notifications.notify(
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

  // ---------------------------------------------------------------------------- operator decisions

  async approveAccount(operator: Principal, userId: string, meta: RequestMeta): Promise<AdminUserView> {
    return this.#decide(operator, userId, 'active', null, meta);
  }

  async rejectAccount(
    operator: Principal,
    userId: string,
    reason: string,
    meta: RequestMeta,
  ): Promise<AdminUserView> {
    return this.#decide(operator, userId, 'rejected', reason, meta);
  }

  async #decide(
    operator: Principal | null,
    userId: string,
    status: 'active' | 'rejected',
    reason: string | null,
    meta: RequestMeta,
  ): Promise<AdminUserView> {
    const now = this.#nowIso();
    await this.#store.transaction(async (store, tx) => {
      const user = await store.userById(userId);
      if (!user) throw new AppError('not_found');
      // Approving a rejected account (on appeal) is allowed; deciding an active one is not.
      const allowed = status === 'active' ? ['pending', 'rejected'] : ['pending'];
      if (!allowed.includes(user.status)) throw new AppError('account_not_pending');
      await store.updateUser(userId, {
        status,
        rejection_reason: reason,
        decided_by: operator?.userId ?? 'cli',
        decided_at: now,
      });
      await this.#audit.record(
        {
          actor: operator ? { type: 'operator', id: operator.userId } : { type: 'system', id: null },
          action: status === 'active' ? 'user.approved' : 'user.rejected',
          target: { type: 'user', id: userId },
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: reason ? { reason } : {},
        },
        tx,
      );
      await this.#notifications?.notify(
        [userId],
        {
          kind: status === 'active' ? 'account_approved' : 'account_rejected',
          title: status === 'active' ? 'Your account is approved' : 'Your account was not approved',
          body: status === 'active' ? 'You can now use the portal.' : `Reason: ${reason}`,
        },
        tx,
      );
      await this.#mailer.send(
        {
          to: user.email,
          kind: status === 'active' ? 'account_approved' : 'account_rejected',
          subject:
            status === 'active' ? 'Your Darwaza account is approved' : 'Your Darwaza account application',
          text:
            status === 'active'
              ? `Hello ${user.name},\n\nYour account is approved. Sign in here:\n${this.#publicUrl}/sign-in\n`
              : `Hello ${user.name},\n\nYour account application was not approved.\nReason: ${reason}`,
        },
        tx,
      );
    });
    return (await this.getAdminUser(userId))!;
  }

  /** For the CLI: approve without an operator session (audited as the system). */
  async approveAccountAsSystem(userIdOrEmail: string): Promise<AdminUserView> {
    const user = await this.#findByIdOrEmail(userIdOrEmail);
    if (!user) throw new AppError('not_found');
    if (user.status === 'unverified') {
      await this.#store.updateUser(user.id, { status: 'pending', activated_at: this.#nowIso() });
    }
    return this.#decide(null, user.id, 'active', null, {});
  }

  async #findByIdOrEmail(v: string) {
    return this.#store.userBy(v.startsWith('usr_') ? 'id' : 'email', v.startsWith('usr_') ? v : normEmail(v));
  }

  async listAccounts(q: { status?: string; limit?: number; before?: string }): Promise<AdminUserView[]> {
    const rows = await this.#store.listUsers({
      status: q.status,
      before: q.before,
      limit: Math.min(q.limit ?? 100, 500),
    });
    const months = await this.reconfirmMonths();
    return rows.map((r) => this.#adminView(r, months));
  }

  async getAdminUser(userId: string): Promise<AdminUserView | null> {
    const r = await this.#store.userById(userId);
    return r ? this.#adminView(r, await this.reconfirmMonths()) : null;
  }

  #view(r: UserRow, months: number): UserView {
    return {
      id: r.id,
      email: r.email,
      name: r.name,
      // users.status only ever holds a stored status (contracts.ts: userStatus).
      status:
        r.status === 'active' && Number(r.update_required) === 1
          ? 'update_required'
          : (r.status as UserStatus),
      isOperator: Number(r.is_operator) === 1,
      mfaEnabled: r.totp_secret_enc !== null,
      dateOfBirth: r.date_of_birth,
      countryOfResidence: r.country_of_residence,
      countryOfUse: r.country_of_use,
      phone: r.phone,
      jobTitle: r.job_title,
      createdAt: r.created_at,
      rejectionReason: r.rejection_reason,
      profileConfirmedAt: r.profile_confirmed_at,
      profileConfirmationDue: this.#confirmationDue(
        r.profile_confirmed_at,
        Number(r.update_required),
        months,
      ),
    };
  }

  #adminView(r: UserRow, months: number): AdminUserView {
    return {
      ...this.#view(r, months),
      screeningMatch: r.screening_match,
      activatedAt: r.activated_at,
      decidedBy: r.decided_by,
      decidedAt: r.decided_at,
      termsVersion: r.terms_version,
    };
  }

  #confirmationDue(confirmedAt: string | null, updateRequired: number, months: number): boolean {
    if (updateRequired === 1) return true;
    if (!confirmedAt) return true;
    const d = new Date(confirmedAt);
    d.setUTCMonth(d.getUTCMonth() + months);
    return d.getTime() <= this.#clock.nowMs();
  }

  // ------------------------------------------------------------------------------------ sessions

  /**
   * Signs in with e-mail + password (+ TOTP or recovery code when enrolled). Unknown e-mails cost
   * the same argon2 work and get the same answer as wrong passwords; lockout counts per e-mail
   * whether or not it exists, so the lock itself reveals nothing either.
   */
  async createSession(
    input: { email: string; password: string; code?: string },
    meta: RequestMeta,
  ): Promise<{ token: string; csrfToken: string; session: SessionView; user: UserView }> {
    const email = normEmail(input.email);
    const emailKey = this.#keyring.hmac(email, 'login-email');
    const ip = meta.ip ?? '-';
    const nowMs = this.#clock.nowMs();
    // Per-IP throttle on failures: checked first, charged only when an attempt fails.
    await this.#ipFailures(ip, false);
    const user = await this.#store.userByEmail(email);
    const lockLeftMs = await this.#lockLeftMs(email);
    if (lockLeftMs > 0) {
      await this.#audit.record({
        actor: anonymous,
        action: 'user.signin_failed',
        target: user ? { type: 'user', id: user.id } : null,
        ip: meta.ip,
        userAgent: meta.userAgent,
        details: { reason: 'locked', ...(user ? {} : { email }) },
      });
      throw this.#locked(lockLeftMs);
    }
    const fail = async (reason: string, code: ErrorCode): Promise<never> => {
      await this.#ipFailures(ip, true);
      await this.#countFailure(email, user?.id ?? null, reason, meta);
      throw new AppError(code);
    };
    // Unknown e-mails still pay for one argon2 verification, so timing does not tell them apart.
    const ok = await this.#hasher.verify(user ? user.password_hash : await this.#dummy(), input.password);
    if (!user || !ok) return fail(user ? 'wrong_password' : 'unknown_email', 'invalid_credentials');
    if (user.status === 'unverified') throw new AppError('account_not_activated');

    let mfa = false;
    if (user.totp_secret_enc) {
      if (!input.code) throw new AppError('mfa_required');
      const okCode = await this.#checkSecondFactor(user, user.totp_secret_enc, input.code, meta);
      if (!okCode) return fail('wrong_mfa_code', 'invalid_mfa_code');
      mfa = true;
    }
    await this.#state.deleteKey(`idn:fail:${emailKey}`);

    const token = SESSION_TOKEN_PREFIX + randomToken();
    const id = newId('ses', nowMs);
    const now = new Date(nowMs).toISOString();
    const expiresAt = new Date(nowMs + this.#absoluteMs).toISOString();
    await this.#store.transaction(async (store, tx) => {
      await store.insertSession({
        id,
        user_id: user.id,
        token_hash: this.#tokenHash(token, 'session'),
        mfa: mfa ? 1 : 0,
        created_at: now,
        last_seen_at: now,
        expires_at: expiresAt,
        ip: meta.ip ?? null,
        user_agent: meta.userAgent ?? null,
      });
      await this.#audit.record(
        {
          actor: { type: 'user', id: user.id },
          action: 'user.signin',
          target: { type: 'session', id },
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { mfa },
        },
        tx,
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
        ip: meta.ip ?? null,
        userAgent: meta.userAgent ?? null,
        mfa,
        current: true,
      },
      user: this.#view(user, await this.reconfirmMonths()),
    };
  }

  /** One failed attempt against an e-mail (existing or not); the 10th locks it for 30 minutes. */
  async #countFailure(
    email: string,
    userId: string | null,
    reason: string,
    meta: RequestMeta,
  ): Promise<void> {
    const emailKey = this.#keyring.hmac(email, 'login-email');
    const n = await this.#state.incr(`idn:fail:${emailKey}`, 1, LOCKOUT_MS);
    const target = userId ? { type: 'user', id: userId } : null;
    const who = userId ? {} : { email };
    await this.#audit.record({
      actor: anonymous,
      action: 'user.signin_failed',
      target,
      ip: meta.ip,
      userAgent: meta.userAgent,
      details: { reason, attempt: n, ...who },
    });
    if (n >= LOCKOUT_THRESHOLD) {
      await this.#hold(`idn:lock:${emailKey}`, LOCKOUT_MS);
      await this.#state.deleteKey(`idn:fail:${emailKey}`);
      await this.#audit.record({
        actor: { type: 'system', id: null },
        action: 'user.locked',
        target,
        ip: meta.ip,
        details: { until: new Date(this.#clock.nowMs() + LOCKOUT_MS).toISOString(), ...who },
      });
    }
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= this.#hasher.hash(randomToken());
    return this.#dummyHash;
  }

  /**
   * TOTP (6 digits, each step once) or an unused recovery code (consumed). `sealedSecret` is the
   * user's enrolled seed (`totp_secret_enc`; callers check the user is enrolled).
   */
  async #checkSecondFactor(
    user: UserRow,
    sealedSecret: string,
    codeIn: string,
    meta: RequestMeta,
  ): Promise<boolean> {
    const code = codeIn.replace(/[\s-]/g, '');
    if (/^\d{6}$/.test(code)) {
      const secret = this.#keyring.decrypt(sealedSecret, 'totp');
      const last = user.totp_last_step === null ? null : Number(user.totp_last_step);
      const step = await verifyTotp(secret, code, this.#clock.nowMs(), last);
      if (step === null) return false;
      // Compare-and-set: two concurrent requests with the same code cannot both pass.
      return (await this.#store.claimTotpStep(user.id, step)) === 1;
    }
    const hash = this.#keyring.hmac(code.toLowerCase(), 'recovery-code');
    if ((await this.#store.consumeRecoveryCode(hash, user.id, this.#nowIso())) !== 1) return false;
    await this.#audit.record({
      actor: { type: 'user', id: user.id },
      action: 'mfa.recovery_code_used',
      target: { type: 'user', id: user.id },
      ip: meta.ip,
      userAgent: meta.userAgent,
    });
    return true;
  }

  csrfTokenFor(sessionToken: string): string {
    return this.#keyring.hmac(sessionToken, 'csrf');
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
    const row = await this.#store.sessionByTokenHash(this.#tokenHash(token, 'session'));
    if (!row || row.revoked_at) return null;
    const nowMs = this.#clock.nowMs();
    if (Date.parse(row.expires_at) <= nowMs) return null;
    if (Date.parse(row.last_seen_at) + this.#idleMs <= nowMs) return null;
    if (nowMs - Date.parse(row.last_seen_at) > MINUTE) {
      await this.#store.touchSession(row.session_id, new Date(nowMs).toISOString());
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
    return { user: (await this.getMe(principal.userId))!, session, csrfToken: this.csrfTokenFor(token) };
  }

  async listSessions(principal: Principal): Promise<SessionView[]> {
    const nowIso = this.#nowIso();
    const rows = await this.#store.liveSessionsOf(principal.userId, nowIso);
    const idleCut = this.#clock.nowMs() - this.#idleMs;
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
  async revokeSession(principal: Principal, sessionId: string, meta: RequestMeta): Promise<void> {
    await this.#store.transaction(async (store, tx) => {
      const revoked = await store.revokeSession(sessionId, principal.userId, this.#nowIso());
      if (revoked !== 1) throw new AppError('not_found');
      await this.#audit.record(
        {
          actor: { type: 'user', id: principal.userId },
          action: 'session.revoked',
          target: { type: 'session', id: sessionId },
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { current: sessionId === principal.sessionId },
        },
        tx,
      );
    });
  }

  /** Ends every session of these users (organisation termination); audited per user. */
  async endSessionsOf(userIds: string[], reason: string): Promise<void> {
    for (const userId of new Set(userIds)) {
      await this.#store.transaction(async (store, tx) => {
        const n = await store.revokeSessionsOf(userId, this.#nowIso());
        if (n > 0) {
          await this.#audit.record(
            {
              actor: { type: 'system', id: null },
              action: 'session.revoked',
              target: { type: 'user', id: userId },
              details: { sessionsEnded: n, reason },
            },
            tx,
          );
        }
      });
    }
  }

  // ------------------------------------------------------------------------------------ TOTP

  /** Starts enrolment: a new seed (sealed in the database), shown to the user once. */
  async enrollTotp(principal: Principal, meta: RequestMeta): Promise<{ secret: string; otpauthUrl: string }> {
    const user = await this.#store.userByIdOrThrow(principal.userId);
    if (user.totp_secret_enc) throw new AppError('mfa_already_enrolled');
    const secret = newTotpSecret();
    await this.#store.updateUser(user.id, { totp_pending_enc: this.#keyring.encrypt(secret, 'totp') });
    await this.#audit.record({
      actor: { type: 'user', id: user.id },
      action: 'mfa.totp_enrollment_started',
      target: { type: 'user', id: user.id },
      ip: meta.ip,
      userAgent: meta.userAgent,
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
    meta: RequestMeta,
  ): Promise<{ recoveryCodes: string[] }> {
    const user = await this.#store.userByIdOrThrow(principal.userId);
    if (user.totp_secret_enc) throw new AppError('mfa_already_enrolled');
    if (!user.totp_pending_enc) throw new AppError('mfa_not_enrolled');
    const secret = this.#keyring.decrypt(user.totp_pending_enc, 'totp');
    const step = await verifyTotp(secret, code, this.#clock.nowMs(), null);
    if (step === null) throw new AppError('invalid_mfa_code');
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    const now = this.#nowIso();
    await this.#store.transaction(async (store, tx) => {
      await store.updateUser(user.id, {
        totp_secret_enc: user.totp_pending_enc,
        totp_pending_enc: null,
        totp_last_step: step,
      });
      await store.deleteRecoveryCodes(user.id);
      await store.insertRecoveryCodes(
        codes.map((c) => ({
          code_hash: this.#keyring.hmac(c.replace(/-/g, ''), 'recovery-code'),
          user_id: user.id,
          created_at: now,
        })),
      );
      await store.markSessionMfa(principal.sessionId);
      await this.#audit.record(
        {
          actor: { type: 'user', id: user.id },
          action: 'mfa.totp_enrolled',
          target: { type: 'user', id: user.id },
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
        tx,
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
    meta: RequestMeta,
  ): Promise<void> {
    const user = await this.#store.userByIdOrThrow(principal.userId);
    if (Number(user.is_operator) === 1)
      throw new AppError('forbidden', { message: 'Operators must keep their authenticator app.' });
    if (!user.totp_secret_enc) throw new AppError('mfa_not_enrolled');
    const lockLeftMs = await this.#lockLeftMs(user.email);
    if (lockLeftMs > 0) throw this.#locked(lockLeftMs);
    if (!(await this.#hasher.verify(user.password_hash, input.password))) {
      await this.#countFailure(user.email, user.id, 'disable_mfa_wrong_password', meta);
      throw new AppError('invalid_credentials');
    }
    if (!(await this.#checkSecondFactor(user, user.totp_secret_enc, input.code, meta))) {
      await this.#countFailure(user.email, user.id, 'disable_mfa_wrong_code', meta);
      throw new AppError('invalid_mfa_code');
    }
    await this.#store.transaction(async (store, tx) => {
      await store.updateUser(user.id, {
        totp_secret_enc: null,
        totp_pending_enc: null,
        totp_last_step: null,
      });
      await store.deleteRecoveryCodes(user.id);
      await this.#audit.record(
        {
          actor: { type: 'user', id: user.id },
          action: 'mfa.totp_disabled',
          target: { type: 'user', id: user.id },
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
        tx,
      );
      await this.#mailer.send(
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
    meta: RequestMeta,
  ): Promise<{ recoveryCodes: string[] }> {
    const user = await this.#store.userByIdOrThrow(principal.userId);
    if (!user.totp_secret_enc) throw new AppError('mfa_not_enrolled');
    if (!/^\d{6}$/.test(code) || !(await this.#checkSecondFactor(user, user.totp_secret_enc, code, meta))) {
      throw new AppError('invalid_mfa_code');
    }
    const codes = Array.from({ length: RECOVERY_CODE_COUNT }, () => newRecoveryCode());
    const now = this.#nowIso();
    await this.#store.transaction(async (store, tx) => {
      await store.deleteRecoveryCodes(user.id);
      await store.insertRecoveryCodes(
        codes.map((c) => ({
          code_hash: this.#keyring.hmac(c.replace(/-/g, ''), 'recovery-code'),
          user_id: user.id,
          created_at: now,
        })),
      );
      await this.#audit.record(
        {
          actor: { type: 'user', id: user.id },
          action: 'mfa.recovery_codes_regenerated',
          target: { type: 'user', id: user.id },
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
        tx,
      );
    });
    return { recoveryCodes: codes };
  }

  /**
   * Changes the password of the signed-in user, who proves it with the current one (wrong guesses
   * count toward the lockout). Every other session ends.
   */
  async changePassword(
    principal: Principal,
    input: { currentPassword: string; newPassword: string },
    meta: RequestMeta,
  ): Promise<{ sessionsEnded: number }> {
    const user = await this.#store.userByIdOrThrow(principal.userId);
    const lockLeftMs = await this.#lockLeftMs(user.email);
    if (lockLeftMs > 0) throw this.#locked(lockLeftMs);
    if (!(await this.#hasher.verify(user.password_hash, input.currentPassword))) {
      await this.#countFailure(user.email, user.id, 'change_wrong_password', meta);
      throw new AppError('invalid_credentials', { message: 'The current password is wrong.' });
    }
    checkPasswordPolicy(input.newPassword, { email: user.email, name: user.name });
    const hash = await this.#hasher.hash(input.newPassword);
    const now = this.#nowIso();
    const ended = await this.#store.transaction(async (store, tx) => {
      await store.updateUser(user.id, { password_hash: hash, password_changed_at: now });
      const n = await store.revokeSessionsOf(user.id, this.#nowIso(), principal.sessionId);
      await this.#audit.record(
        {
          actor: { type: 'user', id: user.id },
          action: 'user.password_changed',
          target: { type: 'user', id: user.id },
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { sessionsEnded: n },
        },
        tx,
      );
      await this.#mailer.send(
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

  // ------------------------------------------------------------------------------------ password reset

  /** Always answers the same; mails a single-use link (1 hour) when the account exists. */
  async requestPasswordReset(emailIn: string, meta: RequestMeta): Promise<void> {
    await this.#throttle(`idn:reset:ip:${meta.ip ?? '-'}`, 20, HOUR, 20);
    const email = normEmail(emailIn);
    const user = await this.#store.userByEmail(email);
    if (!user || user.status === 'unverified') return;
    if (!(await this.#cooldownFree(`idn:reset-cooldown:${user.id}`, RESEND_COOLDOWN_MS))) return;
    const token = randomToken();
    const nowMs = this.#clock.nowMs();
    await this.#store.transaction(async (store, tx) => {
      await store.insertToken({
        token_hash: this.#tokenHash(token, 'password-reset'),
        user_id: user.id,
        purpose: 'password_reset',
        created_at: new Date(nowMs).toISOString(),
        expires_at: new Date(nowMs + RESET_TTL_MS).toISOString(),
      });
      await this.#audit.record(
        {
          actor: anonymous,
          action: 'user.password_reset_requested',
          target: { type: 'user', id: user.id },
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
        tx,
      );
      await this.#mailer.send(
        {
          to: email,
          kind: 'password_reset',
          subject: 'Reset your Darwaza password',
          text: `Hello ${user.name},\n\nOpen this link within an hour to choose a new password:\n${this.#publicUrl}/reset-password?token=${token}\n\nIf you did not ask for this, ignore this message; your password stays as it is.`,
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
    meta: RequestMeta,
  ): Promise<void> {
    const hash = this.#tokenHash(input.token, 'password-reset');
    const now = this.#nowIso();
    const row = await this.#store.tokenByHash(hash, 'password_reset');
    if (!row || row.used_at || row.expires_at <= now) throw new AppError('invalid_token');
    const user = await this.#store.userByIdOrThrow(row.user_id);
    checkPasswordPolicy(input.password, { email: user.email, name: user.name });
    if (user.totp_secret_enc) {
      if (!input.code) throw new AppError('mfa_required');
      // Wrong codes here count toward the same lockout as sign-in.
      const lockLeftMs = await this.#lockLeftMs(user.email);
      if (lockLeftMs > 0) throw this.#locked(lockLeftMs);
      if (!(await this.#checkSecondFactor(user, user.totp_secret_enc, input.code, meta))) {
        await this.#countFailure(user.email, user.id, 'reset_wrong_mfa_code', meta);
        throw new AppError('invalid_mfa_code');
      }
    }
    const passwordHash = await this.#hasher.hash(input.password);
    await this.#store.transaction(async (store, tx) => {
      if ((await store.consumeToken(hash, now)) !== 1) throw new AppError('invalid_token');
      await store.updateUser(user.id, { password_hash: passwordHash, password_changed_at: now });
      const ended = await store.revokeSessionsOf(user.id, this.#nowIso());
      await this.#audit.record(
        {
          actor: { type: 'user', id: user.id },
          action: 'user.password_reset',
          target: { type: 'user', id: user.id },
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { sessionsEnded: ended },
        },
        tx,
      );
      await this.#mailer.send(
        {
          to: user.email,
          kind: 'password_reset_completed',
          subject: 'Your Darwaza password was changed',
          text: `Hello ${user.name},\n\nYour password was just reset and every session was signed out. If this was not you, contact the operator at once.`,
        },
        tx,
      );
    });
    await this.#state.deleteKey(`idn:lock:${this.#keyring.hmac(user.email, 'login-email')}`);
  }

  // ------------------------------------------------------------------------------------ profile

  async getMe(userId: string): Promise<UserView | null> {
    const r = await this.#store.userById(userId);
    return r ? this.#view(r, await this.reconfirmMonths()) : null;
  }

  async updateProfile(
    principal: Principal,
    patch: {
      name?: string;
      phone?: string | null;
      jobTitle?: string | null;
      countryOfResidence?: string;
      countryOfUse?: string;
    },
    meta: RequestMeta,
  ): Promise<UserView> {
    const set: Updateable<IdentityTables['users']> = {};
    if (patch.name !== undefined) set.name = patch.name.trim();
    if (patch.phone !== undefined) set.phone = patch.phone;
    if (patch.jobTitle !== undefined) set.job_title = patch.jobTitle;
    const countries = [patch.countryOfResidence, patch.countryOfUse]
      .filter((c): c is string => !!c)
      .map((c) => c.toUpperCase());
    if (countries.length) {
      const barred = await this.#store.barredAmong(countries);
      if (barred.length) throw new AppError('ineligible_country');
      if (patch.countryOfResidence) set.country_of_residence = patch.countryOfResidence.toUpperCase();
      if (patch.countryOfUse) set.country_of_use = patch.countryOfUse.toUpperCase();
    }
    // A new name is screened like a sign-up: a match puts the account back on hold for review.
    const hit = patch.name !== undefined && !principal.isOperator ? await this.#screen(patch.name) : null;
    if (hit) {
      set.screening_match = hit;
      set.status = 'pending';
    }
    // Saving the details is also confirming them.
    set.profile_confirmed_at = this.#nowIso();
    set.update_required = 0;
    await this.#store.transaction(async (store, tx) => {
      await store.updateUser(principal.userId, set);
      if (hit) {
        await this.#audit.record(
          {
            actor: { type: 'system', id: null },
            action: 'user.screening_hold',
            target: { type: 'user', id: principal.userId },
            ip: meta.ip,
            details: { match: hit },
          },
          tx,
        );
      }
      await this.#audit.record(
        {
          actor: { type: 'user', id: principal.userId },
          action: 'user.profile_updated',
          target: { type: 'user', id: principal.userId },
          ip: meta.ip,
          userAgent: meta.userAgent,
          details: { fields: Object.keys(patch) },
        },
        tx,
      );
    });
    return (await this.getMe(principal.userId))!;
  }

  async confirmProfile(principal: Principal, meta: RequestMeta): Promise<UserView> {
    await this.#store.transaction(async (store, tx) => {
      await store.updateUser(principal.userId, { profile_confirmed_at: this.#nowIso(), update_required: 0 });
      await this.#audit.record(
        {
          actor: { type: 'user', id: principal.userId },
          action: 'user.profile_confirmed',
          target: { type: 'user', id: principal.userId },
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
        tx,
      );
    });
    return (await this.getMe(principal.userId))!;
  }

  async requireProfileUpdate(operator: Principal, userId: string, meta: RequestMeta): Promise<void> {
    await this.#store.transaction(async (store, tx) => {
      if ((await store.updateUser(userId, { update_required: 1 })) !== 1) throw new AppError('not_found');
      await this.#audit.record(
        {
          actor: { type: 'operator', id: operator.userId },
          action: 'user.update_required',
          target: { type: 'user', id: userId },
          ip: meta.ip,
          userAgent: meta.userAgent,
        },
        tx,
      );
    });
  }

  /** True when the user's details are confirmed within the re-confirmation period and not flagged. */
  async profileIsCurrent(userId: string): Promise<boolean> {
    const me = await this.getMe(userId);
    return !!me && !me.profileConfirmationDue;
  }

  // ------------------------------------------------------------------------------------ operator settings

  async reconfirmMonths(): Promise<number> {
    const value = await this.#store.setting('reconfirm_months');
    return value !== null ? Number(value) : 12;
  }

  async getSettings(): Promise<{ reconfirmMonths: number }> {
    return { reconfirmMonths: await this.reconfirmMonths() };
  }

  async updateSettings(operator: Principal, s: { reconfirmMonths: number }, meta: RequestMeta) {
    await this.#store.transaction(async (store, tx) => {
      await store.replaceSetting('reconfirm_months', String(s.reconfirmMonths));
      await this.#audit.record(
        {
          actor: { type: 'operator', id: operator.userId },
          action: 'identity.settings_changed',
          ip: meta.ip,
          details: s,
        },
        tx,
      );
    });
    return this.getSettings();
  }

  async listBarredCountries(): Promise<Array<{ code: string; note: string | null }>> {
    const rows = await this.#store.listBarredCountries();
    return rows.map((r) => ({ code: r.code, note: r.note }));
  }

  async setBarredCountries(
    operator: Principal,
    list: Array<{ code: string; note?: string | null }>,
    meta: RequestMeta,
  ) {
    const now = this.#nowIso();
    const unique = [...new Map(list.map((c) => [c.code.toUpperCase(), c])).entries()];
    await this.#store.transaction(async (store, tx) => {
      await store.replaceBarredCountries(
        unique.map(([code, c]) => ({ code, note: c.note ?? null, created_at: now })),
      );
      await this.#audit.record(
        {
          actor: { type: 'operator', id: operator.userId },
          action: 'identity.barred_countries_changed',
          ip: meta.ip,
          details: { codes: unique.map(([c]) => c) },
        },
        tx,
      );
    });
    return this.listBarredCountries();
  }

  /** CSV with a header row containing `name` (and optionally `reference`). */
  async importScreeningList(
    operator: Principal | null,
    csv: string,
    opts: { replace: boolean },
    meta: RequestMeta,
  ): Promise<{ imported: number; total: number }> {
    const rows = parseCsv(csv);
    if (rows.length === 0) throw new AppError('validation_failed', { message: 'The CSV is empty.' });
    const header = rows[0].map((h) => h.trim().toLowerCase());
    let nameCol = header.indexOf('name');
    const refCol = header.indexOf('reference');
    const body = nameCol === -1 ? rows : rows.slice(1);
    if (nameCol === -1) nameCol = 0;
    const entries = new Map<string, { name: string; reference: string | null }>();
    for (const r of body) {
      const name = (r[nameCol] ?? '').trim();
      const n = normalizeScreeningName(name);
      if (n)
        entries.set(n, {
          name: name.slice(0, 300),
          reference: refCol >= 0 ? (r[refCol] ?? '').trim().slice(0, 200) || null : null,
        });
    }
    const now = this.#nowIso();
    await this.#store.transaction(async (store, tx) => {
      if (opts.replace) await store.deleteAllScreeningEntries();
      else if (entries.size) await store.deleteScreeningEntries([...entries.keys()]);
      const values = [...entries].map(([n, e]) => ({
        normalized_name: n,
        name: e.name,
        reference: e.reference,
        created_at: now,
      }));
      await store.insertScreeningEntries(values);
      await this.#audit.record(
        {
          actor: operator ? { type: 'operator', id: operator.userId } : { type: 'system', id: null },
          action: 'identity.screening_list_imported',
          ip: meta.ip,
          details: { imported: entries.size, replace: opts.replace },
        },
        tx,
      );
    });
    const total = await this.#store.countScreeningEntries();
    return { imported: entries.size, total };
  }

  async listScreeningEntries(
    limit = 500,
  ): Promise<Array<{ name: string; reference: string | null; createdAt: string }>> {
    const rows = await this.#store.listScreeningEntries(limit);
    return rows.map((r) => ({ name: r.name, reference: r.reference, createdAt: r.created_at }));
  }

  async listAutoApproveRules(): Promise<
    Array<{ emailDomain: string; note: string | null; createdAt: string }>
  > {
    const rows = await this.#store.listAutoApproveRules();
    return rows.map((r) => ({ emailDomain: r.email_domain, note: r.note, createdAt: r.created_at }));
  }

  async addAutoApproveRule(
    operator: Principal | null,
    domainIn: string,
    note: string | null,
    meta: RequestMeta,
  ) {
    const domain = domainIn.trim().toLowerCase().replace(/^@/, '');
    try {
      await this.#store.transaction(async (store, tx) => {
        await store.insertAutoApproveRule({
          email_domain: domain,
          note,
          created_by: operator?.userId ?? null,
          created_at: this.#nowIso(),
        });
        await this.#audit.record(
          {
            actor: operator ? { type: 'operator', id: operator.userId } : { type: 'system', id: null },
            action: 'identity.auto_approve_rule_added',
            ip: meta.ip,
            details: { emailDomain: domain },
          },
          tx,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('already_exists');
      throw err;
    }
    return { emailDomain: domain, note, createdAt: this.#nowIso() };
  }

  async removeAutoApproveRule(operator: Principal, domain: string, meta: RequestMeta): Promise<void> {
    await this.#store.transaction(async (store, tx) => {
      if ((await store.deleteAutoApproveRule(domain.toLowerCase())) !== 1) throw new AppError('not_found');
      await this.#audit.record(
        {
          actor: { type: 'operator', id: operator.userId },
          action: 'identity.auto_approve_rule_removed',
          ip: meta.ip,
          details: { emailDomain: domain },
        },
        tx,
      );
    });
  }

  // ------------------------------------------------------------------------------------ provisioning

  /**
   * Creates an active account directly (CLI, demo seed): no e-mail round trip, no screening. The
   * password policy still applies. Operators are always enrolled in TOTP; the seed is returned once.
   */
  async provisionUser(input: {
    email: string;
    name: string;
    password: string;
    operator?: boolean;
    totpSecret?: string;
    dateOfBirth?: string;
    country?: string;
  }): Promise<{ user: UserView; totpSecret: string | null; otpauthUrl: string | null }> {
    const email = normEmail(input.email);
    checkPasswordPolicy(input.password, { email, name: input.name });
    const passwordHash = await this.#hasher.hash(input.password);
    const secret = input.operator ? (input.totpSecret ?? newTotpSecret()) : (input.totpSecret ?? null);
    const now = this.#nowIso();
    const id = newId('usr', this.#clock.nowMs());
    try {
      await this.#store.transaction(async (store, tx) => {
        await store.insertUser({
          id,
          email,
          name: input.name,
          password_hash: passwordHash,
          date_of_birth: input.dateOfBirth ?? null,
          country_of_residence: input.country ?? 'PK',
          country_of_use: input.country ?? 'PK',
          status: 'active',
          is_operator: input.operator ? 1 : 0,
          created_at: now,
          activated_at: now,
          decided_by: 'cli',
          decided_at: now,
          profile_confirmed_at: now,
          password_changed_at: now,
          totp_secret_enc: secret ? this.#keyring.encrypt(secret, 'totp') : null,
        });
        await this.#audit.record(
          {
            actor: { type: 'system', id: null },
            action: input.operator ? 'user.operator_created' : 'user.provisioned',
            target: { type: 'user', id },
            details: { mfa: secret !== null },
          },
          tx,
        );
      });
    } catch (err) {
      if (isUniqueViolation(err))
        throw new AppError('already_exists', { message: 'An account with this e-mail already exists.' });
      throw err;
    }
    return {
      user: (await this.getMe(id))!,
      totpSecret: secret,
      otpauthUrl: secret ? totpUri(secret, email) : null,
    };
  }

  async findUserIdByEmail(email: string): Promise<string | null> {
    return this.#store.userIdByEmail(normEmail(email));
  }

  // ------------------------------------------------------------------------------------ UserDirectory

  async getUser(userId: string): Promise<{ id: string; email: string; name: string; status: string } | null> {
    const r = await this.#store.userRefById(userId);
    return r ? { id: r.id, email: r.email, name: r.name, status: r.status } : null;
  }

  async listActiveUserIds(): Promise<string[]> {
    return this.#store.activeUserIds();
  }
}

/** 10 characters from an unambiguous alphabet (50 bits), shown as xxxxx-xxxxx. */
function newRecoveryCode(): string {
  const alphabet = '0123456789abcdefghjkmnpqrstvwxyz';
  const bytes = randomToken(16);
  let out = '';
  const raw = Buffer.from(bytes, 'base64url');
  for (let i = 0; i < 10; i++) out += alphabet[raw[i] % 32];
  return `${out.slice(0, 5)}-${out.slice(5)}`;
}

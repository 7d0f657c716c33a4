import type { Kysely } from 'kysely';
import { type Clock, HOUR } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { Actor } from '../../platform/request-context.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import { identityAuditActions } from './audit-actions.ts';
import { IdentityStore } from './identity-store.ts';
import { type Argon2Cost, PasswordHasher } from './passwords.ts';
import type { IdentityTables } from './tables.ts';

/**
 * What every part of the identity service shares: the typed store, the clock, the keyring, the
 * audit helper (actions from identity's own catalogue), the mail outbox, shared state (throttles,
 * cool-downs, locks) and the settings the module was built with. One kit per module instance.
 */

/** What sign-up asks the terms module (given as a late port: terms is built after identity). */
export type TermsVersions = {
  /** The id of the general terms version in force, or null when none is. */
  generalVersionInForce(): Promise<string | null>;
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

/** Anonymous callers (sign-up refusals, failed sign-ins, reset requests) act as nobody. */
export const anonymous: Actor = { type: 'anonymous', id: null };

/** Between two activation or reset mails to one account. */
export const RESEND_COOLDOWN_MS = 60_000;

export function normEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** `audit(ctx, action, target, { details, tx })` with `action` from identity's catalogue. */
export type IdentityAudit = ReturnType<typeof auditTrail<typeof identityAuditActions>>;

export class IdentityKit {
  readonly store: IdentityStore;
  readonly clock: Clock;
  readonly keyring: Keyring;
  readonly audit: IdentityAudit;
  readonly mailer: MailOutbox;
  readonly state: SharedState;
  readonly publicUrl: string;
  readonly hasher: PasswordHasher;
  readonly notifications: Notices | undefined;
  readonly termsVersions: TermsVersions | undefined;
  readonly events: EventEmitter | undefined;
  readonly idleMs: number;
  readonly absoluteMs: number;

  constructor(opts: IdentityOptions) {
    this.store = new IdentityStore(opts.db);
    this.clock = opts.clock;
    this.keyring = opts.keyring;
    this.audit = auditTrail(opts.audit, identityAuditActions);
    this.mailer = opts.mailer;
    this.state = opts.sharedState;
    this.publicUrl = opts.publicUrl;
    this.hasher = new PasswordHasher(opts.argon2Cost);
    this.notifications = opts.notifications;
    this.termsVersions = opts.termsVersions;
    this.events = opts.events;
    this.idleMs = opts.sessionIdleMs ?? 2 * HOUR;
    this.absoluteMs = opts.sessionAbsoluteMs ?? 12 * HOUR;
  }

  nowIso(): string {
    return this.clock.now().toISOString();
  }

  /** Tokens and codes are stored as HMACs, each purpose under its own key. */
  tokenHash(token: string, purpose: string): string {
    return this.keyring.hmac(token, purpose);
  }

  /** A GCRA throttle on `key`; over the limit answers 429 with Retry-After. */
  async throttle(key: string, limit: number, periodMs: number, burst: number, cost = 1): Promise<void> {
    const r = await this.state.consume(
      [{ kind: 'gcra', key, limit, periodMs, burst }],
      this.clock.nowMs(),
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
  async activeUntil(key: string): Promise<boolean> {
    const v = await this.state.getValue(key);
    return v !== null && Number(v) > this.clock.nowMs();
  }

  async hold(key: string, ms: number): Promise<void> {
    await this.state.setValue(key, String(this.clock.nowMs() + ms), ms);
  }

  /** True (and starts the cool-down) when no cool-down is running for `key`. */
  async cooldownFree(key: string, ms: number): Promise<boolean> {
    if (await this.activeUntil(key)) return false;
    await this.hold(key, ms);
    return true;
  }
}

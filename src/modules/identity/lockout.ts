import { MINUTE } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import { actorOf, type RequestContext } from '../../platform/request-context.ts';
import { anonymous, type IdentityKit } from './identity-kit.ts';

const LOCKOUT_THRESHOLD = 10;
const LOCKOUT_MS = 30 * MINUTE;
/** Failed sign-ins per IP: at most 30 per 10-minute window. */
const IP_FAIL_LIMIT = 30;
const IP_FAIL_PERIOD_MS = 10 * MINUTE;

/**
 * Guessing limits shared by sign-in, password changes, resets and turning TOTP off: failures count
 * per e-mail (keyed by its HMAC, whether or not it has an account, so the lock reveals nothing) and
 * the 10th locks it for 30 minutes; failed sign-ins also count per IP.
 */
export class Lockout {
  readonly #kit: IdentityKit;

  constructor(kit: IdentityKit) {
    this.#kit = kit;
  }

  #emailKey(email: string): string {
    return this.#kit.keyring.hmac(email, 'login-email');
  }

  /** Milliseconds left on the sign-in lock of an e-mail; 0 when unlocked. */
  async lockLeftMs(email: string): Promise<number> {
    const v = await this.#kit.state.getValue(`idn:lock:${this.#emailKey(email)}`);
    return v === null ? 0 : Math.max(0, Number(v) - this.#kit.clock.nowMs());
  }

  /** The 423 for a locked e-mail; Retry-After says when the lock lifts (whole seconds, at least 1). */
  locked(leftMs: number): AppError {
    return new AppError('account_locked', {
      headers: {
        'retry-after': String(Math.max(1, Math.ceil(leftMs / 1000))),
      },
    });
  }

  /** Throws the 423 when the e-mail is locked. */
  async assertUnlocked(email: string): Promise<void> {
    const leftMs = await this.lockLeftMs(email);
    if (leftMs > 0) throw this.locked(leftMs);
  }

  /** Failed sign-ins per IP in fixed windows of the injected clock: `charge` one, or check the limit. */
  async ipFailures(ip: string, charge: boolean): Promise<void> {
    const nowMs = this.#kit.clock.nowMs();
    const window = Math.floor(nowMs / IP_FAIL_PERIOD_MS);
    const key = `idn:login:ip:${ip}:${window}`;
    if (charge) {
      await this.#kit.state.incr(key, 1, IP_FAIL_PERIOD_MS);
      return;
    }
    if ((await this.#kit.state.getCount(key)) >= IP_FAIL_LIMIT) {
      const retry = (window + 1) * IP_FAIL_PERIOD_MS - nowMs;
      throw new AppError('rate_limited', {
        headers: {
          'retry-after': String(Math.max(1, Math.ceil(retry / 1000))),
        },
      });
    }
  }

  /** One failed attempt against an e-mail (existing or not); the 10th locks it for 30 minutes. */
  async countFailure(
    email: string,
    userId: string | null,
    reason: string,
    ctx: RequestContext,
  ): Promise<void> {
    const emailKey = this.#emailKey(email);
    const n = await this.#kit.state.incr(`idn:fail:${emailKey}`, 1, LOCKOUT_MS);
    const target = userId ? { type: 'user', id: userId } : null;
    const who = userId ? {} : { email };
    await this.#kit.audit({ ...ctx, actor: anonymous }, 'user.signin_failed', target, {
      details: { reason, attempt: n, ...who },
    });
    if (n >= LOCKOUT_THRESHOLD) {
      await this.#kit.hold(`idn:lock:${emailKey}`, LOCKOUT_MS);
      await this.#kit.state.deleteKey(`idn:fail:${emailKey}`);
      await this.#kit.audit({ ...ctx, actor: actorOf(null), userAgent: null }, 'user.locked', target, {
        details: { until: new Date(this.#kit.clock.nowMs() + LOCKOUT_MS).toISOString(), ...who },
      });
    }
  }

  /** A successful sign-in forgets the e-mail's failures. */
  async clearFailures(email: string): Promise<void> {
    await this.#kit.state.deleteKey(`idn:fail:${this.#emailKey(email)}`);
  }

  /** A password reset lifts the e-mail's lock. */
  async unlock(email: string): Promise<void> {
    await this.#kit.state.deleteKey(`idn:lock:${this.#emailKey(email)}`);
  }
}

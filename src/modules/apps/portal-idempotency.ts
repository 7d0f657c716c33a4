import { createHash } from 'node:crypto';
import { AppError } from '../../platform/errors.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';

/**
 * Optional Idempotency-Key on the portal's credential-creating POSTs (createApp, createClientSecret,
 * resetClientSecret, subscribe), scoped per signed-in user. The first request takes a 60 s lock; its
 * response is kept for 24 h, sealed with the keyring (it can hold a client secret shown once), and
 * replayed to a retry with the same body (`Idempotent-Replayed: true`). Same key with another body →
 * 422 idempotency_key_reused; while the first still runs → 409 idempotency_in_flight. A failed first
 * request releases the key.
 */
const KEY = /^[\x21-\x7e]{1,255}$/;
const PURPOSE = 'portal-idempotency';

type Slot = { s: 'p'; fp: string } | { s: 'd'; fp: string; sealed: string };

export class PortalIdempotency {
  readonly #state: SharedState;
  readonly #keyring: Keyring;
  readonly #lockMs: number;
  readonly #keepMs: number;
  constructor(state: SharedState, keyring: Keyring, opts: { lockMs?: number; keepMs?: number } = {}) {
    this.#state = state;
    this.#keyring = keyring;
    this.#lockMs = opts.lockMs ?? 60_000;
    this.#keepMs = opts.keepMs ?? 24 * 3_600_000;
  }

  /** Runs `fn` once per (scope, key); without a key it simply runs it. */
  async run<R>(
    opts: { scope: string; key: string | string[] | undefined; method: string; path: string; body: unknown },
    fn: () => Promise<R>,
    onReplay: () => void,
  ): Promise<R> {
    if (opts.key === undefined) return fn();
    if (typeof opts.key !== 'string' || !KEY.test(opts.key)) {
      throw new AppError('validation_failed', {
        message: 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.',
      });
    }
    const fp = createHash('sha256')
      .update(`${opts.method} ${opts.path}\n${JSON.stringify(opts.body ?? null)}`)
      .digest('base64url');
    const slotKey = `pidem:${this.#keyring.hmac(`${opts.scope}\n${opts.key}`, PURPOSE).slice(0, 40)}`;
    const pending: Slot = { s: 'p', fp };
    if (!(await this.#state.setIfAbsent(slotKey, JSON.stringify(pending), this.#lockMs))) {
      const raw = await this.#state.getValue(slotKey);
      const slot = raw ? (JSON.parse(raw) as Slot) : null;
      if (!slot) return this.run(opts, fn, onReplay);
      if (slot.fp !== fp) throw new AppError('idempotency_key_reused');
      if (slot.s === 'p') throw new AppError('idempotency_in_flight', { headers: { 'retry-after': '1' } });
      onReplay();
      return JSON.parse(this.#keyring.decrypt(slot.sealed, PURPOSE)) as R;
    }
    let result: R;
    try {
      result = await fn();
    } catch (err) {
      await this.#state.deleteKey(slotKey).catch(() => {});
      throw err;
    }
    const done: Slot = { s: 'd', fp, sealed: this.#keyring.encrypt(JSON.stringify(result ?? null), PURPOSE) };
    await this.#state.setValue(slotKey, JSON.stringify(done), this.#keepMs);
    return result;
  }
}

import { createHash } from 'node:crypto';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import { GatewayError } from './gateway-errors.ts';

/**
 * Idempotency-Key for payment-creating operations (draft-ietf-httpapi-idempotency-key-header),
 * scoped per app. The first request takes a lock (setIfAbsent, 60 s, so a crash mid-request frees
 * the key); its final response is stored for 24 h and replayed to retries with the same body. A
 * retry with another body → 422; a retry while the first is still running → 409. Responses the
 * gateway itself failed to produce (5xx) release the key so the client can try again. This is
 * separate from the network's own duplicate-RRN rule (code 10), which the sandbox applies.
 */
export type StoredResponse = { status: number; body: string; networkCode?: string };

type Slot = { s: 'p'; fp: string } | ({ s: 'd'; fp: string } & StoredResponse);

const KEY = /^[\x21-\x7e]{1,255}$/;

export type IdempotencyBegin =
  | { kind: 'proceed'; key: string; fingerprint: string }
  | { kind: 'replay'; response: StoredResponse };

export class Idempotency {
  readonly #state: SharedState;
  readonly #lockMs: number;
  readonly #keepMs: number;
  constructor(state: SharedState, opts: { lockMs?: number; keepMs?: number } = {}) {
    this.#state = state;
    this.#lockMs = opts.lockMs ?? 60_000;
    this.#keepMs = opts.keepMs ?? 24 * 3_600_000;
  }

  static fingerprint(method: string, path: string, body: unknown): string {
    return createHash('sha256')
      .update(`${method} ${path}\n`)
      .update(body === undefined ? '' : JSON.stringify(body))
      .digest('base64url');
  }

  async begin(appId: string, rawKey: string, fingerprint: string): Promise<IdempotencyBegin> {
    if (!KEY.test(rawKey)) {
      throw new GatewayError(
        'gateway_invalid_idempotency_key',
        400,
        'The Idempotency-Key header must be 1 to 255 visible ASCII characters.',
      );
    }
    const key = `idem:${appId}:${rawKey}`;
    let current: string | null = null;
    try {
      if (await this.#state.setIfAbsent(key, JSON.stringify({ s: 'p', fp: fingerprint }), this.#lockMs)) {
        return { kind: 'proceed', key, fingerprint };
      }
      current = await this.#state.getValue(key);
    } catch {
      throw new GatewayError(
        'gateway_limiter_unavailable',
        503,
        'Idempotency keys cannot be checked right now; retry shortly.',
        { shape: 'problem', headers: { 'retry-after': '2' } },
      );
    }
    // The key expired between the two calls: treat as a new attempt next time.
    if (current === null) return this.begin(appId, rawKey, fingerprint);
    const slot = JSON.parse(current) as Slot;
    if (slot.fp !== fingerprint) {
      throw new GatewayError(
        'idempotency_key_reused',
        422,
        'This Idempotency-Key was used with a different request.',
      );
    }
    if (slot.s === 'p') {
      throw new GatewayError(
        'idempotency_in_flight',
        409,
        'A request with this Idempotency-Key is still being processed.',
        {
          headers: { 'retry-after': '1' },
        },
      );
    }
    return {
      kind: 'replay',
      response: { status: slot.status, body: slot.body, networkCode: slot.networkCode },
    };
  }

  async complete(key: string, fingerprint: string, response: StoredResponse): Promise<void> {
    if (response.status >= 500) {
      await this.#state.deleteKey(key).catch(() => {});
      return;
    }
    const slot: Slot = { s: 'd', fp: fingerprint, ...response };
    await this.#state.setValue(key, JSON.stringify(slot), this.#keepMs).catch(() => {});
  }

  async abandon(key: string): Promise<void> {
    await this.#state.deleteKey(key).catch(() => {});
  }
}

import type { Clock } from '../../platform/clock.ts';
import { sourceAddressKey } from '../../platform/http/source-address.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import { OAuthError } from './oauth-errors.ts';
import type { OAuthStore } from './oauth-store.ts';

/**
 * Throttles secret guessing at the token endpoint without handing anyone a way to lock an app's
 * owner out. Client ids travel on every call, so they are not secret: a throttle per client id
 * alone would let anyone who saw one block its renewals. So failures count per (client id, source
 * address) — an address is the socket's peer (or, with TRUST_PROXY, the nearest address not one of
 * the named proxies), IPv6 by /64 — and per client id:
 *
 * - after ADDRESS_FAILURE_LIMIT failures within ADDRESS_FAILURE_WINDOW_MS from one address, that
 *   address is refused for that client id for ADDRESS_BLOCK_MS (429 oauth_address_throttled);
 * - across all addresses a client id accepts at most CLIENT_FAILURE_CAP failed secrets per
 *   CLIENT_FAILURE_WINDOW_MS (sliding). Past it only addresses that obtained a token for this client
 *   within KNOWN_SOURCE_TTL_MS are still checked (the owner's servers keep renewing); any other is
 *   refused (429 oauth_client_throttled) until the window has room again.
 *
 * Both limits are exact across gateways: each attempt takes its place in the shared sliding-window
 * logs before its secret is checked (so concurrent guesses cannot overshoot) and gives it back when
 * the secret was right. An attempt in flight therefore holds a place for the few milliseconds it
 * takes. Counters live in the shared state; the addresses that obtained tokens live in the database
 * (keyed hashes, not addresses), so they outlive a restart or a flushed Redis.
 */
export const ADDRESS_FAILURE_LIMIT = 10;
const ADDRESS_FAILURE_WINDOW_MS = 15 * 60_000;
export const ADDRESS_BLOCK_MS = 15 * 60_000;
export const CLIENT_FAILURE_CAP = 100;
export const CLIENT_FAILURE_WINDOW_MS = 3_600_000;
const KNOWN_SOURCE_TTL_MS = 30 * 86_400_000;

/** One client authentication in progress: exactly one of its three ends is called. */
export type AuthAttempt = {
  /** The secret was right: the places it took are given back and the address's failures forgotten. */
  succeeded(): Promise<void>;
  /** The secret (or client id) was wrong: the failure stays counted; the 10th blocks the address. */
  failed(): Promise<void>;
  /** No answer about the secret (the database failed): the places it took are given back. */
  abandoned(): Promise<void>;
};

export class ClientAuthThrottle {
  readonly #store: OAuthStore;
  readonly #clock: Clock;
  readonly #keyring: Keyring;
  readonly #shared: SharedState;

  constructor(opts: { store: OAuthStore; clock: Clock; keyring: Keyring; sharedState: SharedState }) {
    this.#store = opts.store;
    this.#clock = opts.clock;
    this.#keyring = opts.keyring;
    this.#shared = opts.sharedState;
  }

  #clientKey(clientId: string): string {
    return this.#keyring.hmac(clientId, 'oauth-throttle').slice(0, 32);
  }

  #sourceHash(ip: string | undefined): string {
    return this.#keyring.hmac(sourceAddressKey(ip), 'oauth-source');
  }

  /**
   * Takes this attempt's places in the failure logs, or refuses it (429 with Retry-After) when its
   * address is blocked for this client or the client's hourly cap is reached and the address is not
   * one that obtained a token. Throws SharedStateUnavailableError when the state cannot be reached
   * (the endpoint fails closed).
   */
  async begin(clientId: string, ip: string | undefined): Promise<AuthAttempt> {
    const nowMs = this.#clock.nowMs();
    const client = this.#clientKey(clientId);
    const sourceHash = this.#sourceHash(ip);
    const source = sourceHash.slice(0, 32);
    const blockKey = `oauth:block:${client}:${source}`;
    const addressLog = `oauth:fail:${client}:${source}`;
    const clientLog = `oauth:fail:${client}`;

    const blockedUntil = Number((await this.#shared.getValue(blockKey)) ?? 0);
    if (blockedUntil > nowMs) throw addressThrottled(blockedUntil - nowMs);
    const a = await this.#shared.logEvent(
      addressLog,
      nowMs,
      ADDRESS_FAILURE_WINDOW_MS,
      ADDRESS_FAILURE_LIMIT,
    );
    // Full only while earlier attempts from this address are still in flight (the 10th failure blocks).
    if (!a.added) throw addressThrottled(a.oldestMs + ADDRESS_FAILURE_WINDOW_MS - nowMs);
    let c: Awaited<ReturnType<SharedState['logEvent']>>;
    try {
      c = await this.#shared.logEvent(clientLog, nowMs, CLIENT_FAILURE_WINDOW_MS, CLIENT_FAILURE_CAP);
      if (!c.added && !(await this.#isKnownSource(clientId, sourceHash, nowMs))) {
        throw clientThrottled(c.oldestMs + CLIENT_FAILURE_WINDOW_MS - nowMs);
      }
    } catch (err) {
      await this.#shared.unlogEvent(addressLog, a.id!).catch(() => {});
      throw err;
    }
    return {
      succeeded: async () => {
        await this.#shared.deleteKey(addressLog);
        if (c.id) await this.#shared.unlogEvent(clientLog, c.id);
      },
      abandoned: async () => {
        await this.#shared.unlogEvent(addressLog, a.id!);
        if (c.id) await this.#shared.unlogEvent(clientLog, c.id);
      },
      failed: async () => {
        if (a.count >= ADDRESS_FAILURE_LIMIT) {
          const until = this.#clock.nowMs() + ADDRESS_BLOCK_MS;
          await this.#shared.setValue(blockKey, String(until), ADDRESS_BLOCK_MS);
          await this.#shared.deleteKey(addressLog);
        }
      },
    };
  }

  /** Remembers that this address obtained a token for this client (for KNOWN_SOURCE_TTL_MS). */
  async recordToken(clientId: string, ip: string | undefined): Promise<void> {
    const at = new Date(this.#clock.nowMs()).toISOString();
    await this.#store.recordClientSource(clientId, this.#sourceHash(ip), at);
  }

  async #isKnownSource(clientId: string, sourceHash: string, nowMs: number): Promise<boolean> {
    const lastTokenAt = await this.#store.lastTokenAt(clientId, sourceHash);
    return lastTokenAt !== undefined && Date.parse(lastTokenAt) > nowMs - KNOWN_SOURCE_TTL_MS;
  }

  /** Forgets addresses that have not obtained a token for KNOWN_SOURCE_TTL_MS (housekeeping). */
  async purge(): Promise<number> {
    const cutoff = new Date(this.#clock.nowMs() - KNOWN_SOURCE_TTL_MS).toISOString();
    return this.#store.deleteClientSourcesBefore(cutoff);
  }
}

const retryS = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

function addressThrottled(ms: number): OAuthError {
  return new OAuthError(
    'invalid_client',
    'oauth_address_throttled',
    'too many failed authentication attempts for this client from your address; try later',
    retryS(ms),
  );
}

function clientThrottled(ms: number): OAuthError {
  return new OAuthError(
    'invalid_client',
    'oauth_client_throttled',
    'too many failed authentication attempts for this client; only addresses that recently obtained a token for it are served; try later',
    retryS(ms),
  );
}

import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { isUniqueViolation } from '../../platform/db/database.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { SandboxStore } from './sandbox-store.ts';

/**
 * Request and response signing (HASH). A HASH is base64(RSA-SHA256(private key, UTF-8 bytes of the
 * operation's fields joined by '|' in the documented order)); absent fields count as empty
 * strings. Developers sign requests with their own key and register the public half on the app;
 * the sandbox signs its responses with the operator key, whose public half is published
 * (listSandboxTestData, docs/sandbox-guide.md). The operator key pair is generated on first use
 * and kept in the database, the private half sealed with the keyring (AES-256-GCM under the
 * master key, which lives outside the database), so every process of a deployment signs alike.
 */
export function signingString(fields: Record<string, unknown>, order: readonly string[]): string {
  return order.map((k) => (typeof fields[k] === 'string' ? (fields[k] as string) : '')).join('|');
}

export function signWithKey(privateKey: KeyObject | string, data: string): string {
  return sign('sha256', Buffer.from(data, 'utf8'), privateKey).toString('base64');
}

const publicKeys = new Map<string, KeyObject | null>();

/** Verifies a HASH against a PEM public key; false for bad PEM, bad base64 or a wrong signature. */
export function verifyHash(publicKeyPem: string, data: string, hash: string): boolean {
  let key = publicKeys.get(publicKeyPem);
  if (key === undefined) {
    try {
      key = createPublicKey(publicKeyPem);
    } catch {
      key = null;
    }
    if (publicKeys.size > 1000) publicKeys.clear();
    publicKeys.set(publicKeyPem, key);
  }
  if (!key || !/^[A-Za-z0-9+/]+={0,2}$/.test(hash) || hash.length > 2048) return false;
  try {
    return verify('sha256', Buffer.from(data, 'utf8'), key, Buffer.from(hash, 'base64'));
  } catch {
    return false;
  }
}

export type OperatorSigner = {
  /** Loads the key, generating and storing it when none exists; true when it was generated now. */
  ensure(): Promise<boolean>;
  publicKeyPem(): Promise<string>;
  sign(data: string): Promise<string>;
};

const KEY_ID = 'operator-v1';
const PURPOSE = 'sandbox-operator-key';

export function createOperatorSigner(
  store: Pick<SandboxStore, 'findOperatorKey' | 'insertOperatorKey'>,
  keyring: Keyring,
  nowIso: () => string,
): OperatorSigner {
  let loaded: Promise<{ publicPem: string; privateKey: KeyObject; generated: boolean }> | null = null;
  const load = async () => {
    const read = () => store.findOperatorKey(KEY_ID);
    let row = await read();
    let generated = false;
    if (!row) {
      const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
      const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
      try {
        await store.insertOperatorKey({
          id: KEY_ID,
          createdAt: nowIso(),
          publicPem,
          privateSealed: keyring.encrypt(privatePem, PURPOSE),
        });
        generated = true;
      } catch (err) {
        if (!isUniqueViolation(err)) throw err;
      }
      row = await read();
      if (!row) throw new Error('operator key could not be stored');
    }
    return {
      publicPem: row.publicPem,
      privateKey: createPrivateKey(keyring.decrypt(row.privateSealed, PURPOSE)),
      generated,
    };
  };
  let reported = false;
  const get = () => {
    if (!loaded)
      loaded = load().catch((err) => {
        loaded = null;
        throw err;
      });
    return loaded;
  };
  return {
    ensure: async () => {
      const generated = (await get()).generated && !reported;
      reported = true;
      return generated;
    },
    publicKeyPem: async () => (await get()).publicPem,
    sign: async (data) => signWithKey((await get()).privateKey, data),
  };
}

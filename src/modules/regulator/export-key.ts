import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';
import type { Keyring } from '../../platform/master-key.ts';

/**
 * The operator's export signing key (docs/regulator-requests.md "The export key"). Its Ed25519
 * seed is derived from MASTER_KEY with its own label — `Keyring.seed('regulator-export/v1')`, HKDF
 * info `darwaza:seed:regulator-export/v1` — so it is the same on every process holding the master
 * key and never the audit checkpoints' key. The key id is `ed25519:` + the first 16 hex characters
 * of SHA-256 of the raw 32-byte public key. Verifiers trust the PUBLISHED public key (getExportKey,
 * `darwaza export key`), never a key a bundle carries.
 */
const EXPORT_SEED_PURPOSE = 'regulator-export/v1';

const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export type ExportKey = {
  keyId: string;
  algorithm: 'Ed25519';
  publicKeyPem: string;
  /** The raw 32-byte public key, base64. */
  publicKeyBase64: string;
};

export type ExportSigner = ExportKey & { sign(bytes: Buffer): Buffer };

/** The key id of a public key: `ed25519:` + 16 hex of SHA-256 over its raw 32 bytes. */
function exportKeyIdOf(publicKey: KeyObject): string {
  const jwk = publicKey.export({ format: 'jwk' });
  const raw = Buffer.from(String(jwk.x), 'base64url');
  return `ed25519:${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
}

/** The signer for a 32-byte seed (tests use a random one to make an impostor's bundle). */
export function exportSignerFromSeed(seed: Buffer): ExportSigner {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  return {
    keyId: exportKeyIdOf(publicKey),
    algorithm: 'Ed25519',
    publicKeyPem: String(publicKey.export({ format: 'pem', type: 'spki' })),
    publicKeyBase64: Buffer.from(String(publicKey.export({ format: 'jwk' }).x), 'base64url').toString(
      'base64',
    ),
    sign: (bytes) => sign(null, bytes, privateKey),
  };
}

export function exportSigner(keyring: Keyring): ExportSigner {
  return exportSignerFromSeed(keyring.seed(EXPORT_SEED_PURPOSE));
}

/** Checks a raw Ed25519 signature over `bytes` with a PEM public key; false on any malformed input. */
export function signatureValid(publicKeyPem: string, bytes: Buffer, signature: Buffer): boolean {
  try {
    return verify(null, bytes, createPublicKey(publicKeyPem), signature);
  } catch {
    return false;
  }
}

/** The key id of a PEM public key (what `darwaza export verify` compares with the manifest's). */
export function keyIdOfPem(publicKeyPem: string): string {
  return exportKeyIdOf(createPublicKey(publicKeyPem));
}

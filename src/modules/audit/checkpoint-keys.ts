import { createHash, createPrivateKey, createPublicKey, type KeyObject, sign, verify } from 'node:crypto';

/**
 * The checkpoints' Ed25519 keys (docs/audit.md "Keys"). The signing key's 32-byte seed is derived
 * from MASTER_KEY (Keyring.seed('audit-checkpoint/v1')) or given by AUDIT_SIGNING_KEY; its id is
 * `ed25519:` + the first 16 hex characters of SHA-256(raw public key). The verifier trusts the
 * current key and the public keys listed in AUDIT_TRUSTED_KEYS (the keys before a rotation), never
 * a key found in the database.
 */
export const CHECKPOINT_SEED_PURPOSE = 'audit-checkpoint/v1';

/** PKCS#8 DER prefix of an Ed25519 private key: the raw 32-byte seed follows. */
const PKCS8_ED25519 = Buffer.from('302e020100300506032b657004220420', 'hex');
/** SPKI DER prefix of an Ed25519 public key: the raw 32-byte key follows. */
const SPKI_ED25519 = Buffer.from('302a300506032b6570032100', 'hex');

export type CheckpointSigner = { keyId: string; sign(payload: string): string };
export type TrustedKeys = ReadonlyMap<string, KeyObject>;

function keyIdOf(rawPublic: Buffer): string {
  return `ed25519:${createHash('sha256').update(rawPublic).digest('hex').slice(0, 16)}`;
}

function rawPublicKey(pub: KeyObject): Buffer {
  return pub.export({ format: 'der', type: 'spki' }).subarray(SPKI_ED25519.length);
}

export function signerFromSeed(seed: Buffer): CheckpointSigner & { publicKey: KeyObject; rawPublic: Buffer } {
  if (seed.length !== 32) throw new Error('an Ed25519 seed is 32 bytes');
  const privateKey = createPrivateKey({
    key: Buffer.concat([PKCS8_ED25519, seed]),
    format: 'der',
    type: 'pkcs8',
  });
  const publicKey = createPublicKey(privateKey);
  const rawPublic = rawPublicKey(publicKey);
  return {
    keyId: keyIdOf(rawPublic),
    publicKey,
    rawPublic,
    sign: (payload) => sign(null, Buffer.from(payload, 'utf8'), privateKey).toString('base64url'),
  };
}

/** A raw 32-byte Ed25519 public key (base64 or base64url) as a verification key. */
function publicKeyFromRaw(raw: Buffer): { keyId: string; key: KeyObject } {
  if (raw.length !== 32) throw new Error('an Ed25519 public key is 32 bytes');
  const key = createPublicKey({ key: Buffer.concat([SPKI_ED25519, raw]), format: 'der', type: 'spki' });
  return { keyId: keyIdOf(raw), key };
}

/** The keys the verifier trusts: the signer's and the listed earlier ones (base64, comma-separated). */
export function trustedKeys(signerPublic: Buffer, earlier: string | undefined): TrustedKeys {
  const keys = new Map<string, KeyObject>();
  for (const raw of [signerPublic, ...(earlier ?? '').split(',').filter((k) => k.trim() !== '')]) {
    const { keyId, key } = publicKeyFromRaw(
      typeof raw === 'string' ? Buffer.from(raw.trim(), 'base64') : raw,
    );
    keys.set(keyId, key);
  }
  return keys;
}

/** What a checkpoint's signature covers: a versioned line per field. */
export function checkpointPayload(c: { seq: number; hash: string; at: string; keyId: string }): string {
  return `darwaza-audit-checkpoint/v1\n${c.seq}\n${c.hash}\n${c.at}\n${c.keyId}`;
}

export function checkpointSignatureValid(
  keys: TrustedKeys,
  c: { seq: number; hash: string; at: string; keyId: string; signature: string },
): boolean {
  const key = keys.get(c.keyId);
  if (!key) return false;
  try {
    return verify(
      null,
      Buffer.from(checkpointPayload(c), 'utf8'),
      key,
      Buffer.from(c.signature, 'base64url'),
    );
  } catch {
    return false;
  }
}

import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The master key lives outside the database (MASTER_KEY or DATA_DIR/master.key, mode 0600), so a
 * database dump alone reveals no TOTP seed and cannot be used to test guesses of client secrets.
 * Purpose-specific keys are derived with HKDF.
 */
export type Keyring = {
  /** AES-256-GCM; output `v1.<iv>.<tag>.<ciphertext>` (base64url). */
  encrypt(plaintext: string, purpose: string): string;
  decrypt(sealed: string, purpose: string): string;
  /** HMAC-SHA-256(pepper, value) hex: how client secrets and tokens are stored. */
  hmac(value: string, purpose: string): string;
  /**
   * 32 bytes derived for `purpose` (HKDF-SHA-256, info `darwaza:seed:<purpose>`, no salt): the seed
   * of a key pair that must be the same on every process holding the master key (the audit
   * checkpoints' Ed25519 key).
   */
  seed(purpose: string): Buffer;
};

/**
 * The master key if one exists (MASTER_KEY, or DATA_DIR/master.key), never creating one: for tools
 * that must act with the server's key or not at all (the admin CLI).
 */
export function existingMasterKey(opts: { masterKey?: string; dataDir: string }): Buffer | null {
  if (opts.masterKey) return Buffer.from(opts.masterKey, 'base64');
  const file = join(opts.dataDir, 'master.key');
  return existsSync(file) ? Buffer.from(readFileSync(file, 'utf8').trim(), 'base64') : null;
}

/** The master key, created in DATA_DIR/master.key (mode 0600) on first use when MASTER_KEY is unset. */
export function loadMasterKey(opts: { masterKey?: string; dataDir: string }): Buffer {
  if (opts.masterKey) return Buffer.from(opts.masterKey, 'base64');
  const file = join(opts.dataDir, 'master.key');
  if (existsSync(file)) return Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
  mkdirSync(opts.dataDir, { recursive: true });
  const key = randomBytes(32);
  writeFileSync(file, key.toString('base64'), { mode: 0o600 });
  chmodSync(file, 0o600);
  return key;
}

export function createKeyring(master: Buffer): Keyring {
  const cache = new Map<string, Buffer>();
  const derive = (purpose: string) => {
    let k = cache.get(purpose);
    if (!k) {
      k = Buffer.from(hkdfSync('sha256', master, Buffer.alloc(0), `darwaza:${purpose}`, 32));
      cache.set(purpose, k);
    }
    return k;
  };
  return {
    encrypt(plaintext, purpose) {
      const iv = randomBytes(12);
      const c = createCipheriv('aes-256-gcm', derive(`enc:${purpose}`), iv);
      const ct = Buffer.concat([c.update(plaintext, 'utf8'), c.final()]);
      return [
        'v1',
        iv.toString('base64url'),
        c.getAuthTag().toString('base64url'),
        ct.toString('base64url'),
      ].join('.');
    },
    decrypt(sealed, purpose) {
      const [v, iv, tag, ct] = sealed.split('.');
      if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('unknown sealed format');
      const d = createDecipheriv('aes-256-gcm', derive(`enc:${purpose}`), Buffer.from(iv, 'base64url'));
      d.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([d.update(Buffer.from(ct, 'base64url')), d.final()]).toString('utf8');
    },
    seed(purpose) {
      return Buffer.from(derive(`seed:${purpose}`));
    },
    hmac(value, purpose) {
      return createHmac('sha256', derive(`mac:${purpose}`))
        .update(value)
        .digest('hex');
    },
  };
}

import { hash, verify } from '@node-rs/argon2';
import { AppError } from '../../platform/errors.ts';
import { isCommonPassword } from './common-passwords.ts';

/**
 * Password policy and hashing. Hashing is argon2id with at least the OWASP minimum (19 MiB, t=2,
 * p=1); the input is bounded in bytes before hashing so a huge password cannot be used to burn CPU.
 */
const PASSWORD_MIN_CHARS = 12;
const PASSWORD_MAX_BYTES = 1024;

export type Argon2Cost = { memoryCost: number; timeCost: number; parallelism: number };
const productionArgon2Cost: Argon2Cost = { memoryCost: 19456, timeCost: 2, parallelism: 1 };

/** Throws the stable code that says which rule the password breaks. */
export function checkPasswordPolicy(password: string, context: { email?: string; name?: string } = {}): void {
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) throw new AppError('password_too_long');
  if ([...password].length < PASSWORD_MIN_CHARS) throw new AppError('password_too_short');
  if (isCommonPassword(password)) throw new AppError('password_too_common');
  const lower = password.toLowerCase();
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lower === local) throw new AppError('password_too_common');
  if (context.email && lower === context.email.toLowerCase()) throw new AppError('password_too_common');
  if (context.name && lower.replace(/\s+/g, '') === context.name.toLowerCase().replace(/\s+/g, '')) {
    throw new AppError('password_too_common');
  }
}

export class PasswordHasher {
  readonly #cost: Argon2Cost;
  constructor(cost: Argon2Cost = productionArgon2Cost) {
    this.#cost = cost;
  }
  async hash(password: string): Promise<string> {
    return hash(password, { algorithm: 2 /* Argon2id */, ...this.#cost });
  }
  /** False for a wrong password or a malformed hash; never throws on user input. */
  async verify(hashed: string, password: string): Promise<boolean> {
    if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) return false;
    try {
      return await verify(hashed, password);
    } catch {
      return false;
    }
  }
}

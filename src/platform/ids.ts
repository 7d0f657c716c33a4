import { createHash, randomBytes, randomFillSync } from 'node:crypto';

/**
 * Entity ids: `<prefix>_<26 chars>`, Crockford base32 of 48 bits of milliseconds + 80 random bits
 * (ULID layout), so ids sort by creation time and cannot be guessed.
 */
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

export type IdPrefix =
  | 'usr'
  | 'org'
  | 'mem'
  | 'inv'
  | 'par'
  | 'ses'
  | 'app'
  | 'key'
  | 'sec'
  | 'pln'
  | 'prd'
  | 'api'
  | 'sub'
  | 'req'
  | 'evt'
  | 'mail'
  | 'trm'
  | 'acc'
  | 'lim'
  | 'tok'
  | 'ntf'
  | 'use'
  | 'sbx'
  | 'txn'
  | 'bil'
  | 'cat'
  | 'tkn'
  | 'prq'
  | 'tdoc'
  | 'tmn';

let lastMs = 0;
let lastRand: Uint8Array = new Uint8Array(10);

/** The last time encoded: ids come in bursts within one millisecond, so it is usually reused. */
let timeMs = -1;
let timeText = '';

function encodeTime(ms: number): string {
  if (ms === timeMs) return timeText;
  let out = '';
  let t = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  timeMs = ms;
  timeText = out;
  return out;
}

function encodeRandom(bytes: Uint8Array): string {
  // 80 bits -> 16 base32 chars, 5 bits at a time (plain integer arithmetic: ids are made on hot paths).
  let out = '';
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

// CSPRNG bytes drawn from a refilled pool: one randomFillSync per 409 ids instead of one call each.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
function poolBytes(n: number): Uint8Array {
  if (poolOffset + n > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const out = new Uint8Array(pool.subarray(poolOffset, poolOffset + n));
  poolOffset += n;
  return out;
}

/** A new time-ordered id; within one millisecond ids stay monotonic (random part incremented). */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  let rand: Uint8Array;
  if (nowMs === lastMs) {
    rand = new Uint8Array(lastRand);
    for (let i = rand.length - 1; i >= 0; i--) {
      rand[i] = (rand[i] + 1) & 0xff;
      if (rand[i] !== 0) break;
    }
  } else {
    rand = poolBytes(10);
    lastMs = nowMs;
  }
  lastRand = rand;
  return `${prefix}_${encodeTime(nowMs)}${encodeRandom(rand)}`;
}

const ID_PATTERN = /^[a-z]{2,4}_[0-9a-hjkmnp-tv-z]{26}$/;
export function isId(value: string, prefix?: IdPrefix): boolean {
  return ID_PATTERN.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`));
}

/** A security token: `bytes` of CSPRNG output, base64url. Default 32 bytes (256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** SHA-256 hex of a high-entropy secret (tokens, links). Passwords use argon2id instead. */
export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

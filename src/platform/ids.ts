import { randomBytes, randomFillSync } from 'node:crypto';

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
  | 'tmn'
  | 'inc'
  | 'inr'
  | 'enf'
  | 'pol'
  | 'rgr'
  | 'ifr'
  | 'ccl';

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

// Base32 of every 10-bit value as two characters: a 40-bit number is four lookups.
const PAIRS: readonly string[] = Array.from({ length: 1024 }, (_, v) => ALPHABET[v >> 5] + ALPHABET[v & 31]);
const TWO_30 = 2 ** 30;
const TWO_40 = 2 ** 40;

/** 8 base32 characters of n (0 ≤ n < 2^40), most significant first. */
export function encode40(n: number): string {
  const top = Math.floor(n / TWO_30);
  const low = n - top * TWO_30;
  return PAIRS[top] + PAIRS[low >>> 20] + PAIRS[(low >>> 10) & 1023] + PAIRS[low & 1023];
}

// CSPRNG bytes drawn from a refilled pool: one randomFillSync per 409 ids instead of one call each.
const pool = Buffer.alloc(4096);
let poolOffset = pool.length;
/** The next 40 random bits of the pool, as a number. */
function random40(): number {
  if (poolOffset + 5 > pool.length) {
    randomFillSync(pool);
    poolOffset = 0;
  }
  const n = pool.readUIntBE(poolOffset, 5);
  poolOffset += 5;
  return n;
}

// The 80 random bits of the last id as two 40-bit halves, with the high half's text kept: within a
// millisecond the next id adds one to the low half (carrying into the high half), so only 8 of
// the 16 characters are encoded again. Same layout and order as one 80-bit big-endian number.
let lastMs = 0;
let hi = 0;
let lo = 0;
let hiText = '';

/** Tests only: the state after an id of millisecond `ms` whose random halves were `h` and `l`. */
export function setIdStateForTest(ms: number, h: number, l: number): void {
  lastMs = ms;
  hi = h;
  lo = l;
  hiText = encode40(h);
}

/** A new time-ordered id; within one millisecond ids stay monotonic (random part incremented). */
export function newId(prefix: IdPrefix, nowMs: number = Date.now()): string {
  if (nowMs === lastMs) {
    lo += 1;
    if (lo === TWO_40) {
      lo = 0;
      hi = hi + 1 === TWO_40 ? 0 : hi + 1;
      hiText = encode40(hi);
    }
  } else {
    hi = random40();
    lo = random40();
    hiText = encode40(hi);
    lastMs = nowMs;
  }
  return `${prefix}_${encodeTime(nowMs)}${hiText}${encode40(lo)}`;
}

/** The 80 random bits of an id series (`seriesId`), as a high and a low half. */
export type IdSeries = readonly [number, number];

/** A new id series: random bits, the low half below 2^39 so that adding an index never carries. */
export function idSeries(): IdSeries {
  return [random40(), Math.floor(random40() / 2)];
}

/**
 * Id number `index` (0 ≤ index < 2^39) of `series`, for an entity made at `ms`: the layout of
 * `newId`, with the series' random bits plus the index. The same arguments always give the same
 * id, so rows numbered within a batch keep their ids however often the batch is written (the
 * usage writer's inserts are idempotent on them); ids of one series and millisecond sort by index.
 */
export function seriesId(prefix: IdPrefix, ms: number, series: IdSeries, index: number): string {
  return `${prefix}_${encodeTime(ms)}${encode40(series[0])}${encode40(series[1] + index)}`;
}

/**
 * The least id of `prefix` an entity made at `ms` or later can have: its prefix and time, nothing
 * after. Ids carry their creation time (`newId`, `seriesId`), so for ids of one prefix,
 * `id >= idAtOrAfter(p, a) and id < idAtOrAfter(p, b)` holds exactly when the time is in [a, b):
 * a time range read on an index that ends in the id. A fractional `ms` counts from the next whole
 * millisecond (an id's time is whole); times before the epoch clamp to it. Not cached: readers
 * call this with unrelated times and must not disturb `newId`'s last-time encoding. A time that is
 * not a number is the caller's bug (inputs are validated as ISO times first): thrown, not turned
 * into a bound that would silently match nothing or everything.
 */
export function idAtOrAfter(prefix: IdPrefix, ms: number): string {
  if (Number.isNaN(ms)) throw new RangeError('idAtOrAfter: the time is not a number');
  let t = Math.max(0, Math.ceil(ms));
  // Past the 48 bits an id's time has: a bound above every id (their first character is 0-7).
  if (t >= 2 ** 48) return `${prefix}_8`;
  let out = '';
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[t % 32] + out;
    t = Math.floor(t / 32);
  }
  return `${prefix}_${out}`;
}

const ID_PATTERN = /^[a-z]{2,4}_[0-9a-hjkmnp-tv-z]{26}$/;
export function isId(value: string, prefix?: IdPrefix): boolean {
  return ID_PATTERN.test(value) && (prefix === undefined || value.startsWith(`${prefix}_`));
}

/** A security token: `bytes` of CSPRNG output, base64url. Default 32 bytes (256 bits). */
export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

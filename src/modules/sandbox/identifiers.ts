/**
 * Identifier arithmetic and the reserved simulated ranges. Every identifier the sandbox generates
 * is well-formed and valid (IBAN check digits, Luhn, CNIC and mobile patterns) *and* inside a
 * reserved block, so that a valid identifier outside the blocks can be recognised as possibly live
 * and refused (the terms allow only simulated, anonymous data in the sandbox).
 */

/** The reserved simulated ranges, published in docs/sandbox-guide.md and by listSandboxTestData. */
export const RESERVED = {
  /** Account numbers (the 16-digit BBAN part of the IBAN) begin with this block. */
  accountPrefix: '9990',
  /** CNICs begin with these digits (no NADRA region starts with 9). */
  cnicPrefix: '99',
  /** Mobile numbers (local form) begin with this block (03 + 99, not allocated to any operator). */
  mobilePrefix: '0399',
  /** Test card numbers carry this BIN (6 digits) and a valid Luhn digit. */
  cardBin: '999001',
} as const;

export const reservedRangesText = {
  accountNumbers: `16-digit account numbers starting ${RESERVED.accountPrefix} (${RESERVED.accountPrefix}000000000000–${RESERVED.accountPrefix}999999999999)`,
  ibans: `PK + check digits + the bank's 4-letter code + an account number from the block above`,
  cnics: `13-digit CNICs starting ${RESERVED.cnicPrefix} (printed ${RESERVED.cnicPrefix}xxx-xxxxxxx-x)`,
  mobiles: `mobile numbers ${RESERVED.mobilePrefix}xxxxxxx (international 92${RESERVED.mobilePrefix.slice(1)}xxxxxxx)`,
  cards: `16-digit Luhn-valid card numbers with BIN ${RESERVED.cardBin}`,
} as const;

// ------------------------------------------------------------------------------------------ IBAN
/** ISO 7064 mod-97-10 over the rearranged IBAN (letters A=10 … Z=35), computed in chunks. */
function ibanMod97(rearranged: string): number {
  let rem = 0;
  for (const ch of rearranged) {
    const c = ch.charCodeAt(0);
    if (c >= 48 && c <= 57) rem = (rem * 10 + (c - 48)) % 97;
    else if (c >= 65 && c <= 90) rem = (rem * 100 + (c - 55)) % 97;
    else return -1;
  }
  return rem;
}

/** Builds a Pakistani IBAN with correct check digits from a 4-letter bank code and 16-digit account. */
export function makeIban(bankCode: string, account16: string): string {
  const bban = `${bankCode}${account16}`;
  const check = 98 - ibanMod97(`${bban}PK00`);
  return `PK${String(check).padStart(2, '0')}${bban}`;
}

const PK_IBAN = /^PK\d{2}[A-Z]{4}[0-9A-Z]{16}$/;
/** Any-country IBAN shape (2 letters, 2 digits, 11–30 alphanumerics). */
const ANY_IBAN = /^[A-Z]{2}\d{2}[0-9A-Z]{11,30}$/;

export function isValidIban(value: string): boolean {
  if (!ANY_IBAN.test(value)) return false;
  if (value.startsWith('PK') && !PK_IBAN.test(value)) return false;
  return ibanMod97(value.slice(4) + value.slice(0, 4)) === 1;
}

export function isPkIbanShape(value: string): boolean {
  return PK_IBAN.test(value);
}

// ------------------------------------------------------------------------------------------ Luhn
export function luhnValid(digits: string): boolean {
  let sum = 0;
  let dbl = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return false;
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 === 0;
}

/** Appends the Luhn check digit to a digit string. */
export function withLuhn(partial: string): string {
  for (let d = 0; d <= 9; d++) if (luhnValid(`${partial}${d}`)) return `${partial}${d}`;
  throw new Error('unreachable');
}

// -------------------------------------------------------------------------------- live-data guard
export type LiveFinding = { kind: 'iban' | 'cnic' | 'mobile' | 'card'; explanation: string };

const CNIC = /^([1-8]\d{4})-?(\d{7})-?(\d)$/;
const MOBILE = /^(?:03\d{9}|923\d{9}|\+923\d{9}|\+92-3\d{9}|0092\d{10})$/;

function localMobile(v: string): string {
  const d = v.replace(/[^\d]/g, '');
  if (d.startsWith('0092')) return `0${d.slice(4)}`;
  if (d.startsWith('92')) return `0${d.slice(2)}`;
  return d;
}

/**
 * Classifies one identifier: returns a finding when it is well-formed and valid but outside the
 * reserved simulated ranges (it may belong to a real person), or null. Cheap: a few regex tests,
 * because it runs on the gateway's hot path.
 */
export function liveDataFinding(raw: string): LiveFinding | null {
  if (raw.length < 11 || raw.length > 34 || cannotBeLive(raw)) return null;
  return classify(raw);
}

/**
 * True when `raw` is certainly not live, decided from its length and end characters alone (the
 * common case on the hot path: a sandbox account number). With a digit at both ends the value is
 * neither an IBAN (starts with a letter) nor padded, so it can only be a mobile (11, 12 or 14
 * characters), a CNIC (13 or 15, starting 1–8) or a card number (15–19, starting 2–6). False
 * means "run the full checks". identifiers.test.ts checks it never rejects what they would flag.
 */
export function cannotBeLive(raw: string): boolean {
  const c0 = raw.charCodeAt(0);
  const cl = raw.charCodeAt(raw.length - 1);
  if (c0 < 48 || c0 > 57 || cl < 48 || cl > 57) return false;
  const n = raw.length;
  if (n === 11 || n === 12 || n === 14) return false;
  if ((n === 13 || n === 15) && c0 >= 49 && c0 <= 56) return false;
  if (n >= 15 && n <= 19 && c0 >= 50 && c0 <= 54) return false;
  return true;
}

/** The full checks (exported for the equivalence test). */
export function classify(raw: string): LiveFinding | null {
  if (raw.length < 11 || raw.length > 34) return null;
  const v = raw.trim().toUpperCase();
  const c0 = v.charCodeAt(0);
  if (c0 >= 65 && c0 <= 90) {
    if (isValidIban(v)) {
      if (v.startsWith('PK') && v.slice(8, 12) === RESERVED.accountPrefix) return null;
      return {
        kind: 'iban',
        explanation: `a valid IBAN outside the simulated range (sandbox IBANs carry account numbers starting ${RESERVED.accountPrefix})`,
      };
    }
    return null;
  }
  if (MOBILE.test(v)) {
    if (localMobile(v).startsWith(RESERVED.mobilePrefix)) return null;
    return {
      kind: 'mobile',
      explanation: `a mobile number outside the simulated block (sandbox mobiles start ${RESERVED.mobilePrefix})`,
    };
  }
  const cnic = CNIC.exec(v);
  if (cnic && (v.length === 13 || v.length === 15)) {
    return {
      kind: 'cnic',
      explanation: `a CNIC outside the simulated block (sandbox CNICs start ${RESERVED.cnicPrefix})`,
    };
  }
  if (/^\d{15,19}$/.test(v) && c0 >= 50 && c0 <= 54 && luhnValid(v)) {
    return {
      kind: 'card',
      explanation: `a Luhn-valid card number outside the test BIN ${RESERVED.cardBin}`,
    };
  }
  return null;
}

/**
 * Masks what the developer's request log must not keep in clear: secrets (by field name) and
 * personal identifiers — IBANs, CNICs, card numbers, mobile numbers and account numbers — by field
 * name and by shape. Identifiers keep their last 4 characters so a developer can still tell
 * requests apart. Amounts, dates, STAN/RRN and codes are left alone.
 */
const SECRET_FIELD = /pass|secret|token|pin$|^pin|cvv|cvc|otp|hash|signature|authorization|private/i;
const IDENT_FIELD = /iban|cnic|nic$|card|pan$|mobile|msisdn|phone|account|acct|alias|nationalid|email/i;
const IBAN = /\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b/g;
const CNIC = /\b\d{5}-?\d{7}-?\d\b/g;
const CARD = /\b\d{13,19}\b/g;
const MOBILE = /(?:\+?92|0)3\d{2}-?\d{7}\b/g;

export function maskIdentifier(value: string): string {
  if (value.length <= 4) return '*'.repeat(value.length);
  return '*'.repeat(Math.min(value.length - 4, 16)) + value.slice(-4);
}

function maskText(s: string): string {
  return s
    .replace(IBAN, maskIdentifier)
    .replace(CNIC, maskIdentifier)
    .replace(MOBILE, maskIdentifier)
    .replace(CARD, maskIdentifier);
}

function maskValue(v: unknown, field: string | undefined, depth: number): unknown {
  if (depth > 20) return '[depth]';
  if (field !== undefined && SECRET_FIELD.test(field) && v !== null && typeof v !== 'object')
    return '[redacted]';
  if (typeof v === 'string') {
    if (field !== undefined && IDENT_FIELD.test(field)) return maskIdentifier(v);
    return maskText(v);
  }
  if (typeof v === 'number' && field !== undefined && IDENT_FIELD.test(field))
    return maskIdentifier(String(v));
  if (Array.isArray(v)) return v.map((x) => maskValue(x, field, depth + 1));
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = maskValue(x, k, depth + 1);
    return out;
  }
  return v;
}

/** A masked JSON text of `body`, cut to `maxChars` (the log is for reading, not replay). */
export function maskedJson(body: unknown, maxChars = 16_384): string | null {
  if (body === undefined || body === null) return null;
  let text: string;
  try {
    text = JSON.stringify(maskValue(typeof body === 'string' ? tryParse(body) : body, undefined, 0));
  } catch {
    return null;
  }
  return text.length > maxChars ? `${text.slice(0, maxChars)}…` : text;
}

function tryParse(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}

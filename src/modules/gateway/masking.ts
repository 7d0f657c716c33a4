/**
 * Masks what the developer's request log must not keep in clear: secrets (by field name) and
 * personal identifiers — IBANs, CNICs, card numbers, mobile numbers and account numbers — by field
 * name and by shape. Identifiers keep their last 4 characters so a developer can still tell
 * requests apart. Amounts, dates, STAN/RRN and codes are left alone.
 *
 * Works on the JSON text (one pass over `"key": value` pairs, then one pass for identifier shapes
 * anywhere), because walking objects cost more than the rest of the gateway call.
 */
const SECRET_FIELD = /pass|secret|token|pin$|^pin|cvv|cvc|otp|hash|signature|authorization|private/i;
const IDENT_FIELD = /iban|cnic|nic$|card|pan$|mobile|msisdn|phone|account|acct|alias|nationalid|email/i;
// IBAN | CNIC | mobile | card number, in one pass.
const SHAPES =
  /\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b|\b\d{5}-?\d{7}-?\d\b|(?:\+?92|\b0)3\d{2}-?\d{7}\b|\b\d{13,19}\b/g;
const MAY_HOLD_IDENTIFIER = /\d{5}/;
// "key": "string" | number — string bodies written as an unrolled loop (no per-character alternation).
const PAIR = /"([^"\\]{1,100})"\s*:\s*("[^"\\]*(?:\\.[^"\\]*)*"|-?\d[\d.eE+-]*)/g;

function maskIdentifier(value: string): string {
  if (value.length <= 4) return '*'.repeat(value.length);
  return '*'.repeat(Math.min(value.length - 4, 16)) + value.slice(-4);
}

/** Field names repeat call after call: classify each once. */
const fieldClass = new Map<string, 0 | 1 | 2>();
function classify(field: string): 0 | 1 | 2 {
  let c = fieldClass.get(field);
  if (c === undefined) {
    c = SECRET_FIELD.test(field) ? 2 : IDENT_FIELD.test(field) ? 1 : 0;
    if (fieldClass.size > 10_000) fieldClass.clear();
    fieldClass.set(field, c);
  }
  return c;
}

function maskShapes(s: string): string {
  if (!MAY_HOLD_IDENTIFIER.test(s)) return s;
  return s.replace(SHAPES, maskIdentifier);
}

function maskPair(whole: string, key: string, value: string): string {
  const c = classify(key);
  if (c === 0) return whole;
  if (c === 2) return `"${key}":"[redacted]"`;
  const isString = value.charCodeAt(0) === 34;
  const inner = isString ? value.slice(1, -1) : value;
  if (inner === '') return whole;
  if (inner.includes('\\')) return `"${key}":"[masked]"`;
  return `"${key}":"${maskIdentifier(inner)}"`;
}

/** Masks a JSON text (invalid JSON is masked by shape only). */
function maskJsonText(text: string): string {
  return maskShapes(text.replace(PAIR, maskPair));
}

/** A masked JSON text of `body` (an object, or JSON text), cut to `maxChars`. */
export function maskedJson(body: unknown, maxChars = 16_384): string | null {
  if (body === undefined || body === null) return null;
  let text: string;
  try {
    text = typeof body === 'string' ? body : JSON.stringify(body);
  } catch {
    return null;
  }
  const masked = maskJsonText(text);
  return masked.length > maxChars ? `${masked.slice(0, maxChars)}…` : masked;
}

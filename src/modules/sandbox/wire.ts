/**
 * The network's wire conventions, checked and produced at the edge: 12-digit amounts with implied
 * paisa, MMDDhhmmss, 6-digit STAN, 12-digit RRN, 6-digit IMD (possibly padded to 11). The request
 * fields are zod schemas (wire-fields.ts) checked by request-check.ts; this file holds the
 * compiled accept-only path of those checks and the format helpers.
 */
import { type LiveFinding, liveDataFinding } from './identifiers.ts';

/** One request field's constraints, as its zod schema has them (wire-fields.ts records them). */
export type FieldSpec = {
  name: string;
  required?: boolean;
  /** Checked against the string value; `rule` is the human text used in ResponseDetail. */
  pattern?: RegExp;
  rule?: string;
  max?: number;
  /** Extra semantic check after the pattern; returns a rule text when the value is wrong. */
  check?: (v: string) => string | null;
  /** The field may be a JSON object (e.g. CardAcceptorNameLocation). */
  object?: boolean;
};

type FieldProblem = { code: '80' | '09'; detail: string; field: string };

export type ParsedBody = Record<string, string>;

export type Parsed =
  | { ok: true; fields: ParsedBody; raw: Record<string, unknown> }
  | { ok: false; problem: FieldProblem };

/** An object field's value is acceptable: at most 20 entries, each null or a string ≤ 100. */
function objectFieldOk(v: object): boolean {
  let n = 0;
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    if (++n > 20) return false;
    const x = (v as Record<string, unknown>)[k];
    if (x !== null && (typeof x !== 'string' || x.length > 100)) return false;
  }
  return true;
}

/** `^\d{n}$` without flags: checked inline as n ASCII digits (what `\d` means without the u flag). */
function fixedDigits(p: RegExp | undefined): number | null {
  if (p?.flags !== '') return null;
  const m = /^\^\\d\{(\d+)\}\$$/.exec(p.source);
  return m ? Number(m[1]) : null;
}

/**
 * The accept-only path of a request schema's checks (request-check.ts), as straight-line code with a named
 * property read per field (a generic loop's keyed reads with ever-changing names were most of the
 * sandbox handler's time). Each field's pattern and check are bound once as constants of the
 * generated function (reading them from the spec objects per call was a polymorphic load), and a
 * fixed-length digit pattern is checked as a character loop instead of a regex call. Returns null
 * whenever the schema might refuse the body, so the caller falls back to zod. The generated
 * code only contains the field names of our own specs (quoted with JSON.stringify), numbers and
 * indexes into the spec array; no request data shapes it.
 */
export function compileFieldCheck(specs: FieldSpec[]): (body: unknown) => Parsed | null {
  const head: string[] = [];
  const lines: string[] = [
    'if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return null;',
    'const fields = {};',
    'let v;',
  ];
  specs.forEach((s, i) => {
    const name = JSON.stringify(s.name);
    const max = s.max ?? 100;
    lines.push(`v = raw[${name}];`);
    lines.push(
      `if (v === undefined || v === null || v === '') { ${s.required ? 'return null;' : ''} } else {`,
    );
    if (s.object) {
      lines.push('if (typeof v === "object" && !Array.isArray(v)) { if (!objectOk(v)) return null; } else {');
    }
    lines.push(`if (typeof v !== 'string' || v.length > ${max}) return null;`);
    const digits = fixedDigits(s.pattern);
    if (digits !== null) {
      lines.push(`if (v.length !== ${digits}) return null;`);
      lines.push(
        `for (let k = 0; k < ${digits}; k++) { const c = v.charCodeAt(k); if (c < 48 || c > 57) return null; }`,
      );
    } else if (s.pattern) {
      head.push(`const P${i} = S[${i}].pattern;`);
      lines.push(`if (!P${i}.test(v)) return null;`);
    }
    if (s.check) {
      head.push(`const C${i} = S[${i}].check;`);
      lines.push(`if (C${i}(v)) return null;`);
    }
    lines.push(`fields[${name}] = v;`);
    if (s.object) lines.push('}');
    lines.push('}');
  });
  lines.push('return { ok: true, fields, raw };');
  const factory = new Function(
    'S',
    'objectOk',
    `${head.join('\n')}\nreturn function check(raw) {\n${lines.join('\n')}\n};`,
  ) as (S: FieldSpec[], objectOk: (v: object) => boolean) => (raw: unknown) => Parsed | null;
  const check = factory(specs.slice(), objectFieldOk);
  return (body) => (typeof body === 'string' || body instanceof Uint8Array ? null : check(body));
}

/** A valid month and day (01-12, 01-31), and a valid time of day (00-23, 00-59, 00-59), as patterns. */
export const MMDD = '(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\\d|3[01])';
export const HHMMSS = '(?:[01]\\d|2[0-3])[0-5]\\d[0-5]\\d';

export const DIGITS = (n: number) => new RegExp(`^\\d{${n}}$`);

/** Formats paisa as the 12-digit implied-decimal amount. */
export function amount12(paisa: number): string {
  return String(paisa).padStart(12, '0');
}
/** Formats paisa as the biller-side AN14 amount: sign + 13 digits. */
export function amountAn14(paisa: number): string {
  return `${paisa < 0 ? '-' : '+'}${String(Math.abs(paisa)).padStart(13, '0')}`;
}

export type PktParts = { readonly mmdd: string; readonly hhmmss: string; readonly yyyymmdd: string };

// Every call in the same second has the same parts (a response needs two instants: now and the
// settlement day), so the last few are kept instead of formatting a Date per call.
const partsCache = new Map<number, PktParts>();

/** MMDD, hhmmss, yyyyMMdd of an instant in Pakistan time. */
export function pktParts(nowMs: number): PktParts {
  const sec = Math.floor(nowMs / 1000);
  let p = partsCache.get(sec);
  if (p === undefined) {
    const iso = new Date(sec * 1000 + 5 * 3_600_000).toISOString();
    p = Object.freeze({
      mmdd: iso.slice(5, 7) + iso.slice(8, 10),
      hhmmss: iso.slice(11, 13) + iso.slice(14, 16) + iso.slice(17, 19),
      yyyymmdd: iso.slice(0, 4) + iso.slice(5, 7) + iso.slice(8, 10),
    });
    if (partsCache.size >= 8) partsCache.clear();
    partsCache.set(sec, p);
  }
  return p;
}

/** Settlement date (next day, MMDD) of a transaction made at nowMs. */
export function settlementMMDD(nowMs: number): string {
  return pktParts(nowMs + 86_400_000).mmdd;
}

/** Masks an identifier for monitoring records: keeps the first 4 and last 2 characters. */
export function mask(v: string): string {
  if (v.length <= 6) return '*'.repeat(v.length);
  return `${v.slice(0, 4)}${'*'.repeat(v.length - 6)}${v.slice(-2)}`;
}

/**
 * Widely published specimen numbers (ISO/registry examples that OpenAPI tools put in generated
 * examples); they identify no one, so they are not treated as live.
 */
const SPECIMENS = new Set(['DE89370400440532013000', 'GB82WEST12345698765432', 'GB29NWBK60161331926819']);

/** First field whose value looks live (valid but outside the simulated ranges), if any. */
export function findLiveData(
  fields: ParsedBody,
  names: readonly string[],
): { field: string; value: string; finding: LiveFinding } | null {
  for (const name of names) {
    const v = fields[name];
    if (!v || SPECIMENS.has(v)) continue;
    const finding = liveDataFinding(v);
    if (finding) return { field: name, value: v, finding };
  }
  return null;
}

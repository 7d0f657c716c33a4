import type { z } from 'zod';
import { compileFieldCheck, type FieldSpec, type Parsed, type ParsedBody } from './wire.ts';
import { fieldSpecsOf, type WireRequest } from './wire-fields.ts';

/**
 * Checks a request body against its operation's zod schema and answers the way the network does: a
 * body that is not the message (not JSON, not an object), a missing required field or a value of
 * the wrong JSON type is 80 MESSAGE FORMAT ERROR; a present field with a bad value is 09 FIELD
 * ERROR; ResponseDetail names the first bad field in the message's order. Never a generic 400.
 *
 * A body the schema accepts usually takes a path compiled once per schema from the same
 * constraints (wire.ts `compileFieldCheck`: ~10 times faster than zod, see docs/performance.md);
 * every other body is parsed by zod, whose first issue names the problem. The compiled path only
 * accepts what zod accepts, with the same result (wire.test.ts).
 */
export function parseRequest(schema: WireRequest, body: unknown): Parsed {
  const c = compiledFor(schema);
  return c.fast(body) ?? checkWithZod(schema, c, body);
}

/** The answer of the zod schema alone (no compiled path): what the compiled path must agree with. */
export function parseRequestWithZod(schema: WireRequest, body: unknown): Parsed {
  return checkWithZod(schema, compiledFor(schema), body);
}

/** The compiled accept-only path alone: null where it defers to zod. */
export function compiledCheck(schema: WireRequest): (body: unknown) => Parsed | null {
  return compiledFor(schema).fast;
}

function compiledFor(schema: WireRequest): Compiled {
  let c = compiled.get(schema);
  if (!c) {
    const specs = fieldSpecsOf(schema);
    c = { specs, fast: compileFieldCheck(specs), order: new Map(specs.map((s, i) => [s.name, i])) };
    compiled.set(schema, c);
  }
  return c;
}

type Compiled = {
  specs: FieldSpec[];
  fast: (body: unknown) => Parsed | null;
  order: Map<string, number>;
};
const compiled = new WeakMap<WireRequest, Compiled>();

const formatError = (field: string, detail: string): Parsed => ({
  ok: false,
  problem: { code: '80', field, detail: `MESSAGE FORMAT ERROR: ${detail}` },
});
const fieldError = (field: string, detail: string): Parsed => ({
  ok: false,
  problem: { code: '09', field, detail: `FIELD ERROR: ${field} ${detail}` },
});

const absent = (v: unknown) => v === undefined || v === null || v === '';

function checkWithZod(schema: WireRequest, c: Compiled, body: unknown): Parsed {
  let obj = body;
  if (typeof obj === 'string' || obj instanceof Uint8Array) {
    try {
      obj = JSON.parse(typeof obj === 'string' ? obj : Buffer.from(obj).toString('utf8'));
    } catch {
      return formatError('body', 'BODY IS NOT VALID JSON');
    }
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    return formatError('body', 'BODY MUST BE A JSON OBJECT');
  }
  const raw = obj as Record<string, unknown>;
  const result = schema.safeParse(raw);
  if (!result.success) {
    // The first field in the message's order with an issue; its first issue (zod reports a
    // field's checks in the order they were declared: length, pattern, semantic check).
    let first: z.core.$ZodIssue | undefined;
    let at = Number.POSITIVE_INFINITY;
    for (const issue of result.error.issues) {
      const i = c.order.get(String(issue.path[0]));
      if (i !== undefined && i < at) {
        at = i;
        first = issue;
      }
    }
    if (first) return problemOf(c.specs[at], raw[c.specs[at].name], first);
    return formatError('body', 'BODY MUST BE A JSON OBJECT');
  }
  const fields: ParsedBody = {};
  for (const s of c.specs) {
    const v = raw[s.name];
    if (typeof v === 'string' && v !== '') fields[s.name] = v;
  }
  return { ok: true, fields, raw };
}

/** The network's answer for a field zod refused. */
function problemOf(s: FieldSpec, v: unknown, issue: z.core.$ZodIssue): Parsed {
  if (absent(v)) return formatError(s.name, `FIELD ${s.name} IS MISSING`);
  if (s.object && typeof v === 'object' && !Array.isArray(v)) {
    // An object's entries: a wrong type or too many is the message's format; a long value a field error.
    const entryIssues = issue.code === 'invalid_union' ? (issue.errors[0] ?? []) : [];
    if (entryIssues.some((e) => e.code !== 'too_big')) {
      return formatError(s.name, `FIELD ${s.name} MUST HOLD STRINGS`);
    }
    return fieldError(s.name, 'VALUES MUST BE AT MOST 100 CHARACTERS');
  }
  if (typeof v !== 'string') return formatError(s.name, `FIELD ${s.name} MUST BE A STRING`);
  const max = s.max ?? 100;
  if (v.length > max) return fieldError(s.name, `MUST BE AT MOST ${max} CHARACTERS`);
  // A pattern's issue carries its rule text (wire-fields.ts): the format's, then validity's.
  return fieldError(s.name, issue.message);
}

import { z } from 'zod';
import type { FieldSpec } from './wire.ts';

/**
 * Request fields of the network's messages as zod schemas. Each operation's request schema is a
 * `z.looseObject` of these (unknown fields are ignored, as the network does); the handler validates
 * with it (request-check.ts) and the product's OpenAPI document is generated from it (openapi.ts).
 *
 * The network's conventions every field follows: all values are strings; an optional field may be
 * absent, null or "" (the three mean "not sent"); a required one may not. A field's `rule` is the
 * text a refusal's ResponseDetail carries (e.g. "FIELD ERROR: STAN MUST BE 6 DIGITS").
 *
 * Each constructor also records the field's constraints (the same values it gave zod) so that the
 * handler's compiled accept-only path (wire.ts `compileFieldCheck`) checks exactly what the schema
 * checks; wire.test.ts holds the two to the same answers.
 */
type FieldOpts = {
  description: string;
  /** Longest value accepted (default 100). */
  max?: number;
  pattern?: RegExp;
  /** ResponseDetail text when the pattern does not match. */
  rule?: string;
  /**
   * A second pattern checked after `pattern`: what makes a well-formed value valid (a real MMDD, a
   * known purpose code), with its own ResponseDetail text. The document lists both patterns.
   */
  valid?: { pattern: RegExp; rule: string };
  example?: string;
};

const constraints = new WeakMap<z.ZodType, Omit<FieldSpec, 'name'>>();

function base(o: FieldOpts, optional: boolean): z.ZodString {
  let s = z.string().max(o.max ?? 100);
  // "" is "not sent" for an optional field, so its patterns admit it (as the document says).
  const p = (re: RegExp) => (optional ? new RegExp(`^$|${re.source}`) : re);
  if (o.pattern) s = s.regex(p(o.pattern), o.rule ?? 'HAS A BAD FORMAT');
  if (o.valid) s = s.regex(p(o.valid.pattern), o.valid.rule);
  return s;
}

/** The compiled path's form of `valid`: the rule text when the value does not match. */
const checkOf = (o: FieldOpts) => {
  const valid = o.valid;
  return valid ? (v: string) => (valid.pattern.test(v) ? null : valid.rule) : undefined;
};

const meta = (o: FieldOpts) => ({
  description: o.description,
  ...(o.example === undefined ? {} : { examples: [o.example] }),
});

/** A field every request must carry (absent, null or "" is 80 MESSAGE FORMAT ERROR). */
export function requiredField(o: FieldOpts) {
  const s = base(o, false).meta(meta(o));
  constraints.set(s, {
    required: true,
    max: o.max ?? 100,
    pattern: o.pattern,
    rule: o.rule,
    check: checkOf(o),
  });
  return s;
}

/** A field that may be left out (absent, null or ""). */
export function optionalField(o: FieldOpts) {
  const s = base(o, true).nullable().optional().meta(meta(o));
  constraints.set(s, { max: o.max ?? 100, pattern: o.pattern, rule: o.rule, check: checkOf(o) });
  return s;
}

/**
 * An optional field sent either as an object of at most 20 string (or null) values of at most 100
 * characters, or as one string of at most `max` (e.g. CardAcceptorNameLocation).
 */
export function optionalObjectField(o: Pick<FieldOpts, 'description' | 'max'>) {
  const record = z
    .record(z.string(), z.string().max(100).nullable())
    .check((ctx) => {
      if (Object.keys(ctx.value).length > 20) {
        ctx.issues.push({ code: 'custom', message: 'AT MOST 20 ENTRIES', input: ctx.value });
      }
    })
    .meta({ maxProperties: 20 });
  const s = z
    .union([record, z.string().max(o.max ?? 100)])
    .nullable()
    .optional()
    .meta({ description: o.description });
  constraints.set(s, { max: o.max ?? 100, object: true });
  return s;
}

type Shape = Record<string, z.ZodType>;

/** An operation's request: the fields in the order the network checks them; others are ignored. */
export function wireRequest<S extends Shape>(title: string, shape: S) {
  for (const [name, s] of Object.entries(shape)) {
    if (!constraints.has(s)) throw new Error(`${title}.${name} is not a wire field`);
  }
  return z.looseObject(shape).meta({ title });
}

export type WireRequest = ReturnType<typeof wireRequest<Shape>>;

/** The constraints of a request's fields, in the schema's order (for the compiled path). */
export function fieldSpecsOf(schema: WireRequest): FieldSpec[] {
  return Object.entries(schema.shape).map(([name, s]) => ({ name, ...constraints.get(s)! }));
}

import { z } from 'zod';

/**
 * Response fields of the network's messages as zod schemas: every answer is a flat object of
 * strings with exactly the fields its operation lists. The products' documents are generated from
 * these (openapi.ts); the sandbox's tests validate every answer they get against them.
 */

/**
 * The gateway's request body limit (gateway.ts, 256 KiB): no value echoed from a request can be
 * longer, so it is the bound of fields that echo what was sent.
 */
const GATEWAY_BODY_LIMIT = 256 * 1024;

/**
 * Longest ResponseDetail: a code's text or a reason naming the field (the longest, the live-data
 * refusal, is under 200 characters).
 */
const RESPONSE_DETAIL_MAX = 512;

/** A field the sandbox produces itself (fixed formats, seeded names): bounded by `max`. */
export const produced = (max: number, pattern?: RegExp) => {
  const s = z.string().max(max);
  return pattern ? s.regex(pattern) : s;
};

/**
 * A field that repeats the request's `of`: in the request field's format once the request passed
 * validation, but repeated as sent on an 80/09 answer, so its bound is the gateway's body limit.
 */
export const echoed = (of: string) =>
  z
    .string()
    .max(GATEWAY_BODY_LIMIT)
    .meta({
      description: `Echoes the request’s ${of}: in its format when the request passed validation, as sent on an 80/09 answer.`,
    });

export const responseCode = (codes: Record<string, string>) =>
  z.enum(Object.keys(codes) as [string, ...string[]]).meta({
    description: Object.entries(codes)
      .map(([c, t]) => `${c} ${t}`)
      .join('; '),
  });

export const responseDetail = () =>
  z.string().max(RESPONSE_DETAIL_MAX).meta({
    description: 'The code’s text; on errors it names the field or the reason.',
  });

/** An operation's response: exactly these fields, all present. */
export const wireResponse = <S extends Record<string, z.ZodType>>(title: string, shape: S) =>
  z.strictObject(shape).meta({ title });

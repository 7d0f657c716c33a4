import { z } from 'zod';

/**
 * A certification suite as data: per product, an ordered list of cases, each a predicate over the
 * app's own sandbox calls as the gateway's call records describe them (never over anything the
 * developer says). A case names
 * - the operation(s) of the proving call, the network's answer code(s) it must carry and field
 *   matchers over the record (`refs.*` from the request and the answer, `shape.*`);
 * - optionally `after`: an earlier call of the same app it relates to (operation, codes, matchers)
 *   and `link`s — a field of the proving call equal to a field of the earlier one (the status
 *   inquiry's `refs.originalRrn` is the timed-out transfer's `refs.rrn`; a retry's `refs.rrn` is
 *   the first attempt's).
 * A retired case stays in the suite (its history and its place) and no longer blocks production.
 */

/** The call-record fields a case may name (CallRecord in gateway/pipeline/records.ts). */
export const RECORD_FIELDS = [
  'networkCode',
  'status',
  'replayed',
  'refs.stan',
  'refs.rrn',
  'refs.authId',
  'refs.companyCode',
  'refs.consumerNo',
  'refs.accountTo',
  'refs.referenceNo',
  'refs.originalRrn',
  'refs.originalStan',
  'refs.originalAuthId',
  'refs.qrInitiation',
  'shape.idempotencyKey',
  'shape.signed',
] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];

const recordField = z.enum(RECORD_FIELDS);
const code = z.string().regex(/^\d{2,4}$/, 'a network code: 2 to 4 digits');
const operationId = z.string().regex(/^[A-Za-z][A-Za-z0-9]{1,60}$/, 'an operationId');

/** One field condition: exactly one of `equals`, `oneOf`, `present`. */
const fieldMatcher = z
  .strictObject({
    field: recordField,
    equals: z.union([z.string().max(200), z.boolean(), z.number()]).optional(),
    oneOf: z.array(z.string().max(200)).min(1).max(50).optional(),
    present: z.boolean().optional(),
  })
  .superRefine((m, ctx) => {
    const n = [m.equals, m.oneOf, m.present].filter((v) => v !== undefined).length;
    if (n !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['equals'],
        message: 'give exactly one of equals, oneOf, present',
      });
  });
export type FieldMatcher = z.infer<typeof fieldMatcher>;

/** What one call must be: its operation, the network's answer and its fields. */
const step = {
  operations: z.array(operationId).min(1).max(10),
  networkCodes: z.array(code).min(1).max(20),
  match: z.array(fieldMatcher).max(20).default([]),
};

export const conformanceCase = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{1,59}$/, 'lower-case letters, digits and hyphens (2–60)'),
  title: z.string().trim().min(3).max(120),
  description: z.string().trim().max(1000).default(''),
  ...step,
  after: z
    .strictObject({
      ...step,
      link: z
        .array(z.strictObject({ field: recordField, earlierField: recordField }))
        .min(1)
        .max(5),
    })
    .optional(),
  retired: z.boolean().default(false),
});
export type ConformanceCase = z.infer<typeof conformanceCase>;

/** A suite as the operator writes it: every case, in order (order is how the portal lists them). */
export const suiteInput = z
  .strictObject({ cases: z.array(conformanceCase).max(100) })
  .superRefine((s, ctx) => {
    const seen = new Set<string>();
    s.cases.forEach((c, i) => {
      if (seen.has(c.id))
        ctx.addIssue({ code: 'custom', path: ['cases', i, 'id'], message: `duplicate case id ${c.id}` });
      seen.add(c.id);
    });
  });
export type SuiteInput = z.infer<typeof suiteInput>;

/**
 * The checks that need the product (which operations it has): each case's operations and its
 * earlier call's must be the product's. Returns the first problem as [path, message], or null.
 */
export function productProblem(cases: readonly ConformanceCase[], operations: ReadonlySet<string>) {
  for (const [i, c] of cases.entries()) {
    for (const [j, op] of c.operations.entries())
      if (!operations.has(op))
        return [['cases', i, 'operations', j], `${op} is not an operation of this product`] as const;
    for (const [j, op] of (c.after?.operations ?? []).entries())
      if (!operations.has(op))
        return [['cases', i, 'after', 'operations', j], `${op} is not an operation of this product`] as const;
  }
  return null;
}

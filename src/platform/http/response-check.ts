import type { z } from 'zod';

/**
 * Every portal response goes through its contract's schema before it is sent, so an answer never
 * carries a field the contract does not declare (a secret, an internal column) and the document
 * stays true. `strict` (tests and development) turns a mismatch into a thrown error, so the test
 * that produced it fails; `lenient` (production) logs the mismatch and sends the value with
 * undeclared fields removed: a drifted schema must never turn a working answer into a 500.
 */
export type ResponseCheckMode = 'strict' | 'lenient';

export class ResponseContractError extends Error {
  readonly operationId: string;
  readonly issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>;
  constructor(operationId: string, issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>) {
    super(
      `the response of ${operationId} does not match its contract: ${issues
        .slice(0, 5)
        .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
        .join('; ')}`,
    );
    this.name = 'ResponseContractError';
    this.operationId = operationId;
    this.issues = issues;
  }
}

export function checkResponse(
  schema: z.ZodType,
  value: unknown,
  operationId: string,
  mode: ResponseCheckMode,
  warn: (msg: string, details: Record<string, unknown>) => void,
): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const err = new ResponseContractError(operationId, r.error.issues);
  if (mode === 'strict') throw err;
  warn('response does not match its contract; sent with undeclared fields removed', {
    operationId,
    issues: err.issues.slice(0, 20).map((i) => ({ path: i.path.join('.'), message: i.message })),
  });
  return stripUndeclared(schema, value);
}

type Def = {
  type: string;
  shape?: Record<string, z.ZodType>;
  catchall?: z.ZodType;
  element?: z.ZodType;
  innerType?: z.ZodType;
  options?: z.ZodType[];
  in?: z.ZodType;
  getter?: () => z.ZodType;
};

function defOf(schema: z.ZodType): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

/**
 * Removes object keys the schema does not declare, walking objects, arrays, wrappers and unions
 * (the first object branch of a union whose keys overlap the value's decides). Values are
 * otherwise left as they are: this is the fallback for a value that failed its schema.
 */
export function stripUndeclared(schema: z.ZodType, value: unknown, depth = 0): unknown {
  if (depth > 64 || value === null || typeof value !== 'object') return value;
  const def = defOf(schema);
  switch (def.type) {
    case 'optional':
    case 'nullable':
    case 'default':
    case 'prefault':
    case 'readonly':
    case 'catch':
    case 'nonoptional':
      return def.innerType ? stripUndeclared(def.innerType, value, depth + 1) : value;
    case 'pipe':
      return def.in ? stripUndeclared(def.in, value, depth + 1) : value;
    case 'lazy':
      return def.getter ? stripUndeclared(def.getter(), value, depth + 1) : value;
    case 'array':
      return Array.isArray(value) && def.element
        ? value.map((v) => stripUndeclared(def.element!, v, depth + 1))
        : value;
    case 'union': {
      const branch = (def.options ?? []).find((o) => {
        const d = defOf(o);
        return d.type === 'object' && Object.keys(d.shape ?? {}).some((k) => k in (value as object));
      });
      return branch ? stripUndeclared(branch, value, depth + 1) : value;
    }
    case 'object': {
      if (Array.isArray(value)) return value;
      const shape = def.shape ?? {};
      const keepRest = def.catchall !== undefined && defOf(def.catchall).type !== 'never';
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) {
        // Own keys only: a value key such as `valueOf` must not find Object.prototype's.
        const field = Object.hasOwn(shape, k) ? shape[k] : undefined;
        if (field) out[k] = stripUndeclared(field, v, depth + 1);
        else if (keepRest) out[k] = v;
      }
      return out;
    }
    default:
      return value;
  }
}

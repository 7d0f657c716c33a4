/**
 * Form values narrowed to the literals an operation accepts. The forms' selects offer only those
 * values, so the narrowing never changes what is sent; it lets tsc hold each body to its schema.
 */

/** `value` when it is one of `allowed`, else `fallback`. */
export function oneOf<const T extends string>(value: unknown, allowed: readonly T[], fallback: T): T {
  return allowed.find((a) => a === value) ?? fallback;
}

/** `value` when it is one of `allowed`, else undefined (an empty filter means "any"). */
export function oneOfOrNone<const T extends string>(value: unknown, allowed: readonly T[]): T | undefined {
  return allowed.find((a) => a === value);
}

/** A parsed JSON value that is an object (a document field must be one). */
export function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

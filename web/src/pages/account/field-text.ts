/** Form values as the account pages send them: trimmed text, or nothing when empty. */

export function s(v: unknown): string {
  return typeof v === 'string' ? v.trim() : '';
}

export function opt(v: unknown): string | undefined {
  const t = s(v);
  return t ? t : undefined;
}

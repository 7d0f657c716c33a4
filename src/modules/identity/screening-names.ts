/**
 * Pure helpers for the screening list: how names are compared, and as stored and matched (the CSV itself is read by platform/csv.ts).
 */

/** Lower-case letters and digits only, diacritics removed, words sorted: "Khan, Ali" = "ali khan". */
export function normalizeScreeningName(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}]+/gu, ' ')
    .trim()
    .split(' ')
    .filter(Boolean)
    .sort()
    .join(' ');
}

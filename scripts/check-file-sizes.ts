import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/**
 * The hard size rule (issue 26, ADR 0011): no file in src/ or web/src/ is over 600 lines.
 * Exempt: tests (`*.test.ts`, `*.test.tsx`) and the generated files named below. Allowed: the
 * files named in ALLOWED, each with its reason, and — while issue 26's splits land — the files in
 * the dated list KNOWN_FILE, which may not grow and must leave the list once under the limit (a
 * stale entry fails too, so the list only shrinks; the integrator empties it).
 * Prints each offender with its line count and what to do; exits 1 when there is one.
 */
const LIMIT = 600;
const root = resolve(import.meta.dirname, '..');
const ROOTS = ['src', 'web/src'];

/** Generated files: written by a tool, never edited by hand, so their length is the tool's. */
const GENERATED: Record<string, string> = {
  'web/src/api/schema.d.ts':
    "the web client's types: openapi-typescript output, written by scripts/generate-web-client.ts",
};

/** Hand-written files allowed over the limit, each with the reason and what removes it. */
const ALLOWED: Record<string, string> = {};

/** The dated list of files over the limit while their splits are in progress. */
const KNOWN_FILE = '.file-size-known-offenders.json';
type Known = { asOf: string; about: string; files: Record<string, { lines: number; reason: string }> };
const known: Known = JSON.parse(readFileSync(join(root, KNOWN_FILE), 'utf8'));

function lineCount(path: string): number {
  const text = readFileSync(path, 'utf8');
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

function filesUnder(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) =>
      join(e.parentPath, e.name)
        .slice(root.length + 1)
        .replaceAll('\\', '/'),
    );
}

const problems: string[] = [];
for (const path of ROOTS.flatMap(filesUnder).sort()) {
  if (/\.test\.tsx?$/.test(path) || path in GENERATED || path in ALLOWED) continue;
  const lines = lineCount(join(root, path));
  const entry = known.files[path];
  if (lines > LIMIT && !entry) {
    problems.push(
      `${path}: ${lines} lines (limit ${LIMIT}). Split it by responsibility into files named for what ` +
        'they do (no numbered parts); a generated file belongs in GENERATED in scripts/check-file-sizes.ts.',
    );
  } else if (entry && lines > entry.lines) {
    problems.push(
      `${path}: ${lines} lines, more than the ${entry.lines} it had when listed in ${KNOWN_FILE}. ` +
        'A listed file may not grow: move the new code into a file of its own.',
    );
  }
}
const stale = (path: string) => !existsSync(join(root, path)) || lineCount(join(root, path)) <= LIMIT;
for (const path of Object.keys(known.files).filter(stale)) {
  problems.push(`${path}: listed in ${KNOWN_FILE} but now gone or within ${LIMIT} lines. Remove its entry.`);
}
for (const path of Object.keys(ALLOWED).filter(stale)) {
  problems.push(`${path}: in ALLOWED but now gone or within ${LIMIT} lines. Remove its entry.`);
}

if (problems.length > 0) {
  console.error(`File size rule (${LIMIT} lines, ADR 0011): ${problems.length} problem(s)`);
  for (const p of problems) console.error(`  ${p}`);
  process.exit(1);
}
const listed = Object.keys(known.files).length;
console.log(
  `File size rule: no file over ${LIMIT} lines` +
    (listed > 0 ? ` outside ${KNOWN_FILE} (${listed} listed as of ${known.asOf}).` : '.'),
);

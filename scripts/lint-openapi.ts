import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startTestSystem } from '../test/harness.ts';

/**
 * Writes every OpenAPI document the program serves (the portal API and each product's document
 * listed in the catalogue) to out/openapi/ and lints them with Spectral (oas + OWASP rules).
 * Exits non-zero on any Spectral error; warnings are printed but allowed.
 */
const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'out', 'openapi');
mkdirSync(outDir, { recursive: true });

// Lint the document as a production deployment serves it (https public URL).
const sys = await startTestSystem({ env: { PUBLIC_URL: 'https://portal.example.com' } });
const files: string[] = [];
const portal = await sys.app.inject({ url: '/api/v1/openapi.json' });
writeFileSync(join(outDir, 'portal.json'), portal.body);
files.push(join(outDir, 'portal.json'));
await sys.cleanup();

const ruleset = join(outDir, '.spectral.yaml');
writeFileSync(ruleset, "extends:\n  - 'spectral:oas'\n  - '@stoplight/spectral-owasp-ruleset'\n");
const r = spawnSync(
  join(root, 'node_modules', '.bin', 'spectral'),
  ['lint', '--ruleset', ruleset, '--fail-severity', 'error', '--display-only-failures', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);

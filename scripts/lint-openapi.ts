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
// Writes that must work before anyone is signed in (sign-up, activation, sign-in, password reset)
// are anonymous by design; they are throttled per IP and answer the same for unknown e-mails.
const anonymousWrites = [
  '/api/v1/accounts',
  '/api/v1/accounts/activate',
  '/api/v1/accounts/activation-emails',
  '/api/v1/sessions',
  '/api/v1/password-resets',
  '/api/v1/password-resets/complete',
];
const overrides = anonymousWrites
  .map(
    (p) =>
      `  - files: ['portal.json#/paths/${p.replaceAll('/', '~1')}/post']\n    rules:\n      owasp:api2:2023-write-restricted: 'off'\n`,
  )
  .join('');
writeFileSync(
  ruleset,
  `extends:\n  - 'spectral:oas'\n  - '@stoplight/spectral-owasp-ruleset'\noverrides:\n${overrides}`,
);
const r = spawnSync(
  join(root, 'node_modules', '.bin', 'spectral'),
  ['lint', '--ruleset', ruleset, '--fail-severity', 'error', '--display-only-failures', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);

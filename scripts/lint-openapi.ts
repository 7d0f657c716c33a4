import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sandboxProducts } from '../src/modules/sandbox/index.ts';
import { portalOpenApi } from '../src/portal-openapi.ts';

/**
 * Writes every OpenAPI document the program serves (the portal API and each sandbox product's
 * document, the ones the catalogue lists) to out/openapi/ and lints them with Spectral (oas +
 * OWASP rules). Nothing is started: the portal document is built from the modules' contracts
 * (src/portal-openapi.ts; test/openapi-static.test.ts holds it equal to what the app serves) and
 * the products' documents are the sandbox's static ones.
 * Exits non-zero on any Spectral error; warnings are printed but allowed.
 */
const root = resolve(import.meta.dirname, '..');
const outDir = join(root, 'out', 'openapi');
mkdirSync(outDir, { recursive: true });

// Lint the document as a production deployment serves it (https public URL).
const files: string[] = [];
writeFileSync(join(outDir, 'portal.json'), JSON.stringify(portalOpenApi('https://portal.example.com')));
files.push(join(outDir, 'portal.json'));

// Every product the seeded catalogue lists (the sandbox's products: src/seed.ts), with the
// sandbox's document for it (the document the catalogue registers and the portal serves).
const productDocs: Array<{ name: string; doc: { paths: Record<string, Record<string, unknown>> } }> = [];
if (sandboxProducts.length === 0) throw new Error('the sandbox lists no products');
for (const p of sandboxProducts) {
  const name = `product-${p.slug}.json`;
  writeFileSync(join(outDir, name), JSON.stringify(p.openapi));
  files.push(join(outDir, name));
  productDocs.push({ name, doc: p.openapi as { paths: Record<string, Record<string, unknown>> } });
}

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
// Gateway products: the gateway refuses 401 (unknown client, bad token) and 403 (not entitled)
// before it knows the caller's plan, so those answers carry no rate-limit fields and the documents
// say so instead of declaring fields that are never sent.
const pointer = (p: string) => p.replaceAll('~', '~0').replaceAll('/', '~1');
const productOverrides = productDocs
  .flatMap(({ name, doc }) =>
    Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item).flatMap(([method, op]) =>
        ['401', '403']
          .filter((s) => (op as { responses?: Record<string, unknown> }).responses?.[s])
          .map(
            (s) =>
              `  - files: ['${name}#/paths/${pointer(path)}/${method}/responses/${s}']\n    rules:\n      owasp:api4:2023-rate-limit: 'off'\n`,
          ),
      ),
    ),
  )
  .join('');
// The gateway serves servers, not browsers (client secrets and tokens do not belong in a web page):
// it sends no CORS fields, so browsers cannot call it cross-origin, and the documents declare none.
const noCors = productDocs
  .map(({ name }) => `  - files: ['${name}']\n    rules:\n      owasp:api8:2023-define-cors-origin: 'off'\n`)
  .join('');
// Gateway access tokens (client credentials) live 3600 s and are never refreshed: a client asks
// for a new one. The rule only looks for an OAuth2 refreshUrl, which these documents cannot truly
// declare; their security scheme description states the lifetime instead.
const noRefresh = productDocs
  .map(
    ({ name }) =>
      `  - files: ['${name}#/components/securitySchemes']\n    rules:\n      owasp:api2:2023-short-lived-access-tokens: 'off'\n`,
  )
  .join('');
writeFileSync(
  ruleset,
  `extends:\n  - 'spectral:oas'\n  - '@stoplight/spectral-owasp-ruleset'\noverrides:\n${overrides}${productOverrides}${noCors}${noRefresh}`,
);
const r = spawnSync(
  join(root, 'node_modules', '.bin', 'spectral'),
  ['lint', '--ruleset', ruleset, '--fail-severity', 'error', '--display-only-failures', ...files],
  { stdio: 'inherit', cwd: root },
);
process.exit(r.status ?? 1);

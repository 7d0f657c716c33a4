import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { seedCatalog } from '../src/modules/catalog/catalog-seed.ts';
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

// Every product the seeded catalogue lists, with the sandbox's document for it (the document the
// catalogue registers; the sandbox serves it with its own server entry).
await seedCatalog(sys.services.catalog);
const products = await sys.app.inject({ url: '/api/v1/products' });
if (products.statusCode !== 200) throw new Error(`GET /api/v1/products: ${products.statusCode}`);
const productDocs: Array<{ name: string; doc: { paths: Record<string, Record<string, unknown>> } }> = [];
const slugs = (products.json() as { items: Array<{ slug: string }> }).items.map((p) => p.slug);
if (slugs.length === 0) throw new Error('the catalogue lists no products');
for (const slug of slugs) {
  const res = await sys.app.inject({
    url: `/api/v1/sandbox/products/${encodeURIComponent(slug)}/openapi.json`,
  });
  if (res.statusCode !== 200)
    throw new Error(`no sandbox OpenAPI document for product ${slug}: ${res.statusCode}`);
  const name = `product-${slug}.json`;
  writeFileSync(join(outDir, name), res.body);
  files.push(join(outDir, name));
  productDocs.push({ name, doc: res.json() as { paths: Record<string, Record<string, unknown>> } });
}
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

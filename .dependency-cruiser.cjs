/**
 * The module rules of docs/architecture.md, checked by dependency-cruiser in `npm run check`
 * (`npm run lint:deps`). Today's violations are listed by name in
 * `.dependency-cruiser-known-violations.json` (the allow-list, written by `npm run lint:deps:baseline`);
 * every module-shape step shrinks it and it ends empty. A new violation fails the check.
 *
 * "A module" is a folder under src/modules/; its public face is its index.ts.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No import cycle, type-only imports included: a cycle hides which side owns what.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'platform-imports-no-module',
      comment: 'platform/ is the ground floor: it knows no module (modules implement its ports).',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/modules/' },
    },
    {
      name: 'module-through-its-face',
      comment: "A module reaches another only through that module's index.ts.",
      severity: 'error',
      from: { path: '^src/modules/([^/]+)/' },
      to: { path: '^src/modules/[^/]+/.+', pathNot: ['^src/modules/$1/', '^src/modules/[^/]+/index\\.ts$'] },
    },
    {
      name: 'no-root-files-from-below',
      comment: 'Modules and platform never import the composition root, the app, the CLI or the seeder.',
      severity: 'error',
      from: { path: '^src/(modules|platform)/' },
      to: { path: '^src/(main|app|cli|seed|modules)\\.ts$' },
    },
    {
      name: 'src-not-bench-test-scripts',
      comment: 'Shipped code never imports benchmarks, tests or scripts.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(bench|test|scripts)/' },
    },
    {
      name: 'web-only-web',
      comment:
        'The web app imports only web code and packages (types generated from the OpenAPI document live in web/).',
      severity: 'error',
      from: { path: '^web/' },
      to: { path: '^(src|test|bench|scripts)/' },
    },
    {
      name: 'no-page-imports-page',
      comment:
        "A page (web/src/pages/<area>/*.tsx) never imports another area's page: shared pieces live in web/src/components/, an area's query keys and hooks in its queries.ts.",
      severity: 'error',
      from: { path: '^web/src/pages/([^/]+)/' },
      to: { path: '^web/src/pages/[^/]+/.+\\.tsx$', pathNot: '^web/src/pages/$1/' },
    },
    {
      name: 'routes-not-stores',
      comment: 'Routes talk to services; only a store touches SQL.',
      severity: 'error',
      from: { path: '(^|/)routes(\\.ts$|/)' },
      to: { path: '(^|/|-)store\\.ts$' },
    },
    {
      name: 'gateway-entrance-imports-pipeline-and-writer',
      comment:
        'A gateway entrance (src/modules/gateway/entrances/) moves bytes between a socket and the pipeline: of the gateway it imports only the pipeline (pipeline/) and the response writer (respond/); platform and packages as needed (issue 28).',
      severity: 'error',
      from: { path: '^src/modules/gateway/entrances/', pathNot: '\\.test\\.ts$' },
      to: {
        path: '^src/modules/',
        pathNot: '^src/modules/gateway/(pipeline|respond)/',
      },
    },
    {
      name: 'no-unresolvable',
      comment: 'Every relative import resolves.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true, dependencyTypesNot: ['type-only'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '(^|/)(node_modules|dist|data)/' },
    parser: 'swc',
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: {
      dot: { collapsePattern: '^(src/modules/[^/]+|src/platform|node_modules/[^/]+)' },
    },
  },
};

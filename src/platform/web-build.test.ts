import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { buildWeb, webBuildIsStale } from './web-build.ts';

test('two builds started at once on a stale web app build it once (the second waits, then finds it fresh)', async () => {
  const root = mkdtempSync(join(tmpdir(), 'darwaza-web-build-'));
  try {
    const builds = join(root, 'builds.txt');
    mkdirSync(join(root, 'src'));
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><script type="module" src="/src/main.ts"></script>\n',
    );
    writeFileSync(join(root, 'src', 'main.ts'), 'document.title = "t";\n');
    // A plugin counts the builds that really ran.
    writeFileSync(
      join(root, 'vite.config.ts'),
      `import { appendFileSync } from 'node:fs';
export default {
  logLevel: 'silent',
  build: { outDir: 'dist', emptyOutDir: true },
  plugins: [{ name: 'count', buildStart() { appendFileSync(${JSON.stringify(builds)}, 'x'); } }],
};
`,
    );
    assert.equal(webBuildIsStale(root), true);
    await Promise.all([buildWeb(root), buildWeb(root)]);
    assert.equal(readFileSync(builds, 'utf8'), 'x');
    assert.equal(webBuildIsStale(root), false);
    // A source newer than the build makes it stale again, and the next call builds.
    const later = new Date(Date.now() + 5_000);
    utimesSync(join(root, 'src', 'main.ts'), later, later);
    await buildWeb(root);
    assert.equal(readFileSync(builds, 'utf8'), 'xx');
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

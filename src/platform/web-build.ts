import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `npm start` on a fresh clone must serve the web app without a separate build step: build it when
 * web/dist is missing or older than any of its sources.
 */
function newestMtime(path: string): number {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let newest = st.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

export function webBuildIsStale(webRoot: string): boolean {
  const built = join(webRoot, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(
    newestMtime(join(webRoot, 'src')),
    newestMtime(join(webRoot, 'index.html')),
    newestMtime(join(webRoot, 'vite.config.ts')),
  );
  return sources > statSync(built).mtimeMs;
}

const LOCK_STALE_MS = 5 * 60_000;

/**
 * Builds web/dist, one process at a time: vite empties the output folder first, so a second
 * build started beside a running server (two `serve`s or test files starting at once on a fresh
 * clone) would take the pages from under it. Whoever holds the lock (a folder: `mkdir` is atomic)
 * builds; the others wait for it, then build only if the result is still stale. A lock left by a
 * killed process is taken over after five minutes.
 */
export async function buildWeb(webRoot: string): Promise<void> {
  const lock = join(webRoot, '.build-lock');
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > LOCK_STALE_MS) rmSync(lock, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    if (!webBuildIsStale(webRoot)) return;
    const vite = await import('vite');
    await vite.build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn' });
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

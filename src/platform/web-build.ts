import { existsSync, readdirSync, statSync } from 'node:fs';
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

export async function buildWeb(webRoot: string): Promise<void> {
  const vite = await import('vite');
  await vite.build({ root: webRoot, configFile: join(webRoot, 'vite.config.ts'), logLevel: 'warn' });
}

#!/usr/bin/env node
// Runs the CLI on the Node.js pinned in devDependencies (node_modules/node) when the Node on PATH is
// older than 24, so `npx darwaza …` behaves like `npm start` on any machine.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'src', 'cli.ts');
const major = Number(process.versions.node.split('.')[0]);
if (major >= 24) {
  const { runCli } = await import(pathToFileURL(cli).href);
  await runCli(process.argv.slice(2));
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    console.error(
      `darwaza: needs Node.js 24 or newer (found ${process.versions.node}); run npm install first.`,
    );
    process.exit(1);
  }
  const r = spawnSync(pinned, [...process.execArgv, cli, ...process.argv.slice(2)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

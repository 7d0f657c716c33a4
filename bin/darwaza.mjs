#!/usr/bin/env node
// Runs the CLI on the Node.js pinned in devDependencies (node_modules/node) when the Node on PATH is
// older than 24, so `npx darwaza …` behaves like `npm start` on any machine.
//
// Stopping promise: a SIGTERM (or SIGINT, SIGHUP) sent to whatever launched the program reaches the
// CLI, however the process tree was started.
// - The re-spawned Node (old Node on PATH) gets every such signal this process receives, and this
//   process exits the way it did.
// - Under npm (`npm start`, `npm run darwaza`, `npx darwaza`), npm forwards SIGTERM only to its own
//   child, `sh -c "…"`; Debian's sh (dash) dies of it without passing it on, which used to leave
//   the server running, orphaned. So when the process that launched us (npm's shell, or the
//   re-spawning wrapper) goes away, we take it as a SIGTERM: the server stops the way SIGTERM stops
//   it (graceful, exit 0). Started any other way (systemd, a container's CMD, `darwaza serve &`),
//   signals arrive directly and the parent may come and go freely.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cli = join(root, 'src', 'cli.ts');
// The benchmark lives outside src (src never imports bench/); the program adds it to the commands.
const bench = join(root, 'bench', 'bench-command.ts');
const self = fileURLToPath(import.meta.url);
const major = Number(process.versions.node.split('.')[0]);
const FORWARDED = ['SIGTERM', 'SIGINT', 'SIGHUP'];

/** Calls `onGone` once the parent that launched us on the user's behalf has exited. */
function watchLauncher(onGone) {
  const wrapped = process.env.DARWAZA_LAUNCHER_PID === String(process.ppid);
  if (!wrapped && !process.env.npm_lifecycle_event) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    // process.ppid asks the kernel each time: an orphan is re-parented (to init or a subreaper).
    if (process.ppid !== parent) {
      clearInterval(timer);
      onGone();
    }
  }, 200);
  timer.unref();
}

if (major >= 24) {
  watchLauncher(() => process.kill(process.pid, 'SIGTERM'));
  const { runCli } = await import(pathToFileURL(cli).href);
  const { benchCommand } = await import(pathToFileURL(bench).href);
  await runCli(process.argv.slice(2), [benchCommand]);
} else {
  const pinned = join(root, 'node_modules', 'node', 'bin', 'node');
  if (!existsSync(pinned)) {
    console.error(
      `darwaza: needs Node.js 24 or newer (found ${process.versions.node}); run npm install first.`,
    );
    process.exit(1);
  }
  // The child runs this file again (on Node 24): it watches us the way we watch our launcher.
  const child = spawn(pinned, [...process.execArgv, self, ...process.argv.slice(2)], {
    stdio: 'inherit',
    env: { ...process.env, DARWAZA_LAUNCHER_PID: String(process.pid) },
  });
  for (const signal of FORWARDED) process.on(signal, () => child.kill(signal));
  watchLauncher(() => child.kill('SIGTERM'));
  child.on('error', (err) => {
    console.error(`darwaza: cannot run ${pinned}: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signal) {
      // Die of the same signal, so whoever waits for us sees what happened to the child.
      for (const s of FORWARDED) process.removeAllListeners(s);
      process.kill(process.pid, signal);
    }
    process.exit(code ?? 1);
  });
}

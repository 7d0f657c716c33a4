import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config.ts';
import { createInfrastructure, createSystem, type Infrastructure, type System } from '../../src/main.ts';
import { createLogger } from '../../src/platform/logger.ts';
import { createKeyring } from '../../src/platform/master-key.ts';
import { createMetrics } from '../../src/platform/metrics.ts';
import { MemorySharedState } from '../../src/platform/shared-state/memory-shared-state.ts';
import { seedDemo } from '../../src/seed.ts';
import { freePort } from '../process-helpers.ts';
import { ensureWebBuild, freshTotp, screenshot, seriousViolations } from './browser-helpers.ts';

/**
 * The seeded demo as `npm start` makes it, for the browser suites that drive the demo accounts: a
 * whole system in this process (development mode, its own data directory, a random keyring,
 * in-process shared state) on a free port, the web build current. A suite adds its own data
 * between `startDemoServer` and `listen`, and calls `close` in its `after`.
 */
export const DEMO_OPERATOR = {
  email: 'operator@darwaza.local',
  password: 'darwaza-demo-operator',
  totp: 'DARWAZADEMOOPERATORTOTPSECRETXYZ',
};
export const DEMO_DEVELOPER = { email: 'developer@darwaza.local', password: 'darwaza-demo-developer' };

export type DemoServer = {
  sys: System;
  url: string;
  /** Starts answering on `url`. */
  listen(): Promise<void>;
  /** Stops the server and the system and removes the data directory. */
  close(): Promise<void>;
};

export async function startDemoServer(
  name: string,
  opts: { env?: Record<string, string>; infrastructure?: Partial<Infrastructure> } = {},
): Promise<DemoServer> {
  await ensureWebBuild();
  const dataDir = mkdtempSync(join(tmpdir(), `dz-${name}-`));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const sys = await createSystem(
    createInfrastructure(
      loadConfig({
        NODE_ENV: 'development',
        LOG_LEVEL: 'silent',
        DATA_DIR: dataDir,
        PUBLIC_URL: url,
        PORT: String(port),
        PORTAL_RATE_LIMIT: '100000',
        ...opts.env,
      }),
      {
        keyring: createKeyring(randomBytes(32)),
        sharedState: new MemorySharedState(),
        log: createLogger('silent'),
        metrics: createMetrics({ defaultMetrics: false }),
        ...opts.infrastructure,
      },
    ),
  );
  await seedDemo(sys, { onlyIfEmpty: true });
  return {
    sys,
    url,
    listen: async () => {
      await sys.app.listen({ port, host: '127.0.0.1' });
    },
    close: async () => {
      await sys.app.close();
      await sys.shutdown().catch(() => {});
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Signs in through the sign-in page as `who` (with its TOTP code when it has a secret) and waits
 * for the page the portal lands on: the operator console, or the developer's account or dashboard.
 */
export async function signIn(
  context: BrowserContext,
  who: { email: string; password: string; totp?: string },
): Promise<Page> {
  const page = await context.newPage();
  await page.goto('/sign-in');
  await page.getByLabel('E-mail').fill(who.email);
  await page.getByLabel('Password').fill(who.password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  if (who.totp) {
    await page.getByLabel('Authentication code').fill(await freshTotp(who.totp));
    await page.getByRole('button', { name: 'Verify and sign in' }).click();
    await page.waitForURL(/\/operator/);
  } else {
    await page.waitForURL(/\/(account|dashboard)/);
  }
  return page;
}

/** Once the page is idle: no serious or critical axe violation; a screenshot named `name`. */
export async function axeClean(page: Page, name: string): Promise<void> {
  await page.waitForLoadState('networkidle');
  const found = await seriousViolations(page);
  assert.deepEqual(found, [], `axe found serious/critical violations on ${name}`);
  await screenshot(page, name);
}

import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { createInfrastructure, createSystem, type System } from '../src/main.ts';
import type { DatabaseTables } from '../src/modules.ts';
import { FakeClock } from '../src/platform/clock.ts';
import { createLogger, type Logger } from '../src/platform/logger.ts';
import { createKeyring } from '../src/platform/master-key.ts';
import { createMetrics } from '../src/platform/metrics.ts';
import { MemorySharedState } from '../src/platform/shared-state/memory-shared-state.ts';
import type { SharedState } from '../src/platform/shared-state/shared-state.ts';
import { type TestEngine, testEngines } from '../src/platform/testing.ts';

/**
 * Builds a whole system (all modules, migrated) on a throwaway database for HTTP-level tests.
 * `engines()` lists SQLite always and PostgreSQL when DATABASE_URL is set, so a suite written once
 * runs on both: `for (const engine of engines()) describe(engine.name, …)`.
 */
export type TestSystem = System & { clock: FakeClock; cleanup(): Promise<void> };

export function engines(): TestEngine[] {
  return testEngines();
}

export async function startTestSystem(
  opts: {
    engine?: TestEngine;
    sharedState?: SharedState;
    clock?: FakeClock;
    env?: Record<string, string>;
    /** The system's logger (default: silent). */
    log?: Logger;
  } = {},
): Promise<TestSystem> {
  const engine = opts.engine ?? testEngines()[0];
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-sys-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    PUBLIC_URL: 'http://localhost:3000',
    PORTAL_RATE_LIMIT: '1000000',
    ...opts.env,
  });
  const database = await engine.open<DatabaseTables>();
  const clock = opts.clock ?? new FakeClock(Date.UTC(2026, 10, 23, 9, 0, 0));
  const infra = createInfrastructure(config, {
    database,
    clock,
    log: opts.log ?? createLogger('silent'),
    metrics: createMetrics({ defaultMetrics: false }),
    sharedState: opts.sharedState ?? new MemorySharedState(),
    keyring: createKeyring(randomBytes(32)),
  });
  const system = await createSystem(infra);
  return {
    ...system,
    clock,
    async cleanup() {
      await system.app.close();
      await system.shutdown().catch(() => {});
      await database.cleanup();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

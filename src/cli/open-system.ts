import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Config } from '../config.ts';
import { createInfrastructure, createSystem, type Infrastructure, migrate, type System } from '../main.ts';
import { keyFingerprint, readInstanceSettings, writeInstanceSettings } from '../platform/instance.ts';
import { createKeyring, existingMasterKey } from '../platform/master-key.ts';
import { fail } from './command.ts';

/**
 * How a command treats the database and master key it finds. `set-up` (serve, migrate, seed) may
 * create the SQLite file and the key, and records the key's fingerprint on first use; `existing`
 * (the admin CLI) creates neither and refuses, in one line naming the setting to fix, a database
 * that is missing or was set up with another master key (src/platform/instance.ts says why).
 * Both refuse a key other than the one the database was set up with.
 */
export type OpenMode = 'set-up' | 'existing';

function progress(label: string) {
  return (name: string, i: number, total: number) => {
    process.stderr.write(`  ${label} [${i}/${total}] ${name}\n`);
  };
}

function infrastructureFor(config: Config, mode: OpenMode): Infrastructure {
  if (mode === 'set-up') return createInfrastructure(config);
  if (!config.databaseUrl) {
    const file = resolve(config.dataDir, 'darwaza.db');
    if (!existsSync(file)) {
      fail(
        `no database at ${file}: set DATA_DIR to the server's data directory (only darwaza serve, migrate or seed create one)`,
        3,
      );
    }
  }
  const key = existingMasterKey(config);
  if (!key) {
    fail(
      `no master key: ${resolve(config.dataDir, 'master.key')} does not exist and MASTER_KEY is unset; set DATA_DIR or MASTER_KEY to the server's (only darwaza serve, migrate or seed create a key)`,
      3,
    );
  }
  return createInfrastructure(config, { keyring: createKeyring(key) });
}

/** Pings, checks the key against the database's record, migrates, records the key on first use. */
export async function prepareDatabase(infra: Infrastructure, mode: OpenMode): Promise<{ applied: string[] }> {
  const where = infra.database.describe;
  try {
    await infra.database.ping();
  } catch (err) {
    fail(`cannot reach the database at ${where}: ${(err as Error).message}`, 3);
  }
  const fingerprint = keyFingerprint(infra.keyring);
  const recorded = (await readInstanceSettings(infra.database.db))?.key_fingerprint;
  if (recorded !== undefined && recorded !== fingerprint) {
    fail(
      `the master key is not the one ${where} was set up with: set MASTER_KEY, or DATA_DIR (DATA_DIR/master.key), to the server's`,
      3,
    );
  }
  if (recorded === undefined && mode === 'existing') {
    const setting = infra.config.databaseUrl ? 'DATABASE_URL' : 'DATA_DIR';
    fail(
      `${where} was never set up by darwaza serve, migrate or seed (no master key fingerprint): set ${setting} to the server's, or run darwaza migrate once with the server's ${setting} and MASTER_KEY`,
      3,
    );
  }
  const r = await migrate(infra, progress('migrate'));
  if (recorded === undefined) {
    await writeInstanceSettings(
      infra.database.db,
      { key_fingerprint: fingerprint },
      new Date(infra.clock.nowMs()).toISOString(),
    );
  }
  return r;
}

/** Opens infrastructure and checks the database answers, with a readable line when it does not. */
export async function openSystem(config: Config, mode: OpenMode = 'set-up'): Promise<System> {
  const infra = infrastructureFor(config, mode);
  await prepareDatabase(infra, mode);
  if (infra.sharedState.kind === 'redis') {
    const redis = infra.sharedState as unknown as { ready(ms: number): Promise<void> };
    try {
      await redis.ready(5000);
    } catch (err) {
      fail(`${(err as Error).message}; check REDIS_URL or unset it for single-process mode`, 3);
    }
  }
  return createSystem(infra, { migrate: false });
}

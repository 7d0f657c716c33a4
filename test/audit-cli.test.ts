import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { after, before, describe, test } from 'node:test';
import { auditModule } from '../src/modules/audit/index.ts';
import { systemClock } from '../src/platform/clock.ts';
import { openSqlite } from '../src/platform/db/database.ts';
import { createKeyring, existingMasterKey } from '../src/platform/master-key.ts';
import { cliOn } from './process-helpers.ts';

/**
 * `darwaza audit verify` on a throwaway SQLite data directory: the server's database and key, a
 * chain sealed as the worker seals it, then tampered with directly in SQL.
 */
const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-audit-cli-'));
const dbFile = join(dataDir, 'darwaza.db');

const darwaza = cliOn(dataDir);

describe('darwaza audit verify', () => {
  before(async () => {
    assert.equal(darwaza('migrate').status, 0);
    // Two audited actions, sealed with the server's key (as its worker would).
    for (const email of ['a@audit.test', 'b@audit.test']) {
      const r = darwaza('admin', 'create-operator', '--email', email, '--name', 'Ops', '--json');
      assert.equal(r.status, 0, r.stderr);
    }
    const database = openSqlite(dbFile);
    const keyring = createKeyring(existingMasterKey({ dataDir })!);
    const { ports } = await auditModule.create({ db: database.db as never, clock: systemClock, keyring });
    assert.ok((await ports.auditChain.sealPending()) >= 2);
    await database.close();
  });
  after(() => rmSync(dataDir, { recursive: true, force: true }));

  test('an intact chain: exit 0, the counts, and the result stored for the console', () => {
    const r = darwaza('audit', 'verify');
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^audit chain intact: \d+ sealed events checked from seq 1/);
    assert.match(r.stdout, /unsealed \(committed, not yet chained\): 0/);
    assert.match(r.stdout, /signing key now: ed25519:[0-9a-f]{16} \(public key [A-Za-z0-9+/]{43}=\)/);
    const json = JSON.parse(darwaza('audit', 'verify', '--json').stdout);
    assert.equal(json.intact, true);
    const raw = new DatabaseSync(dbFile);
    const stored = raw
      .prepare("select last_verification from audit_chain_state where id = 'chain'")
      .get() as {
      last_verification: string;
    };
    raw.close();
    assert.equal(JSON.parse(stored.last_verification).sealed, json.sealed);
  });

  test('an edited event: exit 1 naming the event, its seq and the kind of damage', () => {
    const raw = new DatabaseSync(dbFile);
    const { id } = raw.prepare('select id from audit_events where seq = 2').get() as { id: string };
    raw.prepare("update audit_events set ip = '203.0.113.66' where seq = 2").run();
    raw.close();
    const r = darwaza('audit', 'verify');
    assert.equal(r.status, 1, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^audit chain DAMAGED: edited event ${id} at seq 2: `));
  });

  test('bad arguments: exit 2', () => {
    assert.equal(darwaza('audit', 'verify', '--from', 'x').status, 2);
    assert.equal(darwaza('audit', 'check').status, 2);
  });
});

import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GatewayTables } from '../src/modules/gateway/index.ts';
import { openSqlite } from '../src/platform/db/database.ts';
import { gatewayApp, titleFetch } from './gateway-fixture.ts';
import { type Running, startServer } from './process-helpers.ts';

/**
 * SIGTERM under load: a gateway process (`darwaza serve`, embedded SQLite and in-process state)
 * is stopped while 50 clients keep calling it. Every response a client received — whatever its
 * status — has its usage row once the process has exited, and the exit is clean (code 0).
 */
const CLIENTS = 50;
const STOP_AFTER = 400;

describe('SIGTERM under load', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-sigterm-'));
  const env = {
    DATA_DIR: dataDir,
    MASTER_KEY: randomBytes(32).toString('base64'),
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    // The longest flush interval allowed: the most records are buffered when the signal comes.
    USAGE_FLUSH_MS: '250',
  };
  let server: Running | undefined;
  let clientId = '';
  let token = '';

  before(async () => {
    ({ clientId, token } = await gatewayApp(env, 1_000_000));
    server = await startServer(env, ['--role', 'gateway', '--no-seed']);
  });

  after(() => {
    if (server?.child.exitCode === null) server.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('every response the clients received has its usage row; exit code 0', async () => {
    const s = server as Running;
    const received = new Map<string, number>();
    let signalled = false;
    const client = async (i: number) => {
      for (let k = 0; ; k++) {
        const requestId = `req-term-${String(i).padStart(2, '0')}-${k}`;
        let status: number;
        try {
          status = await titleFetch(s.url, { clientId, token }, requestId);
        } catch {
          // Refused or reset once the server stops listening: this client is done.
          return;
        }
        received.set(requestId, status);
        if (!signalled && received.size >= STOP_AFTER) {
          signalled = true;
          s.child.kill('SIGTERM');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
    assert.equal(await s.exited, 0, s.stderr());
    server = undefined;
    assert.ok(signalled, 'the signal was sent under load');
    assert.ok(received.size > STOP_AFTER, `calls answered after the signal (${received.size})`);
    const db = openSqlite<GatewayTables>(join(dataDir, 'darwaza.db'));
    try {
      const rows = await db.db
        .selectFrom('gateway_usage')
        .where('request_id', 'like', 'req-term-%')
        .select(['request_id', 'status'])
        .execute();
      const recorded = new Map(rows.map((r) => [r.request_id as string, Number(r.status)]));
      const missing = [...received.keys()].filter((id) => !recorded.has(id));
      assert.deepEqual(missing, [], `${missing.length} of ${received.size} responses have no usage row`);
      for (const [id, status] of received) assert.equal(recorded.get(id), status, id);
    } finally {
      await db.close();
    }
  });
});

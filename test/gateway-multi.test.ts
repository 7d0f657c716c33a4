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
 * Two gateway processes (`darwaza serve --role gateway`) on one SQLite file and one Redis: 200
 * concurrent clients against a limit L admit exactly L calls, and after a graceful stop every 2xx
 * the clients saw has its usage row. Needs REDIS_URL (skipped otherwise, with the reason printed).
 */
const redisUrl = process.env.REDIS_URL;
const L = 50;

describe('two gateway processes share one budget (Redis)', {
  skip: redisUrl ? false : 'REDIS_URL not set',
}, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-multi-'));
  const env = {
    DATA_DIR: dataDir,
    MASTER_KEY: randomBytes(32).toString('base64'),
    REDIS_URL: redisUrl ?? '',
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
  };
  let servers: Running[] = [];
  let clientId = '';
  let token = '';

  before(async () => {
    ({ clientId, token } = await gatewayApp(env, L));
    // One after the other, so the second finds the schema migrated.
    servers.push(await startServer(env, ['--role', 'gateway', '--no-seed']));
    servers.push(await startServer(env, ['--role', 'gateway', '--no-seed']));
  });

  after(async () => {
    for (const s of servers) if (s.child.exitCode === null) s.child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it(`200 concurrent clients over 2 processes: exactly L = ${L} admitted; every 2xx has its usage row`, async () => {
    // Stay clear of an hour edge (the bucket bounds it, but this test counts one window).
    const msToEdge = 3_600_000 - (Date.now() % 3_600_000);
    if (msToEdge < 20_000) await new Promise((r) => setTimeout(r, msToEdge + 100));
    const seen: string[] = [];
    let refused = 0;
    let other = 0;
    const client = async (i: number) => {
      const s = servers[i % 2];
      for (let k = 0; k < 2; k++) {
        const requestId = `req-multi-${String(i).padStart(3, '0')}-${k}`;
        const status = await titleFetch(s.url, { clientId, token }, requestId);
        if (status === 200) seen.push(requestId);
        else if (status === 429) refused++;
        else other++;
      }
    };
    await Promise.all(Array.from({ length: 200 }, (_, i) => client(i)));
    assert.equal(other, 0, 'only 200 and 429');
    assert.equal(seen.length, L, `admitted ${seen.length}, limit ${L}`);
    assert.equal(refused, 400 - L);
    // Graceful stop (SIGTERM): buffered usage records are written before exit.
    for (const s of servers) s.child.kill('SIGTERM');
    for (const s of servers) assert.equal(await s.exited, 0, s.stderr());
    servers = [];
    const db = openSqlite<GatewayTables>(join(dataDir, 'darwaza.db'));
    try {
      const rows = await db.db
        .selectFrom('gateway_usage')
        .where('status', '=', 200)
        .where('request_id', 'like', 'req-multi-%')
        .select('request_id')
        .execute();
      assert.deepEqual(rows.map((r) => r.request_id).sort(), [...seen].sort());
    } finally {
      await db.close();
    }
  });
});

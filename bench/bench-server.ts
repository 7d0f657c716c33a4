import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { loadConfig } from '../src/config.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { RedisSharedState } from '../src/platform/shared-state/redis-shared-state.ts';
import { systemWithApp } from '../test/gateway-fixture.ts';

/**
 * One server under test, in its own process so the load generator's CPU is not counted: `raw` is a
 * bare node:http server answering a small JSON body; `gateway` is the whole Darwaza system (role
 * gateway, SQLite in a temp dir, memory or Redis state) serving the sandbox title fetch through the
 * full pipeline (env: REQUEST_LOG_BODIES_PER_APP_PER_SECOND passed through, DETECTORS_FEED=off
 * unsubscribes the detectors from the call-record feed). Talks to the bench command over IPC: sends {ready}, answers 'cpu',
 * 'usage' (how many usage rows the gateway has written so far; null for `raw`) and 'stop'.
 */
type Ready = {
  port: number;
  method: 'POST';
  path: string;
  headers: Record<string, string>;
  body: string;
};

const kind = process.argv[2] as 'raw' | 'gateway';
const redisUrl = process.argv[3] || '';
const send = (m: unknown) => process.send?.(m);

let stop: () => Promise<void> = async () => {};
let usageRows: () => Promise<number | null> = async () => null;

async function raw(): Promise<Ready> {
  const payload = JSON.stringify({
    ResponseCode: '00',
    ResponseDetail: 'PROCESSED OK',
    AccountTitle: 'ALI KHAN',
  });
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, {
        'content-type': 'application/json; charset=utf-8',
        'content-length': Buffer.byteLength(payload),
      });
      res.end(payload);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  stop = () => new Promise<void>((r) => server.close(() => r()));
  return {
    port: (server.address() as AddressInfo).port,
    method: 'POST',
    path: '/path-1',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ibftBody({ AccountNumberFrom: '9990000000001002' })),
  };
}

async function gateway(): Promise<Ready> {
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-bench-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ROLE: 'gateway',
    // 0 for instruction counts: bodies kept per clock second weigh with a run's speed (item 33).
    REQUEST_LOG_BODIES_PER_APP_PER_SECOND: process.env.REQUEST_LOG_BODIES_PER_APP_PER_SECOND ?? '10',
    PUBLIC_URL: 'http://127.0.0.1:3000',
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  });
  const sharedState = redisUrl
    ? new RedisSharedState(redisUrl, { keyPrefix: `bench:${process.pid}:` })
    : undefined;
  if (sharedState) await sharedState.ready();
  // A plan whose budget the benchmark never reaches: the limiter runs on every call, never refuses.
  const { system, app } = await systemWithApp(
    config,
    {
      name: 'Benchmark plan',
      rateLimits: [
        { period: 'second', limit: 1_000_000 },
        { period: 'hour', limit: 1_000_000_000 },
      ],
      quotaDay: 1_000_000_000,
    },
    sharedState ? { sharedState } : {},
  );
  // DETECTORS_FEED=off (this bench server only): the detectors leave the call-record feed, so the
  // serving thread builds and hands over no records — the other side of the comparison in
  // docs/performance.md item 36.
  if (process.env.DETECTORS_FEED === 'off') system.services.detectors.engine.unsubscribe();
  await system.app.listen({ port: 0, host: '127.0.0.1' });
  usageRows = async () =>
    Number(
      (await sql<{ n: number }>`select count(*) as n from gateway_usage`.execute(system.database.db)).rows[0]
        .n,
    );
  stop = async () => {
    await system.app.close();
    await system.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return {
    port: (system.app.server.address() as AddressInfo).port,
    method: 'POST',
    path: `/${config.gatewayProvider}/sandbox/path-1`,
    headers: {
      'content-type': 'application/json',
      accept: 'application/json',
      'x-ibm-client-id': app.clientId,
      authorization: `Bearer ${app.token}`,
    },
    body: JSON.stringify(ibftBody({ AccountNumberFrom: '9990000000001002' })),
  };
}

// BENCH_PROFILE=dir: a V8 CPU profile of the measured run only (between the two 'cpu' messages).
const profileDir = process.env.BENCH_PROFILE;
let session: import('node:inspector/promises').Session | undefined;
async function profile(): Promise<void> {
  if (!profileDir) return;
  const { Session } = await import('node:inspector/promises');
  if (!session) {
    session = new Session();
    session.connect();
    await session.post('Profiler.enable');
    await session.post('Profiler.start');
    return;
  }
  const { profile: p } = await session.post('Profiler.stop');
  const { writeFileSync, mkdirSync } = await import('node:fs');
  mkdirSync(profileDir, { recursive: true });
  writeFileSync(join(profileDir, `${kind}-${process.pid}.cpuprofile`), JSON.stringify(p));
}

process.on('message', (m: unknown) => {
  if (m === 'cpu') {
    const cpu = process.cpuUsage();
    // The serving thread's own share (this thread; the workers' CPU is the rest of `cpu`).
    const main = process.threadCpuUsage();
    void profile().then(() => send({ cpu, main }));
  }
  if (m === 'usage') {
    void usageRows().then((rows) => send({ usage: rows }));
  }
  if (m === 'stop') {
    void stop()
      .catch(() => {})
      .finally(() => process.exit(0));
  }
});

try {
  const ready = kind === 'raw' ? await raw() : await gateway();
  send({ ready });
} catch (err) {
  send({ error: (err as Error).stack ?? String(err) });
  process.exit(1);
}

import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuUsage, hrtime } from 'node:process';
import { parseArgs } from 'node:util';
import { MessageChannel, Worker } from 'node:worker_threads';
import { loadConfig } from '../src/config.ts';
import { detectorsBenchEngine } from '../src/modules/detectors/index.ts';
import type { CallRecord } from '../src/modules/gateway/index.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { systemWithApp } from '../test/gateway-fixture.ts';
import { recordAt } from './detectors-records.ts';
import { pickGenerator } from './load-generators.ts';

/**
 * Detector throughput, two ways.
 *
 * `--mode alone` (default): how many call records per second the detectors evaluate on one core,
 * against the gateway's peak on the same machine (`--peak`, req/s). The records are a busy
 * sandbox's mix (detectors-records.ts), every detector on with its defaults, findings counted, not
 * reported: the detectors' own work per record, through the engine's queue and slices (batches of 50),
 * on the calling thread.
 *
 * `--mode serve`: the gateway and the detectors in one embedded serve on the same cores (issue 30
 * item 4). This process runs the whole system (role gateway, SQLite in a temp dir, memory state,
 * the detectors subscribed to the call-record feed, their engine in its worker thread) and wrk (or
 * autocannon) drives the sandbox title fetch, 50 connections:
 *   1. the gateway alone for `--duration` s: its peak (req/s) with the detectors evaluating every call;
 *   2. the same again while a feeder thread posts synthetic records straight to the detectors'
 *      worker at `--times` x step 1's peak (2: the issue's target): do the detectors keep up
 *      (records/s evaluated, shed, lag) while the gateway serves on the same cores?
 *   3. the same with the feeder `--window` records ahead of what the worker has evaluated (it
 *      never waits): the most records per second the detectors evaluate while the gateway serves.
 *
 *   node bench/detectors.ts [--mode alone|serve] [--records 1000000] [--peak 40000]
 *                           [--duration 10] [--window 20000] [--times 2]
 */
const { values: args } = parseArgs({
  options: {
    mode: { type: 'string', default: 'alone' },
    records: { type: 'string', default: '1000000' },
    peak: { type: 'string', default: '40000' },
    duration: { type: 'string', default: '10' },
    window: { type: 'string', default: '20000' },
    times: { type: 'string', default: '2' },
  },
});

async function alone(): Promise<void> {
  const total = Number(args.records);
  const peak = Number(args.peak);
  const batches: CallRecord[][] = [];
  const t0 = 1_800_000_000_000;
  for (let i = 0; i < total; i += 50)
    batches.push(
      Array.from({ length: Math.min(50, total - i) }, (_, k) =>
        recordAt(i + k, t0 + Math.floor(((i + k) * 1000) / peak)),
      ),
    );
  const engine = detectorsBenchEngine();
  const cpu0 = cpuUsage();
  const w0 = hrtime.bigint();
  for (const b of batches) engine.offerCalls(b);
  await engine.idle();
  const wallS = Number(hrtime.bigint() - w0) / 1e9;
  const cpu = cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const stats = engine.stats();
  const perS = stats.processed / cpuS;
  console.log(
    `detectors: ${stats.processed} records (${stats.shed} shed), ${engine.findings()} findings; ` +
      `${Math.round(perS).toLocaleString('en')} records/s of CPU (${((cpuS * 1e6) / stats.processed).toFixed(2)} µs per record), ` +
      `wall ${wallS.toFixed(2)} s; gateway peak ${peak.toLocaleString('en')} req/s → ${(perS / peak).toFixed(1)}× the peak`,
  );
}

async function serve(): Promise<void> {
  const duration = Number(args.duration);
  const feedWindow = Number(args.window);
  const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-bench-detectors-'));
  const config = loadConfig({
    NODE_ENV: 'production',
    LOG_LEVEL: 'warn',
    DATA_DIR: dataDir,
    ROLE: 'gateway',
    PUBLIC_URL: 'http://127.0.0.1:3000',
  });
  const { system, app } = await systemWithApp(config, {
    name: 'Benchmark plan',
    rateLimits: [
      { period: 'second', limit: 1_000_000 },
      { period: 'hour', limit: 1_000_000_000 },
    ],
    quotaDay: 1_000_000_000,
  });
  const engine = system.services.detectors.engine;
  try {
    await system.app.listen({ port: 0, host: '127.0.0.1' });
    const generator = pickGenerator('auto');
    const target = {
      url: `http://127.0.0.1:${(system.app.server.address() as AddressInfo).port}/${config.gatewayProvider}/sandbox/path-1`,
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'x-ibm-client-id': app.clientId,
        authorization: `Bearer ${app.token}`,
      },
      body: JSON.stringify(ibftBody({ AccountNumberFrom: '9990000000001002' })),
      connections: 50,
    };
    console.error(`detectors (serve): ${generator.describe}, warm-up 3 s …`);
    await generator.run({ ...target, duration: 3 });
    await engine.idle();

    // 1. The gateway at its peak, the detectors evaluating every call.
    const a0 = engine.stats();
    const peak = await generator.run({ ...target, duration });
    const aEnd = engine.stats();
    await engine.idle();
    const a1 = engine.stats();

    const n = (x: number) => Math.round(x).toLocaleString('en');
    console.log(
      `1. gateway with the detectors subscribed: ${n(peak.rps)} req/s (${peak.non2xx} non-2xx, ${peak.errors} errors); ` +
        `detectors evaluated ${n(a1.processed - a0.processed)} records for ${n(peak.total)} calls, ` +
        `${a1.shed - a0.shed} shed, ${aEnd.queued} waiting and ${aEnd.lagMs} ms lag at the end of the run`,
    );

    // 2. and 3. The same, with the detectors' worker also fed synthetic records by a feeder thread:
    // at `--times` x step 1's peak (do they keep up?), then as many as it takes (how many can they?).
    for (const [label, rate] of [
      [`2. synthetic records at ${args.times}x the peak`, Number(args.times) * peak.rps],
      ['3. synthetic records, as many as the detectors take', 0],
    ] as const) {
      await engine.idle();
      const { port1, port2 } = new MessageChannel();
      const counters = engine.attachFeeder(port2);
      const feeder = new Worker(new URL('./detectors-feeder.ts', import.meta.url), {
        workerData: { port: port1, counters, window: feedWindow, rate },
        transferList: [port1],
      });
      const b0 = engine.stats();
      const w0 = hrtime.bigint();
      const loaded = await generator.run({ ...target, duration });
      const b1 = engine.stats();
      const wallS = Number(hrtime.bigint() - w0) / 1e9;
      const fed = await new Promise<{ offered: number; held: number }>((r) => {
        feeder.once('message', r);
        feeder.postMessage('stop');
      });
      await feeder.terminate();
      const perS = (b1.processed - b0.processed) / wallS;
      console.log(
        `${label}: gateway ${n(loaded.rps)} req/s; detectors evaluated ${n(perS)} records/s ` +
          `(${n(b1.processed - b0.processed)} in ${wallS.toFixed(1)} s; feeder offered ${n(fed.offered)}` +
          `${fed.held ? `, held back ${n(fed.held)}` : ''}; ${n(b1.shed - b0.shed)} shed, ${n(b1.queued)} waiting, ` +
          `${n(b1.lagMs)} ms lag at the end) -> ${(perS / peak.rps).toFixed(1)}x step 1's peak, on the same cores`,
      );
    }
  } finally {
    await system.app.close();
    await system.shutdown();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (args.mode === 'serve') await serve();
else if (args.mode === 'alone') await alone();
else throw new Error('--mode takes alone or serve');

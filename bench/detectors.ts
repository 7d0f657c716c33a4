import { cpuUsage, hrtime } from 'node:process';
import { parseArgs } from 'node:util';
import { detectorsBenchEngine } from '../src/modules/detectors/index.ts';
import type { CallRecord } from '../src/modules/gateway/index.ts';

/**
 * Detector throughput: how many call records per second the detectors evaluate on one core,
 * against the gateway's peak on the same machine (`--peak`, req/s; default the fifth machine's
 * measured 40 000 in docs/performance.md). The records are a mix like a busy sandbox's: most
 * calls answered from ~2 000 apps over ~500 networks, a few refused (401, 404, 429, 503), a few
 * with probe signatures and flagged live data; every detector on with its default thresholds.
 * Findings are counted, not reported (no database): this is the detectors' own work per record,
 * through the engine's queue and slices as the feed delivers them (batches of 50).
 *
 *   node bench/detectors.ts [--records 1000000] [--peak 40000]
 */
const { values: args } = parseArgs({
  options: { records: { type: 'string', default: '1000000' }, peak: { type: 'string', default: '40000' } },
});
const total = Number(args.records);
const peak = Number(args.peak);

function recordAt(i: number, atMs: number): CallRecord {
  const app = i % 2_000;
  const odd = i % 97;
  return {
    atMs,
    requestId: `req_bench_${i}`,
    operationId: i % 3 === 0 ? 'billInquiry' : 'ibftTitleFetch',
    productSlug: i % 3 === 0 ? 'bills' : 'ibft',
    catalog: 'sandbox',
    method: 'POST',
    path: '/1link/sandbox/path-1',
    probe: odd === 13 ? 'sql' : null,
    status: odd === 1 ? 401 : odd === 2 ? 404 : odd === 3 ? 429 : odd === 4 ? 503 : 200,
    errorCode:
      odd === 1
        ? 'gateway_invalid_token'
        : odd === 3
          ? 'rate_limited'
          : odd === 4
            ? 'gateway_overloaded'
            : null,
    networkCode: odd <= 4 ? null : odd === 5 ? '02' : '00',
    refs:
      i % 3 === 0
        ? { companyCode: 'LESCO', consumerNo: String(10_000 + (i % 5_000)) }
        : { accountTo: String(1e15 + (i % 7_000)) },
    shape: {
      bytesIn: 420,
      bytesOut: 510,
      idempotencyKey: false,
      endUser: false,
      query: false,
      bodyRefused: odd === 6,
    },
    client: { orgId: `org_${app % 700}`, appId: odd === 1 ? null : `app_${app}`, clientId: `cid_${app}` },
    source: {
      ip: `10.${app % 250}.${(app >> 3) % 2}.${(i % 200) + 1}`,
      userAgent: odd === 7 ? 'curl' : 'sdk',
    },
    latencyUs: 900,
    replayed: false,
    liveDataSuspected: odd === 8,
  };
}

const batches: CallRecord[][] = [];
const t0 = 1_800_000_000_000;
for (let i = 0; i < total; i += 50)
  batches.push(
    Array.from({ length: Math.min(50, total - i) }, (_, k) =>
      recordAt(i + k, t0 + Math.floor(((i + k) * 1000) / peak)),
    ),
  );

const { engine, findings } = detectorsBenchEngine(() => t0);
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
  `detectors: ${stats.processed} records (${stats.shed} shed), ${findings()} findings; ` +
    `${Math.round(perS).toLocaleString('en')} records/s of CPU (${((cpuS * 1e6) / stats.processed).toFixed(2)} µs per record), ` +
    `wall ${wallS.toFixed(2)} s; gateway peak ${peak.toLocaleString('en')} req/s → ${(perS / peak).toFixed(1)}× the peak`,
);

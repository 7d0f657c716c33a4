import type { CallRecord } from '../src/modules/gateway/index.ts';

/**
 * The records bench/detectors.ts feeds the detectors: a mix like a busy sandbox's — most calls
 * answered, from ~2 000 apps over ~500 networks, a few refused (401, 404, 429, 503), a few with
 * probe signatures and flagged live data. `i` numbers the record, `atMs` is its time.
 */
export function recordAt(i: number, atMs: number): CallRecord {
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
    client: {
      orgId: `org_${app % 700}`,
      appId: odd === 1 ? null : `app_${app}`,
      clientId: `cid_${app}`,
      tokenNetwork: null,
    },
    source: {
      ip: `10.${app % 250}.${(app >> 3) % 2}.${(i % 200) + 1}`,
      userAgent: odd === 7 ? 'curl' : 'sdk',
    },
    latencyUs: 900,
    replayed: false,
    liveDataSuspected: odd === 8,
  };
}

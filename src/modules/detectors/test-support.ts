import type { ClassedCallRecord as CallRecord } from '../gateway/index.ts';
import type { Detector, Finding, Signal, Thresholds } from './detector.ts';

let seq = 0;
/** A call record as the gateway's feed delivers it, answered 200 '00' unless overridden. */
export function call(
  o: Partial<Omit<CallRecord, 'client' | 'source' | 'shape'>> & {
    client?: Partial<CallRecord['client']>;
    source?: Partial<CallRecord['source']>;
    shape?: Partial<CallRecord['shape']>;
  } = {},
): CallRecord {
  const { client, source, shape, ...rest } = o;
  return {
    atMs: 1_800_000_000_000,
    requestId: `req_t${++seq}`,
    operationId: 'ibftTitleFetch',
    productSlug: 'ibft',
    catalog: 'sandbox',
    method: 'POST',
    path: '/1link/sandbox/path-1',
    probe: null,
    status: 200,
    errorCode: null,
    networkCode: '00',
    refs: {},
    latencyUs: 900,
    replayed: false,
    liveDataSuspected: false,
    ...rest,
    shape: {
      bytesIn: 300,
      bytesOut: 400,
      idempotencyKey: false,
      endUser: false,
      query: false,
      bodyRefused: false,
      ...shape,
    },
    client: { orgId: 'org_a', appId: 'app_a', clientId: 'cid_a', tokenNetwork: null, ...client },
    source: { ip: '127.0.0.1', userAgent: 'sdk', ...source },
  };
}

/** Runs one detector's observer over signals with its defaults overridden by `t`; answers its findings. */
export function run(d: Detector, signals: Iterable<Signal>, t: Partial<Thresholds> = {}): Finding[] {
  const observe = d.create();
  const out: Finding[] = [];
  const thresholds = { ...d.defaults, ...t } as Thresholds;
  for (const s of signals) observe(s, thresholds, (f) => out.push(f));
  return out;
}

/** `n` calls one `stepMs` apart, each shaped by `make(i)`. */
export function* calls(
  n: number,
  make: (i: number) => Parameters<typeof call>[0],
  stepMs = 100,
): Generator<Signal> {
  for (let i = 0; i < n; i++)
    yield { kind: 'call', r: call({ atMs: 1_800_000_000_000 + i * stepMs, ...make(i) }) };
}

import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../src/config.ts';
import { ibftBody } from '../src/modules/sandbox/test-support.ts';
import { systemWithApp } from '../test/gateway-fixture.ts';

/** In-process cost breakdown of one gateway call (CPU µs per call), for tuning. Not a benchmark. */
const dataDir = mkdtempSync(join(tmpdir(), 'darwaza-micro-'));
const config = loadConfig({ NODE_ENV: 'production', LOG_LEVEL: 'warn', DATA_DIR: dataDir, ROLE: 'gateway' });
const { system, app } = await systemWithApp(config, {
  name: 'Benchmark plan',
  rateLimits: [{ period: 'second', limit: 1_000_000 }],
});
const orgId = app.orgId;

const body = JSON.stringify(ibftBody({ AccountNumberFrom: '9990000000001002' }));
const headers = {
  'content-type': 'application/json',
  'x-ibm-client-id': app.clientId,
  authorization: `Bearer ${app.token}`,
};
async function time(name: string, n: number, f: () => Promise<unknown>) {
  for (let i = 0; i < 300; i++) await f();
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) await f();
  const c = process.cpuUsage(c0);
  console.log(`${name.padEnd(34)} ${((c.user + c.system) / n).toFixed(1)} µs`);
}
const op = system.services.sandbox.operations.find((o) => o.operationId === 'ibftTitleFetch')!;
const parsed = JSON.parse(body);
await time('sandbox op.handle', 3000, () =>
  op.handle({
    orgId,
    appId: app.appId,
    appPublicKeyPem: null,
    body: parsed,
    query: {},
    headers: {},
    requestId: 'r',
    nowMs: Date.now(),
  }),
);
await time('inject GET /healthz (fastify+hooks)', 3000, () =>
  system.app.inject({ method: 'GET', url: '/healthz' }),
);
await time('inject gateway title fetch', 3000, () =>
  system.app.inject({ method: 'POST', url: '/darwaza/sandbox/path-1', headers, payload: body }),
);
const gw = system.services.gateway!;
const input = {
  method: 'POST',
  url: '/darwaza/sandbox/path-1',
  headers,
  body: parsed,
  query: {},
  ip: '127.0.0.1',
  requestId: 'req_micro_000001',
  bytesIn: body.length,
};
await time('gateway.call (pipeline+op, no HTTP)', 5000, () => gw.call(op, 'sandbox', input));
const noop = { ...op, handle: async () => ({ status: 200, body: { ResponseCode: '00' } }) };
await time('gateway.call with a no-op handler', 5000, () => gw.call(noop, 'sandbox', input));
await time('JSON.parse of the request body', 5000, async () => JSON.parse(body));
await gw.recorder.flush();
const { maskedJson } = await import('../src/modules/gateway/masking.ts');
const resp = (
  await system.app.inject({ method: 'POST', url: '/darwaza/sandbox/path-1', headers, payload: body })
).body;
await time('maskedJson request+response', 3000, async () => {
  maskedJson(parsed);
  maskedJson(resp);
});
const rec = {
  atMs: Date.now(),
  orgId,
  appId: app.appId,
  productSlug: 'ibft',
  operationId: 'x',
  catalog: 'sandbox',
  method: 'POST',
  path: '/p',
  status: 200,
  errorCode: null,
  networkCode: '00',
  latencyUs: 100,
  clientIp: '127.0.0.1',
  endUserHash: 'h',
  requestId: 'req_x',
  bytesIn: 1,
  bytesOut: 1,
  replayed: false,
  liveDataSuspected: false,
  requestHeaders: headers,
  requestBody: parsed,
  responseBody: resp,
};
// The first flush starts the usage worker thread; keep that out of the figures below (which count
// every thread's CPU: the hand-over on this thread and the INSERTs on the worker).
gw.recorder.record({ ...rec, requestId: 'req_warm' });
await gw.recorder.flush();
for (const n of [100, 1000]) {
  for (let i = 0; i < n; i++) gw.recorder.record({ ...rec, requestId: `req_${i}` });
  const c0 = process.cpuUsage();
  await gw.recorder.flush();
  const c = process.cpuUsage(c0);
  console.log(`${`usage flush per record (${n})`.padEnd(34)} ${((c.user + c.system) / n).toFixed(1)} µs`);
}
await system.app.close();
await system.shutdown();

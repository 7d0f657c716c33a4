import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { usageRecord } from './testing.ts';
import { BatchBuilder, decodeBatch, encodeBatch, releaseBatch } from './usage-codec.ts';
import type { UsageRecord } from './usage-writer.ts';

const record = usageRecord;
/** A decoded record without the row id the decoder adds. */
const withoutId = ({ id: _, ...r }: UsageRecord) => r;

test('a batch decodes to the records encoded: nulls, empty strings, flags, bodies', () => {
  const batch = [
    record(0),
    record(1, {
      bodiesSkipped: false,
      requestHeaders: { 'content-type': 'application/json', 'x-multi': ['a', 'b'] },
      requestBody: { AccountNumberTo: '9990000000001001', nested: { a: [1, 2] } },
      responseBody: '{"ResponseCode":"00"}',
    }),
    record(2, {
      orgId: null,
      appId: null,
      productSlug: null,
      operationId: null,
      status: 401,
      errorCode: 'gateway_invalid_token',
      networkCode: null,
      endUserHash: null,
      clientIp: '',
      replayed: true,
      liveDataSuspected: true,
      bodiesSkipped: false,
      requestHeaders: null,
      responseBody: 'x',
    }),
    record(3, { path: '/with/ünïcode?q=1', latencyUs: 0.1 + 0.2 }),
    record(4, { latencyUs: 0 }),
  ];
  const normal = (r: UsageRecord) => ({ ...withoutId(r), bodiesSkipped: r.bodiesSkipped === true });
  const enc = encodeBatch(batch);
  // What crosses the thread boundary: structured-clone it as postMessage would.
  const decoded = decodeBatch(structuredClone(enc));
  // Latency comes back in whole microseconds (what the usage table stores); the rest exactly.
  assert.deepEqual(
    decoded.map(normal),
    batch.map((r) => normal({ ...r, latencyUs: Math.round(r.latencyUs) })),
  );
  assert.equal(decoded[0].latencyUs, 124);
  assert.equal(enc.bodies.length, 2);
});

test('row ids: one per record, unique, the same every time the batch is decoded', () => {
  const batch = Array.from({ length: 300 }, (_, i) => record(i, { atMs: 1_800_000_000_000 + (i >> 3) }));
  const enc = encodeBatch(batch);
  const ids = decodeBatch(structuredClone(enc)).map((r) => r.id);
  assert.equal(new Set(ids).size, 300);
  assert.deepEqual([...ids].sort(), ids, 'in time order, then position');
  assert.deepEqual(
    decodeBatch(structuredClone(enc)).map((r) => r.id),
    ids,
  );
  const other = decodeBatch(encodeBatch(batch)).map((r) => r.id);
  assert.equal(other.filter((id) => ids.includes(id)).length, 0, 'another chunk, other ids');
});

test('an empty batch stays empty', () => {
  assert.deepEqual(decodeBatch(encodeBatch([])), []);
});

test('repeated, changing and null text fields round-trip in any order (property)', () => {
  const pick = <T>(xs: T[]) => fc.constantFrom(...xs);
  const rec = fc.record({
    orgId: pick([null, 'org_a', 'org_b', '0']),
    appId: pick([null, 'app_a', '']),
    path: pick(['/a', '/b?x=1']),
    errorCode: pick([null, 'rate_limited']),
    networkCode: pick([null, '00', '0']),
    clientIp: pick(['127.0.0.1', '::1', '']),
    endUserHash: pick([null, 'h1', 'h2']),
    status: pick([200, 0, 429]),
    latencyUs: fc.double({ min: 0, max: 1e6, noNaN: true }),
  });
  fc.assert(
    fc.property(fc.array(rec, { maxLength: 30 }), (parts) => {
      const batch = parts.map((p, i) => record(i, p));
      const decoded = decodeBatch(structuredClone(encodeBatch(batch)));
      assert.deepEqual(
        decoded.map((r) => ({ ...withoutId(r), bodiesSkipped: true })),
        batch.map((r) => ({ ...r, latencyUs: Math.round(r.latencyUs), bodiesSkipped: true })),
      );
    }),
    { numRuns: 500 },
  );
});

test('long and non-ASCII text grows the buffer and round-trips; large numbers stay exact', () => {
  const long = 'é€😀'.repeat(3000); // 2-, 3- and 4-byte UTF-8, far past the first buffer
  const batch = [
    record(0, { path: `/${long}`, errorCode: long, atMs: 8.64e15, bytesIn: 2 ** 40, bytesOut: 0 }),
    record(1, { clientIp: '::ffff:10.0.0.1', endUserHash: '' }),
    record(2, { path: '/x', latencyUs: 4e9 }),
  ];
  const decoded = decodeBatch(structuredClone(encodeBatch(batch)));
  assert.deepEqual(
    decoded.map((r) => ({ ...withoutId(r), bodiesSkipped: true })),
    batch.map((r) => ({ ...r, latencyUs: Math.round(r.latencyUs), bodiesSkipped: true })),
  );
});

test('a truncated or corrupt batch is refused, not decoded into wrong records', () => {
  const enc = encodeBatch([record(0), record(1)]);
  assert.throws(
    () => decodeBatch({ ...enc, data: enc.data.subarray(0, enc.data.length - 3) }),
    /usage batch/,
  );
  const bad = Uint8Array.from(enc.data);
  bad[41] = 7; // the first text tag
  assert.throws(() => decodeBatch({ ...enc, data: bad }), /usage batch/);
});

test('a released batch buffer is reused by the next chunk, which encodes its own records', () => {
  const a = new BatchBuilder(10);
  a.add(record(0));
  const first = a.encode();
  const memory = first.data.buffer;
  releaseBatch(first);
  assert.equal(first.count, 0);
  const b = new BatchBuilder(10);
  b.add(record(7, { requestId: 'req_after_reuse' }));
  const second = b.encode();
  assert.equal(second.data.buffer, memory);
  assert.deepEqual(
    decodeBatch(second).map((r) => r.requestId),
    ['req_after_reuse'],
  );
});

test('a text field left undefined (outside the types) is stored as null instead of failing the call', () => {
  const r = record(0, { clientIp: undefined as unknown as string });
  for (const batch of [
    [r, record(1)],
    [record(1), r],
  ]) {
    const back = decodeBatch(encodeBatch(batch)).find((x) => x.requestId === 'req_0');
    assert.equal(back?.clientIp, null);
  }
});

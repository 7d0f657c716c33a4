import type { UsageRecord } from './usage-writer.ts';

/**
 * How usage records are held until they are written, and how they cross to the usage worker
 * thread. A record is not kept as an object: its fixed fields are appended to one flat array of
 * values per chunk (`BatchBuilder`). Kept as objects, records buffered for a flush interval lived
 * long enough to be promoted to V8's old generation (measured: ~60 % of what a gateway call left
 * there), so they were copied by two scavenges and then needed major GCs; one array per chunk is
 * one object to copy and is dropped once encoded. `postMessage` copies with the structured-clone
 * algorithm, which writes every object's property names again for every record (~0.45–0.65 µs per
 * record for 250 records of 20 fields); encoded, a chunk's values are one JSON array (no names;
 * JSON numbers round-trip exactly) sent as one string, plus the few records whose bodies the
 * request log keeps, cloned as before. `decodeBatch` gives back records equal to the ones added,
 * with the latency in whole microseconds as the usage table stores it (usage-codec.test.ts).
 */
export type EncodedBatch = {
  /** JSON of WIDTH values per record, in the order of `BatchBuilder.add` (one string to copy). */
  values: string;
  /** Records in the batch. */
  count: number;
  /** [record index, request headers, request body, response body] for records with bodies. */
  bodies: Array<[number, UsageRecord['requestHeaders'], unknown, unknown]>;
};

const WIDTH = 19;

/** One chunk of records being collected: their field values, flat, and the bodies kept. */
export class BatchBuilder {
  readonly #values: Array<string | number | null> = [];
  readonly #bodies: EncodedBatch['bodies'] = [];
  /** The record added last: text fields equal to its own are written as SAME. */
  #prev: UsageRecord | undefined;
  count = 0;

  add(rec: UsageRecord): void {
    // Named reads, one per field (a loop over field names would be a slow keyed read). Latency is
    // kept in whole microseconds, as the usage table stores it (a short integer encodes faster).
    // Text fields that repeat from one call to the next (the same organisation, app, operation,
    // connection) are written as SAME: a one-digit number instead of the text to escape and copy.
    const p = this.#prev ?? EMPTY;
    this.#values.push(
      rec.atMs,
      rec.orgId === p.orgId ? SAME : rec.orgId,
      rec.appId === p.appId ? SAME : rec.appId,
      rec.productSlug === p.productSlug ? SAME : rec.productSlug,
      rec.operationId === p.operationId ? SAME : rec.operationId,
      rec.catalog === p.catalog ? SAME : rec.catalog,
      rec.method === p.method ? SAME : rec.method,
      rec.path === p.path ? SAME : rec.path,
      rec.status,
      rec.errorCode === p.errorCode ? SAME : rec.errorCode,
      rec.networkCode === p.networkCode ? SAME : rec.networkCode,
      Math.round(rec.latencyUs),
      rec.clientIp === p.clientIp ? SAME : rec.clientIp,
      rec.endUserHash === p.endUserHash ? SAME : rec.endUserHash,
      rec.requestId,
      rec.bytesIn,
      rec.bytesOut,
      rec.replayed ? 1 : 0,
      rec.liveDataSuspected ? 1 : 0,
    );
    if (!rec.bodiesSkipped) {
      this.#bodies.push([this.count, rec.requestHeaders, rec.requestBody, rec.responseBody]);
    }
    this.#prev = rec;
    this.count++;
  }

  encode(): EncodedBatch {
    return { values: JSON.stringify(this.#values), count: this.count, bodies: this.#bodies };
  }
}

/** "Same text as the record before" (a number never stands for a text field otherwise). */
const SAME = 0;
/** What the first record of a chunk is compared with: no field matches (all are undefined). */
const EMPTY = {} as UsageRecord;

export function encodeBatch(batch: UsageRecord[]): EncodedBatch {
  const b = new BatchBuilder();
  for (const r of batch) b.add(r);
  return b.encode();
}

export function decodeBatch(enc: EncodedBatch): UsageRecord[] {
  const v = JSON.parse(enc.values) as Array<string | number | null>;
  const n = v.length / WIDTH;
  const out: UsageRecord[] = new Array(n);
  const num = (x: string | number | null) => x as number;
  let prev = EMPTY;
  // A text field is its text, null, or SAME (the previous record's value).
  const text = (x: string | number | null, before: string | null): string | null =>
    x === SAME ? before : (x as string | null);
  for (let r = 0, at = 0; r < n; r++, at += WIDTH) {
    const rec: UsageRecord = {
      atMs: num(v[at]),
      orgId: text(v[at + 1], prev.orgId),
      appId: text(v[at + 2], prev.appId),
      productSlug: text(v[at + 3], prev.productSlug),
      operationId: text(v[at + 4], prev.operationId),
      catalog: text(v[at + 5], prev.catalog) as string,
      method: text(v[at + 6], prev.method) as string,
      path: text(v[at + 7], prev.path) as string,
      status: num(v[at + 8]),
      errorCode: text(v[at + 9], prev.errorCode),
      networkCode: text(v[at + 10], prev.networkCode),
      latencyUs: num(v[at + 11]),
      clientIp: text(v[at + 12], prev.clientIp) as string,
      endUserHash: text(v[at + 13], prev.endUserHash),
      requestId: v[at + 14] as string,
      bytesIn: num(v[at + 15]),
      bytesOut: num(v[at + 16]),
      replayed: v[at + 17] === 1,
      liveDataSuspected: v[at + 18] === 1,
      requestHeaders: null,
      requestBody: undefined,
      responseBody: null,
      bodiesSkipped: true,
    };
    out[r] = rec;
    prev = rec;
  }
  for (const [r, headers, requestBody, responseBody] of enc.bodies) {
    const rec = out[r];
    rec.requestHeaders = headers;
    rec.requestBody = requestBody;
    rec.responseBody = responseBody;
    rec.bodiesSkipped = false;
  }
  return out;
}

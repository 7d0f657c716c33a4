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
 * request log keeps, cloned as before. `decodeBatch` gives back records equal to the ones added
 * (usage-codec.test.ts).
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
  count = 0;

  add(rec: UsageRecord): void {
    // Named reads, one per field (a loop over field names would be a slow keyed read). Latency is
    // kept in whole microseconds, as the usage table stores it (a short integer encodes faster).
    this.#values.push(
      rec.atMs,
      rec.orgId,
      rec.appId,
      rec.productSlug,
      rec.operationId,
      rec.catalog,
      rec.method,
      rec.path,
      rec.status,
      rec.errorCode,
      rec.networkCode,
      Math.round(rec.latencyUs),
      rec.clientIp,
      rec.endUserHash,
      rec.requestId,
      rec.bytesIn,
      rec.bytesOut,
      rec.replayed ? 1 : 0,
      rec.liveDataSuspected ? 1 : 0,
    );
    if (!rec.bodiesSkipped) {
      this.#bodies.push([this.count, rec.requestHeaders, rec.requestBody, rec.responseBody]);
    }
    this.count++;
  }

  encode(): EncodedBatch {
    return { values: JSON.stringify(this.#values), count: this.count, bodies: this.#bodies };
  }
}

export function encodeBatch(batch: UsageRecord[]): EncodedBatch {
  const b = new BatchBuilder();
  for (const r of batch) b.add(r);
  return b.encode();
}

export function decodeBatch(enc: EncodedBatch): UsageRecord[] {
  const v = JSON.parse(enc.values) as Array<string | number | null>;
  const n = v.length / WIDTH;
  const out: UsageRecord[] = new Array(n);
  const str = (x: string | number | null) => x as string;
  const opt = (x: string | number | null) => x as string | null;
  const num = (x: string | number | null) => x as number;
  for (let r = 0, at = 0; r < n; r++, at += WIDTH) {
    out[r] = {
      atMs: num(v[at]),
      orgId: opt(v[at + 1]),
      appId: opt(v[at + 2]),
      productSlug: opt(v[at + 3]),
      operationId: opt(v[at + 4]),
      catalog: str(v[at + 5]),
      method: str(v[at + 6]),
      path: str(v[at + 7]),
      status: num(v[at + 8]),
      errorCode: opt(v[at + 9]),
      networkCode: opt(v[at + 10]),
      latencyUs: num(v[at + 11]),
      clientIp: str(v[at + 12]),
      endUserHash: opt(v[at + 13]),
      requestId: str(v[at + 14]),
      bytesIn: num(v[at + 15]),
      bytesOut: num(v[at + 16]),
      replayed: v[at + 17] === 1,
      liveDataSuspected: v[at + 18] === 1,
      requestHeaders: null,
      requestBody: undefined,
      responseBody: null,
      bodiesSkipped: true,
    };
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

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { CallRecord, ClassedCallRecord } from '../gateway/index.ts';
import { probeClassOf, userAgentClassOf } from './call-classes.ts';
import { decodeCalls, encodeCalls } from './engine-wire.ts';
import { call } from './test-support.ts';

/** Every member required, at every depth: a field added to CallRecord must be added below. */
type Full<T> = { [K in keyof T]-?: T[K] extends object ? Full<T[K]> : Exclude<T[K], undefined> };

describe('detector engine wire', () => {
  it('a fully populated record is equal to itself after the hand-over (no field left behind)', () => {
    const full: Full<ClassedCallRecord> = {
      ...call(),
      probe: 'traversal',
      status: 429,
      errorCode: 'rate_limited',
      networkCode: null,
      refs: {
        stan: '1',
        rrn: '2',
        authId: '3',
        companyCode: '4',
        consumerNo: '5',
        accountTo: '6',
        referenceNo: '7',
        rtpId: '8',
        originalRrn: '9',
        originalStan: '10',
        originalAuthId: '11',
        qrInitiation: '12',
      },
      shape: {
        bytesIn: 1,
        bytesOut: 2,
        idempotencyKey: true,
        endUser: true,
        query: true,
        bodyRefused: true,
        signed: false,
      },
      client: { orgId: null, appId: null, clientId: 'cid_x', tokenNetwork: '10.1.2' },
      source: { ip: '::1', userAgent: 'scanner' },
      replayed: true,
      liveDataSuspected: true,
    };
    const sparse = call({ refs: { accountTo: '1234' } });
    const v = encodeCalls([full, sparse]);
    assert.equal(v.n, 2);
    assert.deepEqual(decodeCalls(structuredClone(v, { transfer: [v.buf] })), [full, sparse]);
    assert.deepEqual(decodeCalls(encodeCalls([])), []);
  });

  it('a feed record travels with its raw inputs and arrives classed, without them', () => {
    const { probe: _p, source: _s, ...bare } = call();
    const fed: CallRecord = {
      ...bare,
      source: { ip: '10.1.2.3' },
      inputs: { query: '?file=../../etc/passwd', bodyHead: '{"a":1}', userAgent: 'k6/0.49.0' },
    };
    const [got] = decodeCalls(structuredClone(encodeCalls([fed])));
    assert.deepEqual(got, {
      ...bare,
      probe: 'traversal',
      source: { ip: '10.1.2.3', userAgent: 'load_tool' },
    });
    const [quiet] = decodeCalls(
      encodeCalls([{ ...fed, inputs: { query: '', bodyHead: '', userAgent: null } }]),
    );
    assert.equal(quiet.probe, null);
    assert.equal(quiet.source.userAgent, 'none');
  });

  it('any batch round-trips: any text (NUL, separators, non-Latin-1), null, absent and repeated values', () => {
    // Few distinct values, so neighbouring records share many (the wire's "same as before" slot).
    const text = fc.oneof(
      fc.constantFrom('', 'a', '\u0000', 'ß', '\u{1F600}', 'org_a'),
      fc.string({ unit: 'binary' }),
    );
    const opt = fc.option(text, { nil: null });
    const record = fc.record({
      requestId: text,
      operationId: fc.constantFrom('ibftTitleFetch', 'ibftTransfer'),
      probe: fc.constantFrom(null, 'sql', 'traversal') as fc.Arbitrary<ClassedCallRecord['probe']>,
      errorCode: opt,
      networkCode: opt,
      path: text,
      orgId: opt,
      appId: opt,
      clientId: opt,
      tokenNetwork: opt,
      ip: text,
      status: fc.integer({ min: 100, max: 599 }),
      latencyUs: fc.nat(),
      signed: fc.option(fc.boolean(), { nil: undefined }),
      refs: fc.dictionary(fc.constantFrom('stan', 'rrn', 'accountTo', 'qrInitiation'), text),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 12 }), (rows) => {
        const batch = rows.map((x) =>
          call({
            requestId: x.requestId,
            operationId: x.operationId,
            probe: x.probe,
            errorCode: x.errorCode,
            networkCode: x.networkCode,
            path: x.path,
            status: x.status,
            latencyUs: x.latencyUs,
            refs: { ...x.refs },
            client: { orgId: x.orgId, appId: x.appId, clientId: x.clientId, tokenNetwork: x.tokenNetwork },
            source: { ip: x.ip },
            shape: x.signed === undefined ? {} : { signed: x.signed },
          }),
        );
        const v = encodeCalls(batch);
        assert.deepEqual(decodeCalls(structuredClone(v, { transfer: [v.buf] })), batch);
      }),
      { numRuns: 300 },
    );
  });

  it('feed records keep each body head with its own record, and any number of refs', () => {
    // Heads of different classes (and none): a head read for the wrong record changes its class.
    // Texts, and bytes as an entrance hands them over (any bytes: a cut character reads as U+FFFD).
    const text = fc.oneof(
      fc.constantFrom('', '{"a":1}', "x' or 1=1", '<script>', '{{7*7}}', '../../etc/passwd', 'ß\u0000'),
      fc.string({ unit: 'binary', maxLength: 40 }),
    );
    const head = fc.oneof(
      text,
      text.map((t) => Buffer.from(t)),
      fc.uint8Array({ maxLength: 40 }).map((b) => Buffer.from(b)),
    );
    const keys = ['stan', 'rrn', 'authId', 'companyCode', 'consumerNo', 'accountTo', 'referenceNo', 'rtpId'];
    const record = fc.record({
      bodyHead: head,
      query: fc.constantFrom('', '?q=1', '?f=..%2f..%2fetc%2fpasswd'),
      userAgent: fc.constantFrom(null, 'k6/0.49.0', 'curl/8.0', 'sqlmap/1.7'),
      refs: fc.dictionary(fc.constantFrom(...keys), fc.string({ minLength: 1, maxLength: 8 })),
    });
    fc.assert(
      fc.property(fc.array(record, { maxLength: 40 }), (rows) => {
        const batch: CallRecord[] = rows.map((x) => {
          const { probe: _p, source: _s, ...bare } = call({ refs: { ...x.refs } });
          return {
            ...bare,
            source: { ip: '10.1.2.3' },
            inputs: { query: x.query, bodyHead: x.bodyHead, userAgent: x.userAgent },
          };
        });
        const v = encodeCalls(batch);
        const got = decodeCalls(structuredClone(v, { transfer: [v.buf] }));
        assert.equal(got.length, rows.length);
        rows.forEach((x, i) => {
          assert.equal(got[i]!.probe, probeClassOf(batch[i]!.path + x.query, x.bodyHead.toString()));
          assert.equal(got[i]!.source.userAgent, userAgentClassOf(x.userAgent));
          assert.deepEqual(got[i]!.refs, { ...x.refs });
        });
      }),
      { numRuns: 300 },
    );
  });
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CallRecord, ClassedCallRecord } from '../gateway/index.ts';
import { callsIn, decodeCalls, encodeCalls, newestCalls } from './engine-wire.ts';
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
    const v = structuredClone(encodeCalls([full, sparse]));
    assert.deepEqual(decodeCalls(v), [full, sparse]);
    assert.equal(callsIn(v), 2);
    assert.deepEqual(decodeCalls(newestCalls(v, 1)), [sparse]);
    assert.deepEqual(newestCalls(v, 0), []);
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
});

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { gatewaySteps } from './steps.ts';

describe('gateway pipeline', () => {
  it('runs its steps in the documented order', () => {
    assert.deepEqual(
      gatewaySteps.map((s) => s.name),
      ['authenticate', 'entitle', 'limit', 'congestion', 'idempotency', 'dispatch', 'recordUsage'],
    );
  });
});

describe('dispatch step', () => {
  const dispatch = gatewaySteps[5];
  const answered = (result: Parameters<typeof dispatch>[2]) => {
    const s = { out: { status: 0, payload: '' } } as unknown as Parameters<typeof dispatch>[0];
    dispatch(s, {} as Parameters<typeof dispatch>[1], result);
    return s;
  };
  it('answers with the upstream JSON text as written, else the body serialised', () => {
    // Digits past a double's precision survive only in the text.
    const text = '{ "ResponseCode": "00", "Amount": 12345678901234567890.10 }';
    const s = answered({ status: 200, body: JSON.parse(text), bodyText: text, networkCode: '00' });
    assert.equal(s.out.payload, text);
    assert.equal(s.out.status, 200);
    assert.equal(s.networkCode, '00');
    assert.equal(answered({ status: 200, body: { a: 1 } }).out.payload, '{"a":1}');
    assert.equal(answered({ status: 502, body: undefined }).out.payload, 'null');
  });
});

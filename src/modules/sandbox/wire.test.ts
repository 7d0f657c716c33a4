import assert from 'node:assert/strict';
import { test } from 'node:test';
import { billInquiryRequest, billPaymentRequest, voidBillPaymentRequest } from './products/bill-schemas.ts';
import { ibftFundsTransferRequest, ibftTitleFetchRequest } from './products/ibft-schemas.ts';
import { compiledCheck, parseRequest, parseRequestWithZod } from './request-check.ts';
import { billBody, ibftBody } from './test-support.ts';
import { optionalField, requiredField, type WireRequest, wireRequest } from './wire-fields.ts';

/**
 * The handlers' compiled accept-only path (wire.ts `compileFieldCheck`, built from a request
 * schema's constraints) answers exactly as the zod schema does wherever it answers at all.
 */

/** A small deterministic generator, so a failure names a reproducible case. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 2 ** 32;
  };
}

const BAD_VALUES: unknown[] = [
  undefined,
  null,
  '',
  0,
  12,
  true,
  [],
  ['1'],
  {},
  { a: 'x' },
  { a: 1 },
  { a: 'y'.repeat(101) },
  Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])),
  'x',
  'ABC',
  '1234',
  '12345678901234567890',
  '9'.repeat(201),
  '1399999999',
  '0000000000',
  '586',
  '221166',
  '221166     ',
  'PK36SCBL0000001123456702',
  '0251 Family',
  '9999 unknown purpose',
  '123456\n',
  '12345 ',
  '١٢٣٤٥٦',
  '0000000000000',
  '1234567890123456789',
  '12345678901234567890123',
];

const BILL_REQUESTS = {
  billInquiry: billInquiryRequest,
  billPayment: billPaymentRequest,
  voidBillPayment: voidBillPaymentRequest,
};
const cases: Array<{ name: string; schema: WireRequest; body: () => Record<string, unknown> }> = [
  { name: 'IBFT title fetch', schema: ibftTitleFetchRequest, body: () => ibftBody() },
  { name: 'IBFT transfer', schema: ibftFundsTransferRequest, body: () => ibftBody() },
  ...Object.entries(BILL_REQUESTS).map(([op, schema]) => ({
    name: `1Bill ${op}`,
    schema,
    // Payment and void also carry an authorisation id and an amount.
    body: () =>
      billBody(
        op as never,
        op === 'billInquiry' ? {} : { AuthID: '123456', TransactionAmount: '000000150000' },
      ),
  })),
];

for (const c of cases) {
  test(`compiled field check agrees with the zod schema (${c.name})`, () => {
    const fast = compiledCheck(c.schema);
    // The documented example body takes the compiled path.
    const valid = c.body();
    const copy = () => ({ ...valid }); // values are replaced, never changed in place
    const ref = parseRequestWithZod(c.schema, valid);
    assert.equal(ref.ok, true, JSON.stringify(ref));
    assert.deepEqual(fast(valid), ref);
    const next = rng(c.name.length * 7919);
    const names = [...Object.keys(c.schema.shape), 'Unknown'];
    let fastTaken = 0;
    for (let i = 0; i < 3000; i++) {
      const body: Record<string, unknown> = copy();
      const changes = 1 + Math.floor(next() * 3);
      for (let k = 0; k < changes; k++) {
        const name = names[Math.floor(next() * names.length)];
        const v = BAD_VALUES[Math.floor(next() * BAD_VALUES.length)];
        if (v === undefined) delete body[name];
        else body[name] = v;
      }
      const expected = parseRequestWithZod(c.schema, body);
      const f = fast(body);
      if (f !== null) {
        fastTaken++;
        assert.deepEqual(f, expected, `case ${i}: ${JSON.stringify(body)}`);
      }
      assert.deepEqual(parseRequest(c.schema, body), expected, `case ${i}: ${JSON.stringify(body)}`);
    }
    assert.ok(fastTaken > 0, 'some mutated bodies are still valid and take the compiled path');
    // Not an object: never the compiled path; the reference names the problem.
    for (const body of [null, 'text', '{"a":1}', [], 5]) {
      assert.equal(fast(body), null);
      assert.deepEqual(parseRequest(c.schema, body), parseRequestWithZod(c.schema, body));
    }
  });
}

test('compiled pattern checks accept exactly what the patterns accept', () => {
  const schema = wireRequest('T', {
    A: requiredField({ pattern: /^\d{3}$/, rule: 'MUST BE 3 DIGITS', description: 'A' }),
    B: optionalField({ pattern: /^\d{2,4}$/, rule: 'MUST BE 2-4 DIGITS', description: 'B' }),
  });
  const fast = compiledCheck(schema);
  const alphabet = ['/', '0', '1', '8', '9', ':', 'a', '٠', ' ', '\n'];
  const next = rng(42);
  const word = () =>
    Array.from({ length: Math.floor(next() * 6) }, () => alphabet[Math.floor(next() * alphabet.length)]).join(
      '',
    );
  let accepted = 0;
  for (let i = 0; i < 20_000; i++) {
    const body = { A: word(), B: word() };
    const expected = parseRequestWithZod(schema, body);
    const f = fast(body);
    if (f !== null) {
      accepted++;
      assert.deepEqual(f, expected, JSON.stringify(body));
    } else assert.equal(expected.ok, false, `compiled path refused a valid body ${JSON.stringify(body)}`);
  }
  assert.ok(accepted > 10, `accepted ${accepted}`);
});

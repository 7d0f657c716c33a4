import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { earlierMatch, type ObservedCall, stepHolds } from './observed-call.ts';
import { SEED_SUITES } from './seed-suites.ts';
import { type ConformanceCase, conformanceCase, productProblem, suiteInput } from './suite-schema.ts';

let n = 0;
function call(over: Partial<ObservedCall> = {}): ObservedCall {
  n++;
  return {
    requestId: `req_${n}`,
    atMs: 1_000 + n,
    appId: 'app_a',
    orgId: 'org_a',
    productSlug: 'ibft',
    operationId: 'ibftFundsTransfer',
    networkCode: '00',
    status: 200,
    replayed: false,
    refs: {},
    shape: { idempotencyKey: false, signed: false },
    ...over,
  };
}
const ibft = (id: string): ConformanceCase =>
  conformanceCase.parse(SEED_SUITES.ibft!.cases.find((c) => c.id === id));

describe('a case over observed calls', () => {
  test('the shipped suites are valid and name only their products’ operations', () => {
    const ops: Record<string, string[]> = {
      ibft: ['ibftTitleFetch', 'ibftFundsTransfer', 'ibftStatusInquiry', 'ibftReversal'],
      bills: ['billInquiry', 'billPayment', 'voidBillPayment'],
      '1qr': ['qrGetCode', 'qrParseCode'],
    };
    for (const [slug, suite] of Object.entries(SEED_SUITES)) {
      const parsed = suiteInput.parse(suite);
      assert.equal(productProblem(parsed.cases, new Set(ops[slug])), null, slug);
    }
  });

  test('operation, code and matchers must all hold; a replay or an HTTP error proves nothing', () => {
    const k = conformanceCase.parse({
      id: 'signed-pay',
      title: 'Signed payment',
      operations: ['billPayment'],
      networkCodes: ['00'],
      match: [{ field: 'shape.signed', equals: true }],
    });
    const ok = call({ operationId: 'billPayment', shape: { idempotencyKey: false, signed: true } });
    assert.equal(stepHolds(ok, k), true);
    assert.equal(stepHolds({ ...ok, shape: { idempotencyKey: false, signed: false } }, k), false);
    assert.equal(stepHolds({ ...ok, networkCode: '22' }, k), false);
    assert.equal(stepHolds({ ...ok, operationId: 'billInquiry' }, k), false);
    assert.equal(stepHolds({ ...ok, replayed: true }, k), false);
    assert.equal(stepHolds({ ...ok, status: 504 }, k), false);
    assert.equal(stepHolds({ ...ok, networkCode: null }, k), false);
  });

  test('oneOf and present matchers', () => {
    const k = conformanceCase.parse({
      id: 'qr',
      title: 'QR either way',
      operations: ['qrGetCode'],
      networkCodes: ['0000'],
      match: [
        { field: 'refs.qrInitiation', oneOf: ['11', '12'] },
        { field: 'refs.rrn', present: false },
      ],
    });
    const c = call({ operationId: 'qrGetCode', networkCode: '0000', refs: { qrInitiation: '12' } });
    assert.equal(stepHolds(c, k), true);
    assert.equal(stepHolds({ ...c, refs: { qrInitiation: '13' } }, k), false);
    assert.equal(stepHolds({ ...c, refs: { qrInitiation: '11', rrn: '1' } }, k), false);
  });

  test('the inquiry must name the transfer that timed out, of the same app, made before it', () => {
    const k = ibft('timeout-resolved');
    const lost = call({ networkCode: '58', refs: { rrn: '100000000001' } });
    const done = call({ networkCode: '00', refs: { rrn: '100000000002' } });
    const inquiry = call({
      operationId: 'ibftStatusInquiry',
      refs: { rrn: '100000000003', originalRrn: '100000000001' },
    });
    assert.equal(stepHolds(inquiry, k), true);
    assert.equal(earlierMatch(inquiry, k, [done, lost])?.requestId, lost.requestId);
    // About the completed transfer instead: refused.
    const wrong = { ...inquiry, refs: { ...inquiry.refs, originalRrn: '100000000002' } };
    assert.equal(earlierMatch(wrong, k, [done, lost]), null);
    // Another app's timed-out transfer, or one made after the inquiry: refused.
    assert.equal(earlierMatch(inquiry, k, [{ ...lost, appId: 'app_b' }]), null);
    assert.equal(earlierMatch(inquiry, k, [{ ...lost, atMs: inquiry.atMs + 1 }]), null);
    // An inquiry without OriginalRRN cannot link.
    assert.equal(earlierMatch({ ...inquiry, refs: {} }, k, [lost]), null);
  });

  test('a malformed case is named by its path', () => {
    const bad = suiteInput.safeParse({
      cases: [
        { id: 'a-case', title: 'A case', operations: ['x1'], networkCodes: ['00'] },
        {
          id: 'b-case',
          title: 'B case',
          operations: ['x1'],
          networkCodes: ['00'],
          after: {
            operations: ['x1'],
            networkCodes: ['00'],
            link: [{ field: 'refs.rrn', earlierField: 'nope' }],
          },
        },
      ],
    });
    assert.equal(bad.success, false);
    assert.deepEqual(bad.error!.issues[0]!.path, ['cases', 1, 'after', 'link', 0, 'earlierField']);
    const dup = suiteInput.safeParse({
      cases: [
        { id: 'a-case', title: 'A case', operations: ['x1'], networkCodes: ['00'] },
        { id: 'a-case', title: 'Again', operations: ['x1'], networkCodes: ['00'] },
      ],
    });
    assert.deepEqual(dup.error!.issues[0]!.path, ['cases', 1, 'id']);
    assert.deepEqual(
      productProblem(
        suiteInput.parse({
          cases: [{ id: 'a-case', title: 'A case', operations: ['x1'], networkCodes: ['00'] }],
        }).cases,
        new Set(['y']),
      ),
      [['cases', 0, 'operations', 0], 'x1 is not an operation of this product'],
    );
  });
});

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  billInquiryRequest,
  billPaymentRequest,
  voidBillPaymentRequest,
} from '../src/modules/sandbox/products/bill-schemas.ts';
import {
  ibftFundsTransferRequest,
  ibftTitleFetchRequest,
} from '../src/modules/sandbox/products/ibft-schemas.ts';
import { parseRequest } from '../src/modules/sandbox/request-check.ts';
import { billBody, ibftBody } from '../src/modules/sandbox/test-support.ts';
import type { WireRequest } from '../src/modules/sandbox/wire-fields.ts';
import {
  BILL_REQUEST_FIELDS,
  checkFields,
  TITLE_FETCH_FIELDS,
  TRANSFER_FIELDS,
} from './fixtures/sandbox-wire-before.ts';

/**
 * Issue 27 item 4: the handlers now check requests with zod schemas; every request is answered
 * exactly as before (same code 80/09 or acceptance, same ResponseDetail, same fields) — the
 * checker and field lists before the change are frozen in fixtures/sandbox-wire-before.ts.
 * Bodies: real client shapes (padded IMDs, PosEntryMode, nulls and "" for unused fields, string
 * CardAcceptorNameLocation), then random mutations of valid bodies (fast-check).
 */
type Spec = Parameters<typeof checkFields>[1];
const cases: Array<{ name: string; schema: WireRequest; before: Spec; body: () => Record<string, unknown> }> =
  [
    {
      name: 'ibftTitleFetch',
      schema: ibftTitleFetchRequest,
      before: TITLE_FETCH_FIELDS,
      body: () => ibftBody(),
    },
    {
      name: 'ibftFundsTransfer',
      schema: ibftFundsTransferRequest,
      before: TRANSFER_FIELDS,
      body: () =>
        ibftBody({ AuthorizationIdentificationResponse: '482913', SenderName: 'A', SenderIBAN: 'PK36DRWZ1' }),
    },
    {
      name: 'billInquiry',
      schema: billInquiryRequest,
      before: BILL_REQUEST_FIELDS.billInquiry,
      body: () => billBody('billInquiry'),
    },
    {
      name: 'billPayment',
      schema: billPaymentRequest,
      before: BILL_REQUEST_FIELDS.billPayment,
      body: () =>
        billBody('billPayment', {
          AuthID: '123456',
          TransactionAmount: '000000150000',
          TranDate: '20261123',
          TranTime: '140512',
        }),
    },
    {
      name: 'voidBillPayment',
      schema: voidBillPaymentRequest,
      before: BILL_REQUEST_FIELDS.voidBillPayment,
      body: () => billBody('voidBillPayment', { AuthID: '123456' }),
    },
  ];

/** Shapes existing 1LINK clients send (facts file §3.3-3.4 and the third-party samples). */
const clientShapes: Array<Record<string, unknown>> = [
  { ToBankIMD: '600648     ' },
  { ToBankIMD: '62787300000', FromBankIMD: '99887600000' },
  { PosEntMode: undefined, PosEntryMode: '901' },
  { PosEntMode: '000', PosEntryMode: '000' },
  { MerchantDetail: null, AccountNumberFrom: null, Reserved1: null },
  { CardAcceptorNameLocation: 'KARACHI PK' },
  { CardAcceptorNameLocation: { Location: 'Clifton', City: null, Country: 'PK' } },
  { TransactionAmount: '000005000000' },
  { PaymentDetail: '0320 Donations  Charity' },
  { PaymentDetail: '0401 Home Remittance' },
  { AccountNumberTo: '+92-3001234567' },
  { SenderIBAN: 'DE89370400440532013000' },
  { Time: '', Date: '' },
  { Extra: 'ignored', ResponseCode: '00' },
];

const value = fc.oneof(
  fc.constantFrom(undefined, null, '', ' ', '0', '000000', '221166     ', '1399999999', '0000000000000'),
  fc.string({ maxLength: 30 }),
  fc.stringMatching(/^\d{0,20}$/),
  // Well-formed dates, times and purpose-coded texts, valid or not (the second check of a field).
  fc.stringMatching(/^(?:[01]\d[0-3]\d|\d{4})(?:[0-2]\d[0-6]\d[0-6]\d)?$/),
  fc.stringMatching(/^20\d\d[01]\d[0-3]\d$/),
  fc.stringMatching(/^0[1-4][0-5]\d(?: .{0,8})?$/),
  fc.integer(),
  fc.boolean(),
  fc.array(fc.string({ maxLength: 3 }), { maxLength: 2 }),
  fc.dictionary(
    fc.string({ maxLength: 4 }),
    fc.oneof(fc.string({ maxLength: 120 }), fc.integer(), fc.constant(null)),
    {
      maxKeys: 22,
    },
  ),
  fc.string({ minLength: 90, maxLength: 2100 }),
);

for (const c of cases) {
  test(`${c.name}: the zod schema answers exactly as the checks before it`, () => {
    const same = (body: unknown) =>
      assert.deepEqual(parseRequest(c.schema, body), checkFields(body, c.before), JSON.stringify(body));
    same(c.body());
    for (const over of clientShapes) same({ ...c.body(), ...over });
    for (const body of [null, undefined, 'text', '{"a":1}', '{not json', [], 5, true, {}]) same(body);
    const names = [...c.before.map((s) => s.name), 'Unknown'];
    const valid = c.body(); // values are replaced, never changed in place
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...names), value), { minLength: 1, maxLength: 4 }),
        (changes) => {
          const body: Record<string, unknown> = { ...valid };
          for (const [k, v] of changes) {
            if (v === undefined) delete body[k];
            else body[k] = v;
          }
          same(body);
        },
      ),
      { numRuns: 3000 },
    );
  });
}

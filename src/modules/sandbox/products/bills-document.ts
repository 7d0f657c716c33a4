import { BILL_CODES, type BillCode } from '../codes.ts';
import { amount12, amountAn14 } from '../wire.ts';
import { DEFAULT_WORLD_SEED, generateWorld } from '../world.ts';
import {
  billInquiryRequest,
  billInquiryResponse,
  billPaymentRequest,
  billPaymentResponse,
  voidBillPaymentRequest,
  voidBillPaymentResponse,
} from './bill-schemas.ts';
import { BILL_RESPONSE_SIGNED_FIELDS, BILL_SIGNED_FIELDS } from './bills.ts';
import type { ProductSpec } from './product-spec.ts';

/**
 * What the 1Bill product's OpenAPI document says beyond its schemas: the product, its operations'
 * summaries, descriptions (with each operation's HASH recipe) and examples. Examples are values
 * that work in every organisation's sandbox (the seeded world's bills; see docs/sandbox-guide.md).
 */
const seededWorld = generateWorld(DEFAULT_WORLD_SEED, Date.UTC(2026, 10, 23));
const exampleBill = seededWorld.bills.find((b) => b.consumerNo === '9900100001')!;

const signedNote = (opId: keyof typeof BILL_SIGNED_FIELDS) =>
  `HASH = base64(RSA-SHA256(your private key, ${BILL_SIGNED_FIELDS[opId].join(' + "|" + ')})). ` +
  `Responses carry a HASH by the operator key over ${BILL_RESPONSE_SIGNED_FIELDS.join('|')} (GET /api/v1/sandbox/operator-key).`;

const request = (extra: Record<string, string> = {}) => ({
  ClientID: 'DARWAZA1',
  ChannelID: '00000003',
  STAN: '444666',
  RRN: '112311290001',
  CompanyCode: 'DELEC001',
  ConsumerNo: '9900100001',
  ...extra,
  Reserved1: '',
  Reserved2: '',
  HASH: '<base64 RSA-SHA256 signature: see the sandbox guide>',
});
const HASH_EXAMPLE = 'c2lnbmVkLWJ5LXRoZS1vcGVyYXRvci1rZXk=';
const response = (code: BillCode, fields: Record<string, string>) => ({
  ResponseCode: code,
  ResponseDetail: BILL_CODES[code],
  ClientID: 'DARWAZA1',
  ChannelID: '00000003',
  STAN: '444666',
  RRN: '112311290001',
  CompanyCode: 'DELEC001',
  ConsumerNo: '9900100001',
  ...fields,
  Reserved1: '',
  Reserved2: '',
  HASH: HASH_EXAMPLE,
});
const paid = { AuthID: '123456', TransactionAmount: amount12(exampleBill.amountWithin) };

/**
 * A request without HASH passes the format check and is answered 22 INVALID SIGNATURE (bills.ts),
 * so the schemas leave it optional; the document lists it as required, which it is to be processed.
 */
const signed = ['HASH'];

export const billsProduct: ProductSpec = {
  slug: 'bills',
  name: '1Bill',
  description: 'Bill inquiry, payment and void for billers on the network (signed requests).',
  title: '1Bill REST (Darwaza sandbox)',
  intro: [
    'Bill inquiry, bill payment and void bill payment over simulated billers, in the void operation’s field family.',
    'Every request is signed (HASH); amounts in inquiries are AN14 (sign + 13 digits, last two paisa).',
  ],
  codes: BILL_CODES,
  tag: '1Bill',
  tagDescription: 'Bill inquiry, payment and void.',
  operations: [
    {
      path: '/bill-inquiry-rest-service/billinquiry',
      operationId: 'billInquiry',
      summary: 'Bill inquiry',
      description: `Status and amounts of a consumer’s bill. ${signedNote('billInquiry')}`,
      request: billInquiryRequest,
      response: billInquiryResponse,
      alsoRequired: signed,
      example: request(),
      responseExamples: {
        ok: {
          summary: '00 unpaid bill',
          value: response('00', {
            ConsumerDetail: exampleBill.consumerName.padEnd(30, ' '),
            BillStatus: 'U',
            DueDate: exampleBill.dueDate,
            AmountWithinDueDate: amountAn14(exampleBill.amountWithin),
            AmountAfterDueDate: amountAn14(exampleBill.amountAfter),
            BillingMonth: '2611',
            DatePaid: '',
            AmountPaid: amount12(0),
            AuthID: '',
          }),
        },
      },
    },
    {
      path: '/bill-payment-rest-service/billpayment',
      operationId: 'billPayment',
      summary: 'Bill payment',
      description: `Pays the amount due (within or after the due date); partial payments only where the biller allows them. ${signedNote('billPayment')}`,
      request: billPaymentRequest,
      response: billPaymentResponse,
      alsoRequired: signed,
      example: request({ ...paid, TranDate: '20261123', TranTime: '140512' }),
      responseExamples: {
        ok: {
          summary: '00 paid',
          value: response('00', { ...paid, IdentificationParameter: '000048291311' }),
        },
        alreadyPaid: {
          summary: '89 bill already paid (ConsumerNo 9900100002)',
          value: response('89', { ...paid, IdentificationParameter: '' }),
        },
      },
    },
    {
      path: '/void-bill-payment-rest-service/voidbillpayment',
      operationId: 'voidBillPayment',
      summary: 'Void bill payment',
      description: `Voids the payment made with AuthID; the bill is unpaid again. ${signedNote('voidBillPayment')}`,
      request: voidBillPaymentRequest,
      response: voidBillPaymentResponse,
      alsoRequired: signed,
      example: request({ AuthID: '123456' }),
      responseExamples: {
        ok: { summary: '00 voided', value: response('00', { AuthID: '123456' }) },
        notFound: { summary: '30 original not found', value: response('30', { AuthID: '999999' }) },
      },
    },
  ],
};

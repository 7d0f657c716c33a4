import { BILL_CODES } from '../codes.ts';
import { DIGITS, HHMMSS, MMDD } from '../wire.ts';
import { optionalField, requiredField, wireRequest } from '../wire-fields.ts';
import { echoed, produced, responseCode, responseDetail, wireResponse } from '../wire-responses.ts';

/**
 * 1Bill's messages (channel side) as zod schemas: what the handlers (bills.ts) validate requests
 * with and what the product's OpenAPI document is generated from (bills-document.ts). The field
 * family is the void operation's (ClientID, ChannelID, STAN, RRN, CompanyCode, ConsumerNo, AuthID,
 * Reserved1-2, HASH), in the order the network checks them.
 *
 * HASH is optional here: a request without it passes the format check and is answered 22 INVALID
 * SIGNATURE (bills.ts), not 80; the document still lists it as required (bills-document.ts).
 */
const common = {
  ClientID: requiredField({
    pattern: /^[0-9A-Za-z_-]{1,20}$/,
    rule: 'MUST BE 1-20 LETTERS OR DIGITS',
    description: 'Your channel/client identifier (e.g. HBL001).',
  }),
  ChannelID: requiredField({
    pattern: /^[0-9A-Za-z]{1,9}$/,
    rule: 'MUST BE UP TO 9 CHARACTERS, E.G. 00000003',
    description: 'Channel id, e.g. 00000003 (web).',
  }),
  STAN: requiredField({
    pattern: DIGITS(6),
    rule: 'MUST BE 6 DIGITS',
    description: 'System trace audit number, 6 digits.',
  }),
  RRN: requiredField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS',
    description:
      'Retrieval reference number, 12 digits, unique per business day (Pakistan time); a repeat is answered 10.',
  }),
  CompanyCode: requiredField({
    pattern: /^[0-9A-Za-z]{1,12}$/,
    rule: 'MUST BE A BILLER COMPANY CODE, E.G. DELEC001',
    description: 'Biller company code (8), e.g. DELEC001.',
  }),
  ConsumerNo: requiredField({
    pattern: /^[0-9A-Za-z+-]{1,24}$/,
    rule: 'MUST BE 1-24 LETTERS OR DIGITS',
    description: 'Consumer number at the biller.',
  }),
  Reserved1: optionalField({ max: 200, description: 'Reserved1' }),
  Reserved2: optionalField({ max: 200, description: 'Reserved2' }),
  HASH: optionalField({
    max: 2048,
    description: 'base64 RSA-SHA256 signature with your app key (see the sandbox guide).',
  }),
};
const authId = requiredField({
  pattern: DIGITS(6),
  rule: 'MUST BE 6 DIGITS',
  description: '6-digit authorisation id; a void names the payment by it.',
});

export const billInquiryRequest = wireRequest('BillInquiryRequest', common);

export const billPaymentRequest = wireRequest('BillPaymentRequest', {
  ...common,
  AuthID: authId,
  TransactionAmount: requiredField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS WITH IMPLIED PAISA',
    description: '12 digits, last two are paisa: 000000100000 = PKR 1,000.00.',
  }),
  TranDate: optionalField({
    pattern: DIGITS(8),
    rule: 'MUST BE yyyyMMdd',
    valid: { pattern: new RegExp(`^\\d{4}${MMDD}$`), rule: 'MUST BE A VALID yyyyMMdd DATE' },
    description: 'yyyyMMdd.',
  }),
  TranTime: optionalField({
    pattern: DIGITS(6),
    rule: 'MUST BE HHmmss',
    valid: { pattern: new RegExp(`^${HHMMSS}$`), rule: 'MUST BE A VALID hhmmss TIME' },
    description: 'HHmmss.',
  }),
});

/** 1LINK's own name for the void request's schema (its portal's Definitions section). */
export const voidBillPaymentRequest = wireRequest('VoidBillPaymentReq', { ...common, AuthID: authId });

const head = {
  ResponseCode: responseCode(BILL_CODES),
  ResponseDetail: responseDetail(),
  ClientID: echoed('ClientID'),
  ChannelID: echoed('ChannelID'),
  STAN: echoed('STAN'),
  RRN: echoed('RRN'),
  CompanyCode: echoed('CompanyCode'),
  ConsumerNo: echoed('ConsumerNo'),
};
const tail = {
  Reserved1: echoed('Reserved1'),
  Reserved2: echoed('Reserved2'),
  // base64 of an RSA signature: 344 characters with the sandbox's 2048-bit operator key.
  HASH: produced(1024, /^[A-Za-z0-9+/]+={0,2}$/),
};

export const billInquiryResponse = wireResponse('BillInquiryResponse', {
  ...head,
  ConsumerDetail: produced(30),
  BillStatus: produced(1, /^(U|P|B|T)?$/),
  DueDate: produced(8, /^(\d{8})?$/),
  AmountWithinDueDate: produced(14, /^([+-]\d{13})?$/),
  AmountAfterDueDate: produced(14, /^([+-]\d{13})?$/),
  BillingMonth: produced(4, /^(\d{4})?$/),
  DatePaid: produced(8),
  AmountPaid: produced(12, /^(\d{12})?$/),
  // The AuthID of the payment that paid the bill; payments and voids echo theirs.
  AuthID: produced(6),
  ...tail,
});

export const billPaymentResponse = wireResponse('BillPaymentResponse', {
  ...head,
  AuthID: echoed('AuthID'),
  TransactionAmount: echoed('TransactionAmount'),
  IdentificationParameter: produced(12),
  ...tail,
});

export const voidBillPaymentResponse = wireResponse('VoidBillPaymentResponse', {
  ...head,
  AuthID: echoed('AuthID'),
  ...tail,
});

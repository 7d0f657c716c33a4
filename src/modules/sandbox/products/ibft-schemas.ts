import { IBFT_TRANSFER_CODES } from '../codes.ts';
import { DIGITS, HHMMSS, MMDD } from '../wire.ts';
import { optionalField, optionalObjectField, requiredField, wireRequest } from '../wire-fields.ts';
import { echoed, produced, responseCode, responseDetail, wireResponse } from '../wire-responses.ts';

/**
 * IBFT's messages as zod schemas: what the handlers (ibft.ts) validate requests with and what the
 * product's OpenAPI document is generated from (ibft-document.ts). Field names, order and formats
 * are 1LINK's; the order is the order the network checks them in.
 */
const PURPOSE_CODES: Record<string, string> = {
  '0303': 'Bill Payment',
  '0320': 'Donations / Charity / Zakat',
  '0336': 'Educational',
  '0374': 'Own-account transfer',
  '0251': 'Family & Friends',
  '0316': 'Insurance / Takaful',
  '0369': 'Investments',
  '0252': 'Medical',
  '0315': 'Food & Groceries',
  '0356': 'Subscription / Membership / Rent',
  '0404': 'Salaries / Wages',
  '0364': 'Travelling',
  '0122': 'Vendor / Supplier / Business',
  '0152': 'Purpose 0152',
  '0125': 'Purpose 0125',
  '0401': 'Home Remittance',
  '9999': 'Free text',
};

export const IMD_PATTERN = /^\d{6}[ 0]{0,5}$/;
export const IMD_RULE = 'MUST BE A 6-DIGIT IMD (OPTIONALLY PADDED TO 11)';
export const ACCOUNT_PATTERN = /^[0-9A-Za-z+-]{1,34}$/;
export const ACCOUNT_RULE = 'MUST BE AN ACCOUNT NUMBER, IBAN OR MOBILE';

export const titleFetchFields = {
  TransactionAmount: requiredField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS WITH IMPLIED PAISA',
    description: '12 digits, last two are paisa: 000000100000 = PKR 1,000.00.',
  }),
  TransmissionDateAndTime: requiredField({
    pattern: DIGITS(10),
    rule: 'MUST BE MMDDhhmmss',
    valid: { pattern: new RegExp(`^${MMDD}${HHMMSS}$`), rule: 'MUST BE A VALID MMDDhhmmss' },
    description: 'MMDDhhmmss.',
  }),
  STAN: requiredField({
    pattern: DIGITS(6),
    rule: 'MUST BE 6 DIGITS',
    description: 'System trace audit number, 6 digits.',
  }),
  Time: optionalField({
    pattern: DIGITS(6),
    rule: 'MUST BE hhmmss',
    valid: { pattern: new RegExp(`^${HHMMSS}$`), rule: 'MUST BE A VALID hhmmss TIME' },
    description: 'hhmmss (local time of the transaction).',
  }),
  Date: optionalField({
    pattern: DIGITS(4),
    rule: 'MUST BE MMDD',
    valid: { pattern: new RegExp(`^${MMDD}$`), rule: 'MUST BE A VALID MMDD DATE' },
    description: 'MMDD.',
  }),
  MerchantType: optionalField({
    pattern: DIGITS(4),
    rule: 'MUST BE 4 DIGITS',
    description: 'ISO 8583 DE18 channel type, 4 digits (e.g. 0003).',
  }),
  FromBankIMD: requiredField({
    pattern: IMD_PATTERN,
    rule: IMD_RULE,
    description: 'IMD of the sending institution (6 digits, may be padded to 11).',
  }),
  RRN: requiredField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS',
    description:
      'Retrieval reference number, 12 digits, unique per business day (Pakistan time); a repeat is answered 10.',
  }),
  CardAcceptorTerminalId: optionalField({ max: 16, description: 'Terminal id (8).' }),
  CardAcceptorIdCode: optionalField({ max: 15, description: 'Card acceptor id code (15).' }),
  CardAcceptorNameLocation: optionalObjectField({
    max: 200,
    description: 'Location, City, State, ZipCode, AgentName, AgentCity, ADCLiteral, BankName, Country.',
  }),
  MerchantDetail: optionalField({ max: 100, description: 'MerchantDetail' }),
  PaymentDetail: optionalField({
    max: 100,
    // Fewer than four leading digits, or a known purpose code first.
    valid: {
      pattern: new RegExp(
        `^(?:\\d{0,3}(?:\\D[\\s\\S]*)?|(?:${Object.keys(PURPOSE_CODES).join('|')})[\\s\\S]*)$`,
      ),
      rule: 'STARTS WITH AN UNKNOWN PURPOSE CODE',
    },
    description: `Purpose code (4 digits) and text, e.g. "0251 Family & Friends". Known codes: ${Object.keys(PURPOSE_CODES).join(', ')}.`,
  }),
  CurrencyCodeTransaction: optionalField({
    pattern: DIGITS(3),
    rule: 'MUST BE A 3-DIGIT ISO 4217 CODE',
    description: 'ISO 4217 numeric; only 586 (PKR).',
  }),
  AccountNumberFrom: optionalField({
    pattern: ACCOUNT_PATTERN,
    rule: ACCOUNT_RULE,
    description:
      'Sender account (number or IBAN) at FromBankIMD. When it is not a sandbox account, your organisation’s settlement account sends the money.',
  }),
  AccountNumberTo: requiredField({
    pattern: ACCOUNT_PATTERN,
    rule: ACCOUNT_RULE,
    description: 'Beneficiary IBAN, account number, or mobile number (wallets) at ToBankIMD.',
  }),
  ToBankIMD: requiredField({
    pattern: IMD_PATTERN,
    rule: IMD_RULE,
    description: 'IMD of the beneficiary bank (6 digits, may be padded to 11).',
  }),
  PAN: optionalField({
    pattern: /^\d{13,19}$/,
    rule: 'MUST BE 13-19 DIGITS',
    description: 'Card number, 13-19 digits; 0000000000000 when no card is used.',
  }),
  ExpiryDate: optionalField({ pattern: DIGITS(4), rule: 'MUST BE YYMM', description: 'YYMM.' }),
  PosEntMode: optionalField({
    pattern: DIGITS(3),
    rule: 'MUST BE 3 DIGITS',
    description: 'POS entry mode (000 / 901).',
  }),
  PosEntryMode: optionalField({
    pattern: DIGITS(3),
    rule: 'MUST BE 3 DIGITS',
    description: 'Spelling used by some clients for PosEntMode.',
  }),
  BeneficiaryBankName: optionalField({
    max: 100,
    description: 'Beneficiary bank name as known to the sender.',
  }),
  Reserved1: optionalField({ max: 200, description: 'Reserved1' }),
  Reserved2: optionalField({ max: 200, description: 'Reserved2' }),
  Reserved3: optionalField({ max: 200, description: 'Reserved3' }),
};

export const ibftTitleFetchRequest = wireRequest('IbftTitleFetchRequest', titleFetchFields);

export const ibftFundsTransferRequest = wireRequest('IbftFundsTransferRequest', {
  ...titleFetchFields,
  AuthorizationIdentificationResponse: optionalField({
    pattern: DIGITS(6),
    rule: 'MUST BE 6 DIGITS',
    description: 'The 6-digit authorisation id from the title fetch (echoed).',
  }),
  SenderName: optionalField({ max: 100, description: 'Name of the sender.' }),
  SenderIBAN: optionalField({
    pattern: ACCOUNT_PATTERN,
    rule: 'MUST BE AN IBAN OR ACCOUNT NUMBER',
    description: 'IBAN of the sender.',
  }),
  AccountTitle: optionalField({ max: 100, description: 'Beneficiary title from the title fetch.' }),
  RTPID: optionalField({ max: 64, description: 'Request-to-pay id, when the transfer pays an RTP.' }),
  ReferenceNo: optionalField({ max: 64, description: 'Your reference.' }),
});

const responseHead = {
  ResponseCode: responseCode(IBFT_TRANSFER_CODES),
  ResponseDetail: responseDetail(),
  PAN: produced(19),
  Amount: echoed('TransactionAmount'),
  TransmissionDateAndTime: echoed('TransmissionDateAndTime'),
  STAN: echoed('STAN'),
  Time: produced(6),
  Date: produced(4),
  DateSettlement: produced(4, /^\d{4}$/),
  RRN: echoed('RRN'),
  AuthorizationIdentificationResponse: produced(6, /^\d{6}$/),
  AccountNumberTo: echoed('AccountNumberTo'),
  ToBankIMD: echoed('ToBankIMD'),
};
export const reserved = { Reserved1: produced(200), Reserved2: produced(200), Reserved3: produced(200) };

export const ibftTitleFetchResponse = wireResponse('IbftTitleFetchResponse', {
  ...responseHead,
  AccountTitleTo: produced(100),
  BranchNameTo: produced(100),
  BankName: produced(100),
  IBAN_MobileAccountNumber: produced(34),
  ...reserved,
});

export const ibftFundsTransferResponse = wireResponse('IbftFundsTransferResponse', {
  ...responseHead,
  ...reserved,
});

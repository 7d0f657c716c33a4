import { IBFT_CODES } from '../codes.ts';
import { DIGITS, MMDD } from '../wire.ts';
import { optionalField, requiredField, wireRequest } from '../wire-fields.ts';
import { echoed, produced, responseCode, responseDetail, wireResponse } from '../wire-responses.ts';
import {
  ACCOUNT_PATTERN,
  ACCOUNT_RULE,
  IMD_PATTERN,
  IMD_RULE,
  reserved,
  titleFetchFields,
} from './ibft-schemas.ts';

/**
 * IBFT status inquiry and reversal (issue 34): Darwaza's own messages, since the public record has
 * none. They are built from the transfer's message: the inquiry or reversal's own trace fields
 * (TransmissionDateAndTime, STAN, Time, Date, MerchantType, FromBankIMD, RRN — the reversal's RRN
 * is unique per business day like a transfer's), plus the original transfer's data elements under
 * `Original…` names (OriginalRRN required; OriginalSTAN, OriginalDate, the original's
 * authorisation id and beneficiary optional, and checked when sent: 99 on a mismatch). These
 * field names and formats are stable (docs/sandbox-guide.md).
 */
const t = titleFetchFields;

const originalFields = {
  OriginalRRN: requiredField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS',
    description: 'RRN of the original funds transfer.',
  }),
  OriginalSTAN: optionalField({
    pattern: DIGITS(6),
    rule: 'MUST BE 6 DIGITS',
    description: 'STAN of the original funds transfer; 99 when it differs.',
  }),
  OriginalDate: optionalField({
    pattern: DIGITS(4),
    rule: 'MUST BE MMDD',
    valid: { pattern: new RegExp(`^${MMDD}$`), rule: 'MUST BE A VALID MMDD DATE' },
    description:
      'Business day (Pakistan time, MMDD) of the original transfer; without it the latest transfer with OriginalRRN is meant.',
  }),
  OriginalAuthorizationIdentificationResponse: optionalField({
    pattern: DIGITS(6),
    rule: 'MUST BE 6 DIGITS',
    description: 'The authorisation id the original transfer answered; 99 when it differs.',
  }),
};

const beneficiary = {
  AccountNumberTo: optionalField({
    pattern: ACCOUNT_PATTERN,
    rule: ACCOUNT_RULE,
    description: 'Beneficiary of the original transfer as it was sent; 99 when it differs.',
  }),
  ToBankIMD: optionalField({
    pattern: IMD_PATTERN,
    rule: IMD_RULE,
    description: 'IMD of the original beneficiary bank; 99 when it differs.',
  }),
};

const trace = {
  TransmissionDateAndTime: t.TransmissionDateAndTime,
  STAN: t.STAN,
  Time: t.Time,
  Date: t.Date,
  MerchantType: t.MerchantType,
  FromBankIMD: t.FromBankIMD,
};

const reservedFields = { Reserved1: t.Reserved1, Reserved2: t.Reserved2, Reserved3: t.Reserved3 };

export const ibftStatusInquiryRequest = wireRequest('IbftStatusInquiryRequest', {
  TransactionAmount: optionalField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS WITH IMPLIED PAISA',
    description:
      'The original amount (12 digits, implied paisa), when you want it checked: 98 when it differs.',
  }),
  ...trace,
  RRN: requiredField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS',
    description: 'Retrieval reference number of this inquiry (12 digits; inquiries do not use it up).',
  }),
  ...originalFields,
  ...beneficiary,
  ...reservedFields,
});

export const ibftReversalRequest = wireRequest('IbftReversalRequest', {
  TransactionAmount: requiredField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS WITH IMPLIED PAISA',
    description:
      'The original amount, 12 digits with implied paisa; 98 when it differs (a reversal is always whole).',
  }),
  ...trace,
  RRN: requiredField({
    pattern: DIGITS(12),
    rule: 'MUST BE 12 DIGITS',
    description:
      'Retrieval reference number of this reversal, unique per business day (a repeat is answered 10).',
  }),
  ...originalFields,
  ...beneficiary,
  ...reservedFields,
});

/** What the network knows of the original transfer. */
const TRANSACTION_STATUSES = {
  COMPLETED: 'posted (00) and not reversed: the money moved',
  REVERSED: 'posted, then undone by a reversal',
  FAILED: 'declined or timed out before posting: no money moved (OriginalResponseCode says why)',
  NOT_FOUND: 'no transfer with this OriginalRRN (ResponseCode 30)',
} as const;

const head = {
  ResponseCode: responseCode(IBFT_CODES),
  ResponseDetail: responseDetail(),
  Amount: produced(12, /^(\d{12})?$/).meta({
    description: 'The original amount (12 digits); the request’s on an 80/09 answer, empty when unknown.',
  }),
  TransmissionDateAndTime: echoed('TransmissionDateAndTime'),
  STAN: echoed('STAN'),
  Time: produced(6),
  Date: produced(4),
  DateSettlement: produced(4, /^\d{4}$/),
  RRN: echoed('RRN'),
};
const original = {
  OriginalRRN: echoed('OriginalRRN'),
  OriginalSTAN: produced(6).meta({ description: 'STAN of the original transfer (empty when not found).' }),
  OriginalAuthorizationIdentificationResponse: produced(6).meta({
    description:
      'Authorisation id of the original transfer (000000 when it did not complete; empty when not found).',
  }),
  AccountNumberTo: produced(34).meta({ description: 'Beneficiary of the original transfer.' }),
  ToBankIMD: produced(11).meta({ description: 'IMD of the original beneficiary bank.' }),
};

export const ibftStatusInquiryResponse = wireResponse('IbftStatusInquiryResponse', {
  ...head,
  ...original,
  OriginalResponseCode: produced(2).meta({
    description:
      'The code the network gave the original transfer (also when its answer was lost); empty when not found.',
  }),
  OriginalResponseDetail: produced(100),
  TransactionStatus: produced(9, new RegExp(`^(|${Object.keys(TRANSACTION_STATUSES).join('|')})$`)).meta({
    description: Object.entries(TRANSACTION_STATUSES)
      .map(([k, v]) => `${k}: ${v}`)
      .join('; '),
  }),
  ...reserved,
});

export const ibftReversalResponse = wireResponse('IbftReversalResponse', {
  ...head,
  AuthorizationIdentificationResponse: produced(6, /^\d{6}$/),
  ...original,
  ...reserved,
});

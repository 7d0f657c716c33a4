/**
 * The response codes the sandbox answers with, and their texts (ResponseDetail on failure is the
 * description text, as in real captures). Every code here is reachable by a documented test value
 * (scenarios.ts) and appears in the product's OpenAPI document.
 */
export const IBFT_CODES = {
  '00': 'PROCESSED OK',
  '01': 'LIMIT EXCEEDED',
  '02': 'INVALID ACCOUNT',
  '03': 'ACCOUNT INACTIVE',
  '04': 'LOW BALANCE',
  '06': 'INVALID IMD',
  '09': 'FIELD ERROR',
  '10': 'DUPLICATE TRANSACTION',
  '17': 'UNKNOWN AUTH MODE',
  '19': 'INVALID CURRENCY CODE',
  '21': 'NO TRANSACTION ON ACCT',
  '26': 'INTERNAL ERROR',
  '30': 'ORIGINAL TRANSACTION NOT FOUND',
  '35': 'ORIGINAL ALREADY REVERSED',
  '46': 'UNABLE TO PROCESS',
  '48': 'BAD AMOUNT',
  '55': 'HOST LINK DOWN',
  '58': 'TRANSACTION TIMEDOUT',
  '59': 'HOST REJECT',
  '63': 'DESTINATION NOT FOUND',
  '65': 'CASH TRANSACTION NOT ALLOWED',
  '66': 'NO TRANSACTION ALLOWED',
  '67': 'INVALID ACCOUNT STATUS',
  '68': 'INVALID TO ACCOUNT',
  '77': 'REFER TO ISSUER',
  '80': 'MESSAGE FORMAT ERROR',
  '90': 'CUSTOMER NOT FOUND',
  '94': 'PERMISSION DENIED',
  '95': 'TRANSACTION REJECTED',
  '96': 'ORIGINAL ALREADY REJECTED',
  '98': 'ORIGINAL AMOUNT INCORRECT',
  '99': 'ORIGINAL DATA ELEMENT MISMATCH',
} as const;
export type IbftCode = keyof typeof IBFT_CODES;

/** Codes only the status inquiry and the reversal give (about an original transfer). */
const FOLLOW_UP_ONLY = new Set(['30', '35', '96', '98', '99']);
/** The codes a title fetch or a funds transfer can answer. */
export const IBFT_TRANSFER_CODES = Object.fromEntries(
  Object.entries(IBFT_CODES).filter(([c]) => !FOLLOW_UP_ONLY.has(c)),
) as Record<string, string>;

/** 1Bill channel codes (1LINK's 1Bill family; PaySys shows them prefixed 02). */
export const BILL_CODES = {
  '00': 'PROCESSED OK',
  '02': 'CONSUMER NUMBER BLOCKED',
  '09': 'FIELD ERROR',
  '10': 'DUPLICATE TRANSACTION',
  '22': 'INVALID SIGNATURE',
  '25': 'UBPS TIMEOUT',
  '30': 'ORIGINAL TRANSACTION NOT FOUND',
  '35': 'ORIGINAL ALREADY REVERSED',
  '48': 'BAD AMOUNT',
  '55': 'HOST LINK DOWN',
  '80': 'MESSAGE FORMAT ERROR',
  '88': 'CUSTOMER NOT FOUND',
  '89': 'BILL ALREADY PAID',
  '91': 'UTILITY COMPANY ID NOT FOUND',
  '94': 'PERMISSION DENIED',
} as const;
export type BillCode = keyof typeof BILL_CODES;

/** Live data is refused with 94 PERMISSION DENIED in both families, with an explanation. */
export const LIVE_DATA_CODE = '94';

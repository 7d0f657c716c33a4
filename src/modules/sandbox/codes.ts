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
  '19': 'INVALID CURRENCY CODE',
  '21': 'NO TRANSACTION ON ACCT',
  '48': 'BAD AMOUNT',
  '55': 'HOST LINK DOWN',
  '58': 'TRANSACTION TIMEDOUT',
  '67': 'INVALID ACCOUNT STATUS',
  '68': 'INVALID TO ACCOUNT',
  '80': 'MESSAGE FORMAT ERROR',
  '94': 'PERMISSION DENIED',
  '95': 'TRANSACTION REJECTED',
} as const;
export type IbftCode = keyof typeof IBFT_CODES;

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

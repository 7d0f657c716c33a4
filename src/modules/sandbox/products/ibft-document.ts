import { IBFT_CODES } from '../codes.ts';
import { DEFAULT_WORLD_SEED, generateWorld, SCENARIO_ACCOUNTS } from '../world.ts';
import {
  ibftReversalRequest,
  ibftReversalResponse,
  ibftStatusInquiryRequest,
  ibftStatusInquiryResponse,
} from './ibft-followup-schemas.ts';
import {
  ibftFundsTransferRequest,
  ibftFundsTransferResponse,
  ibftTitleFetchRequest,
  ibftTitleFetchResponse,
} from './ibft-schemas.ts';
import type { ProductSpec } from './product-spec.ts';

/**
 * What the IBFT product's OpenAPI document says beyond its schemas: the product, its operations'
 * summaries and descriptions, and examples. Examples are values that work in every organisation's
 * sandbox (taken from the seeded world, so they answer as shown; see docs/sandbox-guide.md).
 */
const seededWorld = generateWorld(DEFAULT_WORLD_SEED, Date.UTC(2026, 10, 23));
const exampleAccount = seededWorld.accounts.find((a) => a.accountNo === SCENARIO_ACCOUNTS.happy1)!;

const request = {
  TransactionAmount: '000000100000',
  TransmissionDateAndTime: '1123140512',
  STAN: '444666',
  Time: '140512',
  Date: '1123',
  MerchantType: '0003',
  FromBankIMD: '998876',
  RRN: '112314444666',
  CardAcceptorTerminalId: '40260275',
  CardAcceptorIdCode: '402626030259047',
  CardAcceptorNameLocation: {
    Location: 'Clifton',
    City: 'Karachi',
    State: 'Sindh',
    ZipCode: '75600',
    AgentName: 'Darwaza',
    AgentCity: 'Karachi',
    ADCLiteral: 'Web',
    BankName: 'Model Bank',
    Country: 'PK',
  },
  MerchantDetail: '',
  PaymentDetail: '0251 Family & Friends',
  CurrencyCodeTransaction: '586',
  AccountNumberFrom: '',
  AccountNumberTo: '9990000000001001',
  ToBankIMD: '221166',
  PAN: '0000000000000',
  ExpiryDate: '0000',
  PosEntMode: '000',
  BeneficiaryBankName: '1Link Model Bank',
  Reserved1: '',
  Reserved2: '',
  Reserved3: '',
};

const response = (code: keyof typeof IBFT_CODES, extra: Record<string, string> = {}, title = true) => {
  const base: Record<string, string> = {
    ResponseCode: code,
    ResponseDetail: IBFT_CODES[code],
    PAN: '0000000000000',
    Amount: '000000100000',
    TransmissionDateAndTime: '1123140512',
    STAN: '444666',
    Time: '140512',
    Date: '1123',
    DateSettlement: '1124',
    RRN: '112314444666',
    AuthorizationIdentificationResponse: code === '00' ? '482913' : '000000',
    AccountNumberTo: '9990000000001001',
    ToBankIMD: '221166',
  };
  if (title) {
    Object.assign(base, {
      AccountTitleTo: code === '00' ? exampleAccount.title : '',
      BranchNameTo: code === '00' ? exampleAccount.branchName : '',
      BankName: '1LINK Model Bank (Darwaza sandbox)',
      IBAN_MobileAccountNumber: code === '00' ? (exampleAccount.iban ?? '') : '',
    });
  }
  return { ...base, Reserved1: '', Reserved2: '', Reserved3: '', ...extra };
};

/** The follow-up messages' examples: about the transfer example above (RRN 112314444666). */
const followUp = {
  TransmissionDateAndTime: '1123141000',
  STAN: '444667',
  Time: '141000',
  Date: '1123',
  MerchantType: '0003',
  FromBankIMD: '998876',
  RRN: '112314444667',
  OriginalRRN: '112314444666',
  OriginalSTAN: '444666',
  Reserved1: '',
  Reserved2: '',
  Reserved3: '',
};
const followUpAnswer = (code: keyof typeof IBFT_CODES, extra: Record<string, string> = {}) => ({
  ResponseCode: code,
  ResponseDetail: IBFT_CODES[code],
  Amount: '000000100000',
  TransmissionDateAndTime: '1123141000',
  STAN: '444667',
  Time: '141000',
  Date: '1123',
  DateSettlement: '1124',
  RRN: '112314444667',
  ...extra,
});
const originalRefs = {
  OriginalRRN: '112314444666',
  OriginalSTAN: '444666',
  OriginalAuthorizationIdentificationResponse: '482913',
  AccountNumberTo: '9990000000001001',
  ToBankIMD: '221166',
};
const reservedAnswer = { Reserved1: '', Reserved2: '', Reserved3: '' };

export const ibftProduct: ProductSpec = {
  slug: 'ibft',
  name: 'IBFT',
  description: 'Interbank funds transfer: fetch the title of an account, then move funds to it.',
  title: 'IBFT REST (Darwaza sandbox)',
  intro: [
    'Interbank funds transfer in 1LINK’s formats: fetch the title of a beneficiary account, then transfer.',
    'All fields are strings. Amounts are 12 digits with implied paisa. Every code below is reachable with a documented test value (GET /api/v1/sandbox/test-data).',
  ],
  codes: IBFT_CODES,
  tag: 'IBFT',
  tagDescription: 'Title fetch, interbank funds transfer, its status inquiry and its reversal.',
  operations: [
    {
      path: '/path-1',
      operationId: 'ibftTitleFetch',
      summary: 'Title fetch',
      description: 'Returns the title, branch and IBAN of the beneficiary account.',
      request: ibftTitleFetchRequest,
      response: ibftTitleFetchResponse,
      example: request,
      responseExamples: {
        ok: { summary: '00 processed', value: response('00') },
        inactive: {
          summary: '03 account inactive (AccountNumberTo 9990000000000003)',
          value: response('03', { AccountNumberTo: '9990000000000003' }),
        },
        badImd: {
          summary: '06 invalid IMD (ToBankIMD 999999)',
          value: response('06', { ToBankIMD: '999999' }),
        },
      },
    },
    {
      path: '/funds-transfer-rest-service/path-1',
      operationId: 'ibftFundsTransfer',
      summary: 'Funds transfer',
      description:
        'Moves the amount from the sender to the beneficiary (double-entry, in one transaction). A repeated RRN on the same day answers 10.',
      request: ibftFundsTransferRequest,
      response: ibftFundsTransferResponse,
      example: {
        ...request,
        AccountTitle: exampleAccount.title,
        SenderName: 'DARWAZA DEMO',
        ReferenceNo: 'INV-1001',
      },
      responseExamples: {
        ok: { summary: '00 processed', value: response('00', {}, false) },
        duplicate: { summary: '10 duplicate RRN', value: response('10', {}, false) },
        lowBalance: {
          summary: '04 low balance (AccountNumberFrom 9990000000002004, FromBankIMD 221166)',
          value: response('04', {}, false),
        },
      },
    },
    {
      path: '/funds-transfer-rest-service/status-inquiry',
      operationId: 'ibftStatusInquiry',
      summary: 'Transfer status inquiry',
      description:
        'Tells what became of a funds transfer, found by its RRN (OriginalRRN, optionally OriginalDate): completed, reversed, or failed with the code the network gave it — also when the transfer’s own answer was lost (58). An inquiry moves no money and does not use up its RRN. 30 when there is no such transfer; 98 when TransactionAmount is sent and differs; 99 when another original data element sent differs. Darwaza’s own message (the public record has none).',
      request: ibftStatusInquiryRequest,
      response: ibftStatusInquiryResponse,
      example: { ...followUp, TransactionAmount: '000000100000' },
      responseExamples: {
        completed: {
          summary: '00: the original completed',
          value: followUpAnswer('00', {
            ...originalRefs,
            OriginalResponseCode: '00',
            OriginalResponseDetail: 'PROCESSED OK',
            TransactionStatus: 'COMPLETED',
            ...reservedAnswer,
          }),
        },
        notFound: {
          summary: '30 original transaction not found',
          value: followUpAnswer('30', {
            Amount: '000000100000',
            OriginalRRN: '112314444666',
            OriginalSTAN: '',
            OriginalAuthorizationIdentificationResponse: '',
            AccountNumberTo: '',
            ToBankIMD: '',
            OriginalResponseCode: '',
            OriginalResponseDetail: '',
            TransactionStatus: 'NOT_FOUND',
            ...reservedAnswer,
          }),
        },
      },
    },
    {
      path: '/funds-transfer-rest-service/reversal',
      operationId: 'ibftReversal',
      summary: 'Transfer reversal',
      description:
        'Undoes a completed funds transfer exactly once: the whole amount goes back from the beneficiary to the sender in one transaction. 30 no such transfer; 35 already reversed; 96 the original did not complete (nothing to undo); 98 TransactionAmount differs from the original; 99 another original data element differs; 10 the reversal’s RRN was already used today. Accepts Idempotency-Key. Darwaza’s own message (the public record has none).',
      request: ibftReversalRequest,
      response: ibftReversalResponse,
      example: { ...followUp, TransactionAmount: '000000100000' },
      responseExamples: {
        ok: {
          summary: '00 reversed',
          value: followUpAnswer('00', {
            AuthorizationIdentificationResponse: '731004',
            ...originalRefs,
            ...reservedAnswer,
          }),
        },
        reversed: {
          summary: '35 original already reversed',
          value: followUpAnswer('35', {
            AuthorizationIdentificationResponse: '000000',
            ...originalRefs,
            ...reservedAnswer,
          }),
        },
        amount: {
          summary: '98 original amount incorrect',
          value: followUpAnswer('98', {
            AuthorizationIdentificationResponse: '000000',
            ...originalRefs,
            ...reservedAnswer,
          }),
        },
      },
    },
  ],
};

import { IBFT_CODES } from '../codes.ts';
import { DEFAULT_WORLD_SEED, generateWorld, SCENARIO_ACCOUNTS } from '../world.ts';
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
  tagDescription: 'Title fetch and interbank funds transfer.',
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
  ],
};

import { BILL_CODES, IBFT_CODES } from './codes.ts';
import { billInquiryRequest, billPaymentRequest, voidBillPaymentRequest } from './products/bill-schemas.ts';
import { BILL_RESPONSE_SIGNED_FIELDS, BILL_SIGNED_FIELDS } from './products/bills.ts';
import { ibftFundsTransferRequest, ibftTitleFetchRequest, PURPOSE_CODES } from './products/ibft-schemas.ts';
import { amount12, amountAn14, type FieldSpec } from './wire.ts';
import { fieldSpecsOf } from './wire-fields.ts';

const TITLE_FETCH_FIELDS = fieldSpecsOf(ibftTitleFetchRequest);
const TRANSFER_FIELDS = fieldSpecsOf(ibftFundsTransferRequest);
const BILL_REQUEST_FIELDS = {
  billInquiry: fieldSpecsOf(billInquiryRequest),
  billPayment: fieldSpecsOf(billPaymentRequest),
  voidBillPayment: fieldSpecsOf(voidBillPaymentRequest),
};

import { DEFAULT_WORLD_SEED, generateWorld, SCENARIO_ACCOUNTS } from './world.ts';

/**
 * OpenAPI 3.1 documents of the sandbox products, built from the same field specifications the
 * handlers validate with, so the documents cannot drift from behaviour. The catalogue module
 * registers `sandboxProducts`; the portal also serves them at
 * /api/v1/sandbox/products/{slug}/openapi.json. Examples are values that work in every
 * organisation's sandbox (see docs/sandbox-guide.md).
 */
export type SandboxProduct = {
  slug: string;
  name: string;
  description: string;
  openapi: Record<string, unknown>;
};

/** Example values taken from the seeded world, so the examples answer as shown. */
const seededWorld = generateWorld(DEFAULT_WORLD_SEED, Date.UTC(2026, 10, 23));
const exampleAccount = seededWorld.accounts.find((a) => a.accountNo === SCENARIO_ACCOUNTS.happy1)!;
const exampleBill = seededWorld.bills.find((b) => b.consumerNo === '9900100001')!;

const DESCRIPTIONS: Record<string, string> = {
  TransactionAmount: '12 digits, last two are paisa: 000000100000 = PKR 1,000.00.',
  TransmissionDateAndTime: 'MMDDhhmmss.',
  STAN: 'System trace audit number, 6 digits.',
  Time: 'hhmmss (local time of the transaction).',
  Date: 'MMDD.',
  MerchantType: 'ISO 8583 DE18 channel type, 4 digits (e.g. 0003).',
  FromBankIMD: 'IMD of the sending institution (6 digits, may be padded to 11).',
  RRN: 'Retrieval reference number, 12 digits, unique per business day (Pakistan time); a repeat is answered 10.',
  CardAcceptorTerminalId: 'Terminal id (8).',
  CardAcceptorIdCode: 'Card acceptor id code (15).',
  CardAcceptorNameLocation:
    'Location, City, State, ZipCode, AgentName, AgentCity, ADCLiteral, BankName, Country.',
  PaymentDetail: `Purpose code (4 digits) and text, e.g. "0251 Family & Friends". Known codes: ${Object.keys(PURPOSE_CODES).join(', ')}.`,
  CurrencyCodeTransaction: 'ISO 4217 numeric; only 586 (PKR).',
  AccountNumberFrom:
    'Sender account (number or IBAN) at FromBankIMD. When it is not a sandbox account, your organisation’s settlement account sends the money.',
  AccountNumberTo: 'Beneficiary IBAN, account number, or mobile number (wallets) at ToBankIMD.',
  ToBankIMD: 'IMD of the beneficiary bank (6 digits, may be padded to 11).',
  PAN: 'Card number, 13-19 digits; 0000000000000 when no card is used.',
  ExpiryDate: 'YYMM.',
  PosEntMode: 'POS entry mode (000 / 901).',
  PosEntryMode: 'Spelling used by some clients for PosEntMode.',
  BeneficiaryBankName: 'Beneficiary bank name as known to the sender.',
  AuthorizationIdentificationResponse: 'The 6-digit authorisation id from the title fetch (echoed).',
  SenderName: 'Name of the sender.',
  SenderIBAN: 'IBAN of the sender.',
  AccountTitle: 'Beneficiary title from the title fetch.',
  RTPID: 'Request-to-pay id, when the transfer pays an RTP.',
  ReferenceNo: 'Your reference.',
  ClientID: 'Your channel/client identifier (e.g. HBL001).',
  ChannelID: 'Channel id, e.g. 00000003 (web).',
  CompanyCode: 'Biller company code (8), e.g. DELEC001.',
  ConsumerNo: 'Consumer number at the biller.',
  AuthID: '6-digit authorisation id; a void names the payment by it.',
  TranDate: 'yyyyMMdd.',
  TranTime: 'HHmmss.',
  HASH: 'base64 RSA-SHA256 signature with your app key (see the sandbox guide).',
};

function requestSchema(
  title: string,
  specs: FieldSpec[],
  extraRequired: string[] = [],
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const s of specs) {
    const description = DESCRIPTIONS[s.name] ?? s.name;
    if (s.object) {
      properties[s.name] = {
        description,
        oneOf: [
          {
            type: 'object',
            additionalProperties: { type: ['string', 'null'], maxLength: 100 },
            maxProperties: 20,
          },
          { type: 'string', maxLength: s.max ?? 100 },
        ],
      };
      continue;
    }
    const p: Record<string, unknown> = { type: 'string', description, maxLength: s.max ?? 100 };
    // Optional fields may be sent empty (the network treats "" as absent).
    if (s.pattern) p.pattern = s.required ? s.pattern.source : `^$|${s.pattern.source}`;
    properties[s.name] = p;
  }
  return {
    title,
    type: 'object',
    required: [...specs.filter((s) => s.required).map((s) => s.name), ...extraRequired],
    properties,
    additionalProperties: true,
  };
}

/**
 * The gateway's request body limit (gateway.ts, 256 KiB): no value echoed from a request can be
 * longer, so it is the bound of fields that echo what was sent.
 */
const GATEWAY_BODY_LIMIT = 256 * 1024;

/**
 * Longest ResponseDetail: a code's text or a reason naming the field (the longest, the live-data
 * refusal, is under 200 characters).
 */
const RESPONSE_DETAIL_MAX = 512;

/**
 * A response schema. `maxima` bounds every field the sandbox produces itself (fixed formats,
 * seeded names); `echoed` fields repeat the request's value, which has the request field's format
 * once the request passed validation but is repeated as sent on an 80/09 answer, so their bound is
 * the gateway's body limit.
 */
function responseSchema(
  title: string,
  fields: string[],
  codes: Record<string, string>,
  bounds: { maxima: Record<string, number>; echoed: Record<string, string> },
  patterns: Record<string, string> = {},
): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const f of fields) {
    const echoOf = bounds.echoed[f];
    const max = bounds.maxima[f];
    if (echoOf === undefined && max === undefined && f !== 'ResponseCode' && f !== 'ResponseDetail') {
      throw new Error(`${title}.${f} has no length bound`);
    }
    properties[f] = {
      type: 'string',
      maxLength: echoOf === undefined ? max : GATEWAY_BODY_LIMIT,
      ...(echoOf === undefined
        ? {}
        : {
            description: `Echoes the request’s ${echoOf}: in its format when the request passed validation, as sent on an 80/09 answer.`,
          }),
      ...(patterns[f] ? { pattern: patterns[f] } : {}),
    };
  }
  properties.ResponseCode = {
    type: 'string',
    enum: Object.keys(codes),
    description: Object.entries(codes)
      .map(([c, t]) => `${c} ${t}`)
      .join('; '),
  };
  properties.ResponseDetail = {
    type: 'string',
    maxLength: RESPONSE_DETAIL_MAX,
    description: 'The code’s text; on errors it names the field or the reason.',
  };
  return { title, type: 'object', required: fields, properties, additionalProperties: false };
}

const codeTable = (codes: Record<string, string>) =>
  ['| code | meaning |', '|---|---|', ...Object.entries(codes).map(([c, t]) => `| ${c} | ${t} |`)].join('\n');

const security = [{ clientIdHeader: [], oauth: ['1LinkApi'] }];

/** Fields of the gateway's house error body (platform/errors.ts errorBody). */
const houseError = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'message', 'requestId', 'docs'],
  properties: {
    code: { type: 'string', maxLength: 64, description: 'Error code, e.g. gateway_invalid_token.' },
    message: { type: 'string', maxLength: 1000 },
    requestId: { type: 'string', maxLength: 64 },
    docs: { type: 'string', format: 'uri', maxLength: 300 },
    details: {},
  },
};
const count = { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

/** Response fields the gateway sets (rate-limit.ts, gateway.ts, fast-path.ts). */
const headers = {
  XRequestId: {
    description: 'Identifies the call in the usage log and in support requests.',
    schema: { type: 'string', maxLength: 64 },
  },
  CacheControl: {
    description:
      'Always no-store: answers carry personal data (account titles, IBANs) that no cache may keep.',
    schema: { type: 'string', enum: ['no-store'] },
  },
  RateLimit: {
    description:
      'IETF RateLimit field: for each policy of your plan, the remaining calls (r) and the seconds until the window resets (t), e.g. "hour";r=99;t=3570. Sent once the caller is identified and the plan limits the operation (every catalogue plan does). While a budget has many thousands of calls left, a gateway of a scaled-out deployment may count from units it took in advance, so r can lag other gateways’ calls by up to 50 ms; near the limit every call is counted exactly.',
    schema: { type: 'string', maxLength: 1024 },
  },
  RateLimitPolicy: {
    description:
      'IETF RateLimit-Policy field: each policy’s quota (q) per window of w seconds, e.g. "hour";q=100;w=3600.',
    schema: { type: 'string', maxLength: 1024 },
  },
  XRateLimitLimit: {
    description: 'The limit of the most restrictive window (legacy field).',
    schema: count,
  },
  XRateLimitRemaining: {
    description: 'Calls left in the most restrictive window (legacy field).',
    schema: count,
  },
  XRateLimitReset: {
    description: 'Seconds until the most restrictive window resets (legacy field).',
    schema: count,
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2_678_400 },
  },
  WWWAuthenticate: {
    description:
      'RFC 6750 challenge: Bearer realm="darwaza", with error and error_description when credentials were sent.',
    schema: { type: 'string', maxLength: 400 },
  },
};
const h = (name: keyof typeof headers) => ({ $ref: `#/components/headers/${name}` });
/**
 * The rate-limit fields (rate-limit.ts `limitHeaders`). The legacy fields are spelled as the gateway
 * writes them (lowercase; field names are case-insensitive): the OWASP ruleset's rate-limit rule
 * accepts exactly one of the spellings `RateLimit` / `X-RateLimit-Limit` (oneOf), so declaring both
 * families in their conventional case would fail it although the gateway sends both.
 */
const limitHeaders = {
  RateLimit: h('RateLimit'),
  'RateLimit-Policy': h('RateLimitPolicy'),
  'x-ratelimit-limit': h('XRateLimitLimit'),
  'x-ratelimit-remaining': h('XRateLimitRemaining'),
  'x-ratelimit-reset': h('XRateLimitReset'),
};

const errorSchemas = {
  GatewayError: {
    title: 'GatewayError',
    description: 'The gateway’s refusal (the network was not called).',
    type: 'object',
    additionalProperties: false,
    required: ['error'],
    properties: { error: houseError },
  },
  GatewayProblem: {
    title: 'GatewayProblem',
    description:
      'RFC 9457 problem document for limit and capacity refusals; `error` carries the house error too.',
    type: 'object',
    additionalProperties: false,
    required: ['type', 'title', 'status', 'detail', 'instance', 'error'],
    properties: {
      type: { type: 'string', format: 'uri', maxLength: 300 },
      title: { type: 'string', enum: ['Too Many Requests', 'Service Unavailable'] },
      status: { type: 'integer', format: 'int32', minimum: 429, maximum: 503, enum: [429, 503] },
      detail: { type: 'string', maxLength: 1000 },
      instance: { type: 'string', maxLength: 100 },
      'violated-policies': {
        type: 'array',
        maxItems: 16,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'limit', 'windowSeconds', 'retryAfterSeconds'],
          properties: {
            id: { type: 'string', maxLength: 100 },
            limit: count,
            windowSeconds: count,
            retryAfterSeconds: count,
          },
        },
      },
      error: houseError,
    },
  },
};

const components = (schemas: Record<string, unknown>) => ({
  schemas: { ...schemas, ...errorSchemas },
  headers,
  securitySchemes: {
    clientIdHeader: {
      type: 'apiKey',
      in: 'header',
      name: 'X-IBM-Client-Id',
      description: 'Client id of your app (X-Client-Id is accepted too).',
    },
    clientSecretHeader: {
      type: 'apiKey',
      in: 'header',
      name: 'X-IBM-Client-Secret',
      description: 'Client secret of your app, for operations that require it (none of these does).',
    },
    oauth: {
      type: 'oauth2',
      description:
        'OAuth 2.0 client credentials (RFC 6749 §4.4) at the catalog’s oauth2/token endpoint. Access tokens are opaque random strings, not JWTs, so RFC8725 (JWT best current practices) has nothing to apply to. They are short-lived: each expires 3600 s after issue and dies earlier when revoked (RFC 7009) or when its app, secret or subscription is. No refresh tokens are issued: ask for a new token with the client credentials.',
      flows: {
        clientCredentials: {
          tokenUrl: '/darwaza/sandbox/oauth2/token',
          scopes: { '1LinkApi': 'Call the network APIs' },
        },
      },
    },
  },
});
const servers = [
  {
    url: '{origin}/{provider}/{catalog}',
    description:
      'Darwaza gateway, sandbox catalog by default (API Connect style base: provider and catalog); the production catalog answers only where an upstream is configured.',
    'x-internal': false,
    variables: {
      origin: { default: 'http://localhost:3000' },
      provider: { default: 'darwaza' },
      catalog: { default: 'sandbox', enum: ['sandbox', 'production'] },
    },
  },
];

const json = (schema: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${schema}` } },
});
const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/GatewayProblem' } } };

/** Refusals by the gateway itself, with the fields it really sends on each. */
const gatewayResponses = {
  '400': {
    description:
      'The body is not JSON (malformed_json) or nests arrays and objects more than 64 levels deep (json_too_deep), the token was sent in the query string, or the Idempotency-Key is not valid. The body is read after the credentials are checked (so a refused body is in the app’s request log); the rate-limit fields are sent only on the last, which is checked after the rate limit.',
    headers: { 'X-Request-Id': h('XRequestId'), 'Cache-Control': h('CacheControl'), ...limitHeaders },
    content: json('GatewayError'),
  },
  '401': {
    description:
      'Missing or unknown client id, or missing, expired or revoked access token. Refused before the caller’s plan is known, so no rate-limit fields.',
    headers: {
      'X-Request-Id': h('XRequestId'),
      'Cache-Control': h('CacheControl'),
      'WWW-Authenticate': h('WWWAuthenticate'),
    },
    content: json('GatewayError'),
  },
  '403': {
    description:
      'The app is not active, belongs to the other catalog, has no subscription to this product, lacks the scope, or the terms in force are not accepted. Refused before the rate limit, so no rate-limit fields.',
    headers: { 'X-Request-Id': h('XRequestId'), 'Cache-Control': h('CacheControl') },
    content: json('GatewayError'),
  },
  '429': {
    description: 'A limit of the plan is reached (rate_limited), or its cap on distinct end users.',
    headers: {
      'X-Request-Id': h('XRequestId'),
      'Cache-Control': h('CacheControl'),
      'Retry-After': h('RetryAfter'),
      ...limitHeaders,
    },
    content: problem,
  },
  '500': {
    description: 'Unexpected error; quote the request id.',
    headers: { 'X-Request-Id': h('XRequestId'), 'Cache-Control': h('CacheControl') },
    content: json('GatewayError'),
  },
  '503': {
    description:
      'The rate limiter cannot be checked (fail closed), the gateway sheds load, or the catalog has no upstream.',
    headers: {
      'X-Request-Id': h('XRequestId'),
      'Cache-Control': h('CacheControl'),
      'Retry-After': h('RetryAfter'),
    },
    content: { ...problem, ...json('GatewayError') },
  },
};

const op = (
  operationId: string,
  summary: string,
  description: string,
  req: string,
  res: string,
  examples: {
    request: Record<string, unknown>;
    responses: Record<string, { summary: string; value: unknown }>;
  },
) => ({
  post: {
    operationId,
    summary,
    description,
    security,
    requestBody: {
      required: true,
      content: {
        'application/json': { schema: { $ref: `#/components/schemas/${req}` }, example: examples.request },
      },
    },
    responses: {
      '200': {
        description: 'The network answered; ResponseCode says how (00 = processed).',
        headers: { 'X-Request-Id': h('XRequestId'), 'Cache-Control': h('CacheControl'), ...limitHeaders },
        content: {
          'application/json': {
            schema: { $ref: `#/components/schemas/${res}` },
            examples: examples.responses,
          },
        },
      },
      ...gatewayResponses,
    },
  },
});

const IBFT_RESPONSE_BASE = [
  'ResponseCode',
  'ResponseDetail',
  'PAN',
  'Amount',
  'TransmissionDateAndTime',
  'STAN',
  'Time',
  'Date',
  'DateSettlement',
  'RRN',
  'AuthorizationIdentificationResponse',
  'AccountNumberTo',
  'ToBankIMD',
];
const IBFT_RESERVED = ['Reserved1', 'Reserved2', 'Reserved3'];
const IBFT_TITLE_RESPONSE = [
  ...IBFT_RESPONSE_BASE,
  'AccountTitleTo',
  'BranchNameTo',
  'BankName',
  'IBAN_MobileAccountNumber',
  ...IBFT_RESERVED,
];
const IBFT_TRANSFER_RESPONSE = [...IBFT_RESPONSE_BASE, ...IBFT_RESERVED];
const IBFT_PATTERNS = { DateSettlement: '^\\d{4}$', AuthorizationIdentificationResponse: '^\\d{6}$' };
/** Lengths of the IBFT response fields (products/ibft.ts `respond`). */
const IBFT_BOUNDS = {
  maxima: {
    PAN: 19,
    Time: 6,
    Date: 4,
    DateSettlement: 4,
    AuthorizationIdentificationResponse: 6,
    AccountTitleTo: 100,
    BranchNameTo: 100,
    BankName: 100,
    IBAN_MobileAccountNumber: 34,
    Reserved1: 200,
    Reserved2: 200,
    Reserved3: 200,
  },
  echoed: {
    Amount: 'TransactionAmount',
    TransmissionDateAndTime: 'TransmissionDateAndTime',
    STAN: 'STAN',
    RRN: 'RRN',
    AccountNumberTo: 'AccountNumberTo',
    ToBankIMD: 'ToBankIMD',
  },
};

const ibftExample = {
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

const ibftResponseExample = (code: string, extra: Record<string, string> = {}, title = true) => {
  const base: Record<string, string> = {
    ResponseCode: code,
    ResponseDetail: IBFT_CODES[code as keyof typeof IBFT_CODES],
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

const ibftDoc = {
  openapi: '3.1.0',
  info: {
    title: 'IBFT REST (Darwaza sandbox)',
    version: '1.0.0',
    description: [
      'Interbank funds transfer in 1LINK’s formats: fetch the title of a beneficiary account, then transfer.',
      'All fields are strings. Amounts are 12 digits with implied paisa. Every code below is reachable with a documented test value (GET /api/v1/sandbox/test-data).',
      '',
      codeTable(IBFT_CODES),
    ].join('\n'),
  },
  servers,
  paths: {
    '/path-1': op(
      'ibftTitleFetch',
      'Title fetch',
      'Returns the title, branch and IBAN of the beneficiary account.',
      'IbftTitleFetchRequest',
      'IbftTitleFetchResponse',
      {
        request: ibftExample,
        responses: {
          ok: { summary: '00 processed', value: ibftResponseExample('00') },
          inactive: {
            summary: '03 account inactive (AccountNumberTo 9990000000000003)',
            value: ibftResponseExample('03', { AccountNumberTo: '9990000000000003' }),
          },
          badImd: {
            summary: '06 invalid IMD (ToBankIMD 999999)',
            value: ibftResponseExample('06', { ToBankIMD: '999999' }),
          },
        },
      },
    ),
    '/funds-transfer-rest-service/path-1': op(
      'ibftFundsTransfer',
      'Funds transfer',
      'Moves the amount from the sender to the beneficiary (double-entry, in one transaction). A repeated RRN on the same day answers 10.',
      'IbftFundsTransferRequest',
      'IbftFundsTransferResponse',
      {
        request: {
          ...ibftExample,
          AccountTitle: exampleAccount.title,
          SenderName: 'DARWAZA DEMO',
          ReferenceNo: 'INV-1001',
        },
        responses: {
          ok: { summary: '00 processed', value: ibftResponseExample('00', {}, false) },
          duplicate: { summary: '10 duplicate RRN', value: ibftResponseExample('10', {}, false) },
          lowBalance: {
            summary: '04 low balance (AccountNumberFrom 9990000000002004, FromBankIMD 221166)',
            value: ibftResponseExample('04', {}, false),
          },
        },
      },
    ),
  },
  components: components({
    IbftTitleFetchRequest: requestSchema('IbftTitleFetchRequest', TITLE_FETCH_FIELDS),
    IbftFundsTransferRequest: requestSchema('IbftFundsTransferRequest', TRANSFER_FIELDS),
    IbftTitleFetchResponse: responseSchema(
      'IbftTitleFetchResponse',
      IBFT_TITLE_RESPONSE,
      IBFT_CODES,
      IBFT_BOUNDS,
      IBFT_PATTERNS,
    ),
    IbftFundsTransferResponse: responseSchema(
      'IbftFundsTransferResponse',
      IBFT_TRANSFER_RESPONSE,
      IBFT_CODES,
      IBFT_BOUNDS,
      IBFT_PATTERNS,
    ),
  }),
};

const BILL_COMMON_RESPONSE = [
  'ResponseCode',
  'ResponseDetail',
  'ClientID',
  'ChannelID',
  'STAN',
  'RRN',
  'CompanyCode',
  'ConsumerNo',
];
const BILL_INQUIRY_RESPONSE = [
  ...BILL_COMMON_RESPONSE,
  'ConsumerDetail',
  'BillStatus',
  'DueDate',
  'AmountWithinDueDate',
  'AmountAfterDueDate',
  'BillingMonth',
  'DatePaid',
  'AmountPaid',
  'AuthID',
  'Reserved1',
  'Reserved2',
  'HASH',
];
const BILL_PAYMENT_RESPONSE = [
  ...BILL_COMMON_RESPONSE,
  'AuthID',
  'TransactionAmount',
  'IdentificationParameter',
  'Reserved1',
  'Reserved2',
  'HASH',
];
const BILL_VOID_RESPONSE = [...BILL_COMMON_RESPONSE, 'AuthID', 'Reserved1', 'Reserved2', 'HASH'];
const BILL_PATTERNS = {
  HASH: '^[A-Za-z0-9+/]+={0,2}$',
  BillStatus: '^(U|P|B|T)?$',
  AmountWithinDueDate: '^([+-]\\d{13})?$',
  AmountAfterDueDate: '^([+-]\\d{13})?$',
  DueDate: '^(\\d{8})?$',
  BillingMonth: '^(\\d{4})?$',
  AmountPaid: '^(\\d{12})?$',
};
/** Lengths of the 1Bill response fields (products/bills.ts `respond`). */
const billBounds = (authIdEchoed: boolean) => {
  const echoed: Record<string, string> = {};
  for (const f of [
    'ClientID',
    'ChannelID',
    'STAN',
    'RRN',
    'CompanyCode',
    'ConsumerNo',
    'TransactionAmount',
    'Reserved1',
    'Reserved2',
  ])
    echoed[f] = f;
  if (authIdEchoed) echoed.AuthID = 'AuthID';
  return {
    maxima: {
      ConsumerDetail: 30,
      BillStatus: 1,
      DueDate: 8,
      AmountWithinDueDate: 14,
      AmountAfterDueDate: 14,
      BillingMonth: 4,
      DatePaid: 8,
      AmountPaid: 12,
      // The AuthID of the payment that paid the bill (inquiry); payments and voids echo theirs.
      AuthID: 6,
      IdentificationParameter: 12,
      // base64 of an RSA signature: 344 characters with the sandbox's 2048-bit operator key.
      HASH: 1024,
    },
    echoed,
  };
};

const signedNote = (opId: keyof typeof BILL_SIGNED_FIELDS) =>
  `HASH = base64(RSA-SHA256(your private key, ${BILL_SIGNED_FIELDS[opId].join(' + "|" + ')})). ` +
  `Responses carry a HASH by the operator key over ${BILL_RESPONSE_SIGNED_FIELDS.join('|')} (GET /api/v1/sandbox/operator-key).`;

const billReq = (extra: Record<string, string> = {}) => ({
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
const billRes = (code: string, fields: Record<string, string>) => ({
  ResponseCode: code,
  ResponseDetail: BILL_CODES[code as keyof typeof BILL_CODES],
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

const billsDoc = {
  openapi: '3.1.0',
  info: {
    title: '1Bill REST (Darwaza sandbox)',
    version: '1.0.0',
    description: [
      'Bill inquiry, bill payment and void bill payment over simulated billers, in the void operation’s field family.',
      'Every request is signed (HASH); amounts in inquiries are AN14 (sign + 13 digits, last two paisa).',
      '',
      codeTable(BILL_CODES),
    ].join('\n'),
  },
  servers,
  paths: {
    '/bill-inquiry-rest-service/billinquiry': op(
      'billInquiry',
      'Bill inquiry',
      `Status and amounts of a consumer’s bill. ${signedNote('billInquiry')}`,
      'BillInquiryRequest',
      'BillInquiryResponse',
      {
        request: billReq(),
        responses: {
          ok: {
            summary: '00 unpaid bill',
            value: billRes('00', {
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
    ),
    '/bill-payment-rest-service/billpayment': op(
      'billPayment',
      'Bill payment',
      `Pays the amount due (within or after the due date); partial payments only where the biller allows them. ${signedNote('billPayment')}`,
      'BillPaymentRequest',
      'BillPaymentResponse',
      {
        request: billReq({
          AuthID: '123456',
          TransactionAmount: amount12(exampleBill.amountWithin),
          TranDate: '20261123',
          TranTime: '140512',
        }),
        responses: {
          ok: {
            summary: '00 paid',
            value: billRes('00', {
              AuthID: '123456',
              TransactionAmount: amount12(exampleBill.amountWithin),
              IdentificationParameter: '000048291311',
            }),
          },
          alreadyPaid: {
            summary: '89 bill already paid (ConsumerNo 9900100002)',
            value: billRes('89', {
              AuthID: '123456',
              TransactionAmount: amount12(exampleBill.amountWithin),
              IdentificationParameter: '',
            }),
          },
        },
      },
    ),
    '/void-bill-payment-rest-service/voidbillpayment': op(
      'voidBillPayment',
      'Void bill payment',
      `Voids the payment made with AuthID; the bill is unpaid again. ${signedNote('voidBillPayment')}`,
      'VoidBillPaymentReq',
      'VoidBillPaymentResponse',
      {
        request: billReq({ AuthID: '123456' }),
        responses: {
          ok: { summary: '00 voided', value: billRes('00', { AuthID: '123456' }) },
          notFound: { summary: '30 original not found', value: billRes('30', { AuthID: '999999' }) },
        },
      },
    ),
  },
  components: components({
    BillInquiryRequest: requestSchema('BillInquiryRequest', BILL_REQUEST_FIELDS.billInquiry, ['HASH']),
    BillPaymentRequest: requestSchema('BillPaymentRequest', BILL_REQUEST_FIELDS.billPayment, ['HASH']),
    VoidBillPaymentReq: requestSchema('VoidBillPaymentReq', BILL_REQUEST_FIELDS.voidBillPayment, ['HASH']),
    BillInquiryResponse: responseSchema(
      'BillInquiryResponse',
      BILL_INQUIRY_RESPONSE,
      BILL_CODES,
      billBounds(false),
      BILL_PATTERNS,
    ),
    BillPaymentResponse: responseSchema(
      'BillPaymentResponse',
      BILL_PAYMENT_RESPONSE,
      BILL_CODES,
      billBounds(true),
      BILL_PATTERNS,
    ),
    VoidBillPaymentResponse: responseSchema(
      'VoidBillPaymentResponse',
      BILL_VOID_RESPONSE,
      BILL_CODES,
      billBounds(true),
      BILL_PATTERNS,
    ),
  }),
};

/** Tags every operation with the product and names who answers for the document. */
function finish(doc: Record<string, unknown>, tag: string, description: string): Record<string, unknown> {
  const paths = doc.paths as Record<string, Record<string, Record<string, unknown>>>;
  for (const item of Object.values(paths)) for (const op of Object.values(item)) op.tags = [tag];
  (doc.info as Record<string, unknown>).contact = { name: 'Darwaza operators' };
  doc.tags = [{ name: tag, description }];
  return doc;
}

export const sandboxProducts: SandboxProduct[] = [
  {
    slug: 'ibft',
    name: 'IBFT',
    description: 'Interbank funds transfer: fetch the title of an account, then move funds to it.',
    openapi: finish(ibftDoc, 'IBFT', 'Title fetch and interbank funds transfer.'),
  },
  {
    slug: 'bills',
    name: '1Bill',
    description: 'Bill inquiry, payment and void for billers on the network (signed requests).',
    openapi: finish(billsDoc, '1Bill', 'Bill inquiry, payment and void.'),
  },
];

import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';

/**
 * The sandbox's portal routes, as data: the organisation's test data (for a member or for an app
 * presenting its credentials), reset, the operator's signing key and the products' OpenAPI
 * documents. The views here are the service's types (scenarios.ts, sandbox-service.ts).
 */
const orgIdSchema = z
  .string()
  .min(3)
  .max(40)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an organisation id');

/** The network operations a scenario value acts on. */
export const scenarioOperation = z.enum([
  'ibftTitleFetch',
  'ibftFundsTransfer',
  'ibftStatusInquiry',
  'ibftReversal',
  'billInquiry',
  'billPayment',
  'voidBillPayment',
  'qrGetCode',
  'qrParseCode',
]);
/** A simulated account's status (world.ts AccountStatus). */
const accountStatus = z.enum(['active', 'inactive', 'blocked', 'dormant']);
/** A simulated bill's status in 1Bill's letters (world.ts BillStatus): U unpaid, P paid, B blocked, T partial payments allowed. */
const billStatus = z.enum(['U', 'P', 'B', 'T']);

/** Which response code a test value triggers, and on which operations. */
export const scenarioView = z.object({
  responseCode: z.string(),
  description: z.string(),
  /** Operations on which the value gives this code. */
  operations: z.array(scenarioOperation),
  /** How the account is used: as the beneficiary (AccountNumberTo) or as the sender (AccountNumberFrom). */
  use: z.enum(['beneficiary', 'sender']).optional(),
  /** An amount (12 digits, implied paisa) that triggers it, when the amount matters. */
  amount: z.string().optional(),
});

export const accountEntryView = z.object({
  bankName: z.string(),
  imd: z.string(),
  accountNumber: z.string(),
  iban: z.string().nullable(),
  title: z.string(),
  status: accountStatus,
  accountType: z.string(),
  mobile: z.string(),
  cnic: z.string(),
  cardNumber: z.string(),
  balance: z.string(),
  dailyLimit: z.string(),
  scenario: scenarioView,
  /** Further codes the account gives as the sender or above an amount (see scenario use/amount). */
  moreScenarios: z.array(scenarioView),
});

export const billEntryView = z.object({
  companyCode: z.string(),
  billerName: z.string(),
  consumerNo: z.string(),
  billStatus,
  dueDate: z.string(),
  amountWithinDueDate: z.string(),
  amountAfterDueDate: z.string(),
  partialAllowed: z.boolean(),
  scenario: scenarioView,
});

export const otherScenarioView = z.object({
  operation: scenarioOperation,
  field: z.string(),
  value: z.string(),
  responseCode: z.string(),
  description: z.string(),
});

export const sandboxTestDataView = z.object({
  orgId: z.string(),
  generatedFromSeed: z.string(),
  reservedRanges: z.record(z.string(), z.string()),
  banks: z.array(
    z.object({
      bankName: z.string(),
      shortName: z.string(),
      imd: z.string(),
      bankCode: z.string().nullable(),
      wallet: z.boolean(),
    }),
  ),
  accounts: z.array(accountEntryView),
  bills: z.array(billEntryView),
  otherScenarios: z.array(otherScenarioView),
  timeoutDelayMs: z.number(),
  signing: z.object({
    algorithm: z.literal('RSA-SHA256'),
    encoding: z.literal('base64'),
    separator: z.literal('|'),
    requestFields: z.record(z.string(), z.array(z.string())),
    responseFields: z.array(z.string()),
    operatorPublicKeyPem: z.string(),
  }),
});

export const sandboxContracts = defineContracts({
  listSandboxTestData: {
    method: 'GET',
    url: '/api/v1/sandbox/test-data',
    summary:
      "The organisation's sandbox test data: accounts, IBANs, IMDs, billers, consumer numbers and the response code each triggers",
    description:
      'Callable by a signed-in member (pass orgId) or by an app with X-IBM-Client-Id and X-IBM-Client-Secret (the app’s organisation; orgId optional).',
    tags: ['sandbox'],
    auth: 'public',
    query: z.object({ orgId: orgIdSchema.optional() }),
    response: sandboxTestDataView,
    errors: ['unauthenticated', 'account_not_active', 'not_found', 'forbidden'],
  },
  resetSandbox: {
    method: 'POST',
    url: '/api/v1/sandbox/reset',
    summary:
      "Restores the organisation's simulated world from its seed (one transaction; transfers and payments are cleared)",
    tags: ['sandbox'],
    auth: 'user',
    body: z.object({ orgId: orgIdSchema }),
    response: z.object({ orgId: z.string(), resetAt: z.string(), accounts: z.number(), bills: z.number() }),
    errors: ['not_found', 'forbidden'],
  },
  getSandboxOperatorKey: {
    method: 'GET',
    url: '/api/v1/sandbox/operator-key',
    summary: 'The public key that verifies the HASH on sandbox responses',
    tags: ['sandbox'],
    auth: 'public',
    response: z.object({ algorithm: z.string(), publicKeyPem: z.string() }),
  },
  getSandboxProductOpenApi: {
    method: 'GET',
    url: '/api/v1/sandbox/products/:slug/openapi.json',
    summary: 'The OpenAPI 3.1 document of a sandbox product (ibft, bills)',
    tags: ['sandbox'],
    auth: 'public',
    params: z.object({ slug: z.string().max(40) }),
    response: z.record(z.string(), z.unknown()),
    errors: ['not_found'],
  },
});

import type { z } from 'zod';
import { ALL_BANKS, bankByImd, MODEL_BANK } from './banks.ts';
import { IBFT_CODES } from './codes.ts';
import type {
  accountEntryView,
  billEntryView,
  otherScenarioView,
  scenarioOperation,
  scenarioView,
} from './contracts.ts';
import { RESERVED, reservedRangesText } from './identifiers.ts';
import type { AccountRow, BillerRow, BillRow } from './sandbox-store.ts';
import { DECLINE_SCENARIOS, type DeclineCode, SCENARIO_ACCOUNTS } from './world.ts';

/**
 * The scenario table: which test value triggers which response code. One function builds it for
 * listSandboxTestData and for docs/sandbox-guide.md, so the two cannot disagree. Account and bill
 * scenarios are derived from the current state of the organisation's world (a paid bill lists 89).
 */
type ScenarioOperation = z.infer<typeof scenarioOperation>;
type Scenario = z.infer<typeof scenarioView>;
export type AccountEntry = z.infer<typeof accountEntryView>;
export type BillEntry = z.infer<typeof billEntryView>;
export type OtherScenario = z.infer<typeof otherScenarioView>;

const BOTH: ScenarioOperation[] = ['ibftTitleFetch', 'ibftFundsTransfer'];
const a12 = (paisa: number) => String(paisa).padStart(12, '0');

function accountScenario(a: AccountRow): Scenario {
  if (a.role === 'settlement') {
    return {
      responseCode: '02',
      description:
        'Your organisation’s settlement account: the sender of funds transfers whose AccountNumberFrom is not a sandbox account, and the payer of bill payments. It cannot be a beneficiary (02).',
      operations: BOTH,
    };
  }
  if (a.role === 'collection') {
    return {
      responseCode: '02',
      description: 'Biller collection account: receives bill payments; not a beneficiary (02).',
      operations: BOTH,
    };
  }
  if (a.scenario === 'host_down')
    return { responseCode: '55', description: 'Beneficiary bank host is down.', operations: BOTH };
  if (a.scenario === 'timeout') {
    return {
      responseCode: '58',
      description: 'The reply is delayed, then the transaction times out (58).',
      operations: BOTH,
    };
  }
  if (a.scenario === 'reject')
    return { responseCode: '95', description: 'Beneficiary bank rejects the transaction.', operations: BOTH };
  if (a.scenario?.startsWith('decline_')) {
    const c = a.scenario.slice(8) as DeclineCode;
    return { responseCode: c, description: `${IBFT_CODES[c]}: ${DECLINE_SCENARIOS[c]}`, operations: BOTH };
  }
  if (a.scenario === 'lost_posted') {
    return {
      responseCode: '58',
      description:
        'The answer is lost: the transfer is posted (the ledger moved), then after the time-out delay you get 58. ibftStatusInquiry tells COMPLETED; ibftReversal undoes it once.',
      operations: BOTH,
    };
  }
  if (a.scenario === 'lost_unposted') {
    return {
      responseCode: '58',
      description:
        'The answer is lost: the transfer times out before posting (no money moves, its RRN is used), then after the delay you get 58. ibftStatusInquiry tells FAILED with OriginalResponseCode 58; ibftReversal answers 96.',
      operations: BOTH,
    };
  }
  if (a.status === 'inactive')
    return { responseCode: '03', description: 'Account inactive.', operations: BOTH };
  if (a.status === 'dormant')
    return {
      responseCode: '21',
      description: 'Dormant account: no transaction on account.',
      operations: BOTH,
    };
  if (a.status === 'blocked')
    return { responseCode: '67', description: 'Blocked account: invalid account status.', operations: BOTH };
  const more = accountMoreScenarios(a).length > 0;
  return {
    responseCode: '00',
    description: more
      ? 'Active account: title fetch and ordinary transfers succeed; see moreScenarios for its other codes.'
      : 'Active account: title fetch and transfers succeed.',
    operations: BOTH,
  };
}

/**
 * Codes an active account gives only as the sender or above some amount (its primary scenario stays
 * 00, which holds for a title fetch and an ordinary transfer).
 */
function accountMoreScenarios(a: AccountRow): Scenario[] {
  if (a.status !== 'active' || a.scenario || a.role !== 'customer') return [];
  if (a.accountNo === SCENARIO_ACCOUNTS.lowBalanceSender && a.imd === MODEL_BANK.imd) {
    return [
      {
        responseCode: '04',
        description: `As AccountNumberFrom (FromBankIMD ${MODEL_BANK.imd}), any amount above its balance gives low balance (04).`,
        operations: ['ibftFundsTransfer'],
        use: 'sender',
        amount: a12(a.balance + 1_000_000),
      },
    ];
  }
  if (a.accountNo === SCENARIO_ACCOUNTS.limitSender && a.imd === MODEL_BANK.imd) {
    return [
      {
        responseCode: '01',
        description: `As AccountNumberFrom (FromBankIMD ${MODEL_BANK.imd}), more than its daily limit of PKR ${(a.dailyLimit / 100).toFixed(2)} in a day gives limit exceeded (01).`,
        operations: ['ibftFundsTransfer'],
        use: 'sender',
        amount: a12(a.dailyLimit + 100),
      },
    ];
  }
  if (a.maxBalance !== null) {
    return [
      {
        responseCode: '01',
        description: `Balance-capped account (max PKR ${(a.maxBalance / 100).toFixed(2)}): a transfer that would take it over the cap gives limit exceeded (01).`,
        operations: ['ibftFundsTransfer'],
        use: 'beneficiary',
        amount: a12(a.maxBalance - a.balance + 100),
      },
    ];
  }
  return [];
}

function billScenario(b: BillRow, biller: BillerRow | undefined, today: string): Scenario {
  if (biller?.status === 'down') {
    return {
      responseCode: '55',
      description: 'The biller’s host is down.',
      operations: ['billInquiry', 'billPayment'],
    };
  }
  if (b.scenario === 'timeout') {
    return {
      responseCode: '25',
      description: 'The biller does not answer in time: delayed reply, then 25.',
      operations: ['billInquiry', 'billPayment'],
    };
  }
  if (b.billStatus === 'B')
    return {
      responseCode: '02',
      description: 'Blocked consumer number.',
      operations: ['billInquiry', 'billPayment'],
    };
  if (b.billStatus === 'P') {
    return {
      responseCode: '89',
      description: 'Bill already paid: inquiry shows status P, payment is refused (89).',
      operations: ['billPayment'],
    };
  }
  const overdue = today > b.dueDate;
  const due = overdue ? b.amountAfter : b.amountWithin;
  if (b.billStatus === 'T') {
    return {
      responseCode: '00',
      description: `Partial payments allowed: pay any amount up to the outstanding ${a12(due - b.amountPaid)}${overdue ? ' (after due date)' : ''}.`,
      operations: ['billInquiry', 'billPayment'],
      amount: a12(Math.min(100_000, due - b.amountPaid)),
    };
  }
  return {
    responseCode: '00',
    description: overdue
      ? 'Overdue unpaid bill: pay exactly the amount after due date.'
      : 'Unpaid bill within due date: pay exactly the amount within due date; any other amount gives 48.',
    operations: ['billInquiry', 'billPayment'],
    amount: a12(due),
  };
}

export function otherScenarios(): OtherScenario[] {
  const m = MODEL_BANK.imd;
  return [
    {
      operation: 'ibftTitleFetch',
      field: 'ToBankIMD',
      value: '999999',
      responseCode: '06',
      description: `${IBFT_CODES['06']}: not a member IMD.`,
    },
    {
      operation: 'ibftTitleFetch',
      field: 'AccountNumberTo',
      value: `${RESERVED.accountPrefix}000000009999`,
      responseCode: '02',
      description: `No such account at IMD ${m}.`,
    },
    {
      operation: 'ibftTitleFetch',
      field: 'AccountNumberTo',
      value: 'an IBAN of another bank (e.g. an HBL test IBAN) with ToBankIMD 221166',
      responseCode: '68',
      description: 'IBAN and ToBankIMD name different banks.',
    },
    {
      operation: 'ibftTitleFetch',
      field: 'CurrencyCodeTransaction',
      value: '840',
      responseCode: '19',
      description: 'Only 586 (PKR) is supported.',
    },
    {
      operation: 'ibftTitleFetch',
      field: 'STAN',
      value: '12345',
      responseCode: '09',
      description: 'Field error; ResponseDetail names the field.',
    },
    {
      operation: 'ibftTitleFetch',
      field: 'AccountNumberTo',
      value: '(missing)',
      responseCode: '80',
      description: 'Message format error: a required field is missing or not a string.',
    },
    {
      operation: 'ibftTitleFetch',
      field: 'AccountNumberTo',
      value: 'PK36SCBL0000001123456702',
      responseCode: '94',
      description:
        'Live data refused: a valid IBAN outside the simulated range (also CNICs, mobiles and Luhn-valid cards outside their blocks).',
    },
    {
      operation: 'ibftFundsTransfer',
      field: 'TransactionAmount',
      value: '000000000000',
      responseCode: '48',
      description: 'Bad amount: a transfer must move more than zero.',
    },
    {
      operation: 'ibftFundsTransfer',
      field: 'RRN',
      value: 'an RRN already used today',
      responseCode: '10',
      description: 'Duplicate transaction (RRNs are unique per business day, Pakistan time).',
    },
    {
      operation: 'ibftStatusInquiry',
      field: 'OriginalRRN',
      value: '999999999999 (no transfer with this RRN)',
      responseCode: '30',
      description: 'Original transaction not found.',
    },
    {
      operation: 'ibftStatusInquiry',
      field: 'OriginalRRN',
      value: 'the RRN of a transfer (also one whose answer was lost)',
      responseCode: '00',
      description:
        'TransactionStatus COMPLETED, REVERSED or FAILED, with the original’s code (OriginalResponseCode) and references.',
    },
    {
      operation: 'ibftReversal',
      field: 'OriginalRRN',
      value: 'the RRN of a completed transfer, with its TransactionAmount',
      responseCode: '00',
      description: 'Reversed: the amount goes back to the sender, exactly once.',
    },
    {
      operation: 'ibftReversal',
      field: 'OriginalRRN',
      value: 'the RRN of a transfer already reversed',
      responseCode: '35',
      description: 'Original already reversed.',
    },
    {
      operation: 'ibftReversal',
      field: 'OriginalRRN',
      value: '999999999999 (no transfer with this RRN)',
      responseCode: '30',
      description: 'Original transaction not found.',
    },
    {
      operation: 'ibftReversal',
      field: 'TransactionAmount',
      value: 'any amount other than the original’s',
      responseCode: '98',
      description: 'Original amount incorrect (a reversal is always of the whole amount).',
    },
    {
      operation: 'ibftReversal',
      field: 'OriginalSTAN',
      value: 'a STAN other than the original’s',
      responseCode: '99',
      description:
        'Original data element mismatch (also OriginalAuthorizationIdentificationResponse, AccountNumberTo, ToBankIMD).',
    },
    {
      operation: 'ibftReversal',
      field: 'OriginalRRN',
      value: `the RRN of a transfer to ${SCENARIO_ACCOUNTS.lostUnposted} (timed out, not posted) or of a declined one`,
      responseCode: '96',
      description: 'Original already rejected: it moved no money, there is nothing to undo.',
    },
    {
      operation: 'billInquiry',
      field: 'CompanyCode',
      value: 'NOSUCH01',
      responseCode: '91',
      description: 'Unknown biller company code.',
    },
    {
      operation: 'billInquiry',
      field: 'ConsumerNo',
      value: '9900199999',
      responseCode: '88',
      description: 'Unknown consumer number at DELEC001.',
    },
    {
      operation: 'billInquiry',
      field: 'HASH',
      value: '(missing or wrong)',
      responseCode: '22',
      description: 'Invalid signature.',
    },
    {
      operation: 'billInquiry',
      field: 'ConsumerNo',
      value: '03001234567',
      responseCode: '94',
      description: 'Live data refused: a mobile number outside the simulated block.',
    },
    {
      operation: 'billInquiry',
      field: 'STAN',
      value: '12345',
      responseCode: '09',
      description: 'Field error; ResponseDetail names the field.',
    },
    {
      operation: 'billInquiry',
      field: 'ConsumerNo',
      value: '(missing)',
      responseCode: '80',
      description: 'Message format error.',
    },
    {
      operation: 'billPayment',
      field: 'TransactionAmount',
      value: 'any amount other than the amount due',
      responseCode: '48',
      description: 'Bad amount (partial payments only where the biller allows them).',
    },
    {
      operation: 'billPayment',
      field: 'RRN',
      value: 'an RRN already used today for a bill payment',
      responseCode: '10',
      description: 'Duplicate transaction.',
    },
    {
      operation: 'voidBillPayment',
      field: 'AuthID',
      value: 'the AuthID of a bill payment',
      responseCode: '00',
      description: 'Voids the payment; the bill is unpaid again.',
    },
    {
      operation: 'voidBillPayment',
      field: 'AuthID',
      value: '999999 (no such payment)',
      responseCode: '30',
      description: 'Original transaction not found.',
    },
    {
      operation: 'voidBillPayment',
      field: 'AuthID',
      value: 'the AuthID of an already voided payment',
      responseCode: '35',
      description: 'Original already reversed.',
    },
    ...QR_SCENARIOS,
  ];
}

/** 1QR's values (issue 34): getQRCode and parseQRCode keep no state. */
const QR_SCENARIOS: OtherScenario[] = [
  {
    operation: 'qrGetCode',
    field: 'InitiationMethod',
    value: '11 (static) or 12 (dynamic, with TransactionAmount and AdditionalData.ReferenceID)',
    responseCode: '0000',
    description: 'The EMVCo payload (QRString) and its image (QRCode, base64 PNG; SVG with ImageFormat SVG).',
  },
  {
    operation: 'qrGetCode',
    field: 'MCC',
    value: '(missing)',
    responseCode: '0080',
    description: 'Message format error: a required field is missing or not a string.',
  },
  {
    operation: 'qrGetCode',
    field: 'TransactionAmount',
    value: '25.999 (or any amount with InitiationMethod 11)',
    responseCode: '0009',
    description: 'Field error; ResponseDetail names the field.',
  },
  {
    operation: 'qrGetCode',
    field: 'MerchantAccountInformationPayee.PayeeAccountNumber',
    value: 'PK36SCBL0000001123456702',
    responseCode: '0094',
    description:
      'Live data refused: a valid IBAN outside the simulated range (also real mobiles in AdditionalData.MobileNumber).',
  },
  {
    operation: 'qrParseCode',
    field: 'QRString',
    value: 'a payload from getQRCode',
    responseCode: '0000',
    description: 'Its fields in getQRCode’s request shape.',
  },
  {
    operation: 'qrParseCode',
    field: 'QRString',
    value: 'a payload with a changed character (bad CRC) or bad fields',
    responseCode: '0009',
    description: 'Every bad field named (tag, field, problem), the CRC included.',
  },
];

export function accountEntry(a: AccountRow): AccountEntry {
  return {
    bankName: bankByImd(a.imd)?.name ?? a.imd,
    imd: a.imd,
    accountNumber: a.accountNo,
    iban: a.iban,
    title: a.title,
    status: a.status,
    accountType: a.accountType,
    mobile: a.mobile,
    cnic: a.cnic,
    cardNumber: a.cardPan,
    balance: a12(a.balance),
    dailyLimit: a12(a.dailyLimit),
    scenario: accountScenario(a),
    moreScenarios: accountMoreScenarios(a),
  };
}

export function billEntry(b: BillRow, billers: Map<string, BillerRow>, today: string): BillEntry {
  const biller = billers.get(b.companyCode);
  return {
    companyCode: b.companyCode,
    billerName: biller?.name ?? b.companyCode,
    consumerNo: b.consumerNo,
    billStatus: b.billStatus,
    dueDate: b.dueDate,
    amountWithinDueDate: a12(b.amountWithin),
    amountAfterDueDate: a12(b.amountAfter),
    partialAllowed: biller?.partialAllowed ?? false,
    scenario: billScenario(b, biller, today),
  };
}

export function bankEntries() {
  return ALL_BANKS.map((b) => ({
    bankName: b.name,
    shortName: b.shortName,
    imd: b.imd,
    bankCode: b.code,
    wallet: !!b.wallet,
  }));
}

export { reservedRangesText };

import { randomInt } from 'node:crypto';
import type { NetworkCallContext, NetworkOperation, NetworkResult } from '../../gateway/index.ts';
import { BILL_CODES, type BillCode, LIVE_DATA_CODE } from '../codes.ts';
import type { SandboxCore } from '../core.ts';
import { parseRequest } from '../request-check.ts';
import type { BillRow } from '../sandbox-store.ts';
import { signingString, verifyHash } from '../signing.ts';
import { amount12, amountAn14, findLiveData, type ParsedBody, pktParts } from '../wire.ts';
import { type BillStatus, SCENARIO_ACCOUNTS } from '../world.ts';
import { billInquiryRequest, billPaymentRequest, voidBillPaymentRequest } from './bill-schemas.ts';

/**
 * 1Bill, channel side: bill inquiry, bill payment and void bill payment over the simulated
 * billers. Every request must carry a HASH signed with the key registered on the app (1LINK's
 * void schema carries HASH; 22 INVALID SIGNATURE otherwise); every response is signed with the
 * operator key. Order of checks: format (80/09) → HASH (22) → live data (94) → biller (91/55) →
 * consumer (88) → time-out scenario (25) → bill state (02/89/48/30/35) → ledger (10) → 00.
 * The request and response schemas are in bill-schemas.ts.
 */
export const BILL_SIGNED_FIELDS = {
  billInquiry: ['ClientID', 'ChannelID', 'STAN', 'RRN', 'CompanyCode', 'ConsumerNo'],
  billPayment: [
    'ClientID',
    'ChannelID',
    'STAN',
    'RRN',
    'CompanyCode',
    'ConsumerNo',
    'AuthID',
    'TransactionAmount',
  ],
  voidBillPayment: ['ClientID', 'ChannelID', 'STAN', 'RRN', 'CompanyCode', 'ConsumerNo', 'AuthID'],
} as const;
/** Fields of every 1Bill response covered by the operator's HASH, in this order. */
export const BILL_RESPONSE_SIGNED_FIELDS = [
  'ResponseCode',
  'STAN',
  'RRN',
  'CompanyCode',
  'ConsumerNo',
  'AuthID',
] as const;

type Op = keyof typeof BILL_SIGNED_FIELDS;

const REQUESTS = {
  billInquiry: billInquiryRequest,
  billPayment: billPaymentRequest,
  voidBillPayment: voidBillPaymentRequest,
} as const satisfies Record<Op, unknown>;

const LIVE_FIELDS = ['ConsumerNo'] as const;

/** Amount due now: within due date up to and including the due date (Pakistan time). */
function amountDue(bill: BillRow, today: string): number {
  return today <= bill.dueDate ? bill.amountWithin : bill.amountAfter;
}

async function respond(
  core: SandboxCore,
  op: Op,
  f: ParsedBody,
  raw: Record<string, unknown>,
  code: BillCode,
  extra: {
    detail?: string;
    bill?: BillRow | null;
    today?: string;
    liveData?: boolean;
    receipt?: string;
  } = {},
): Promise<NetworkResult> {
  const s = (name: string) => f[name] ?? (typeof raw[name] === 'string' ? (raw[name] as string) : '');
  const body: Record<string, string> = {
    ResponseCode: code,
    ResponseDetail: extra.detail ?? BILL_CODES[code],
    ClientID: s('ClientID'),
    ChannelID: s('ChannelID'),
    STAN: s('STAN'),
    RRN: s('RRN'),
    CompanyCode: s('CompanyCode'),
    ConsumerNo: s('ConsumerNo'),
  };
  if (op === 'billInquiry') {
    const b = extra.bill;
    body.ConsumerDetail = (b?.consumerName ?? '').slice(0, 30).padEnd(30, ' ');
    body.BillStatus = b?.billStatus ?? '';
    body.DueDate = b?.dueDate ?? '';
    body.AmountWithinDueDate = b
      ? amountAn14(Math.max(0, b.amountWithin - (b.billStatus === 'T' ? b.amountPaid : 0)))
      : '';
    body.AmountAfterDueDate = b
      ? amountAn14(Math.max(0, b.amountAfter - (b.billStatus === 'T' ? b.amountPaid : 0)))
      : '';
    body.BillingMonth = b?.billingMonth ?? '';
    body.DatePaid = b?.datePaid ?? '';
    body.AmountPaid = b ? amount12(b.amountPaid) : '';
    body.AuthID = b?.tranAuthId ?? '';
  } else {
    body.AuthID = s('AuthID');
  }
  if (op === 'billPayment') {
    body.TransactionAmount = s('TransactionAmount');
    body.IdentificationParameter = extra.receipt ?? '';
  }
  body.Reserved1 = s('Reserved1');
  body.Reserved2 = s('Reserved2');
  body.HASH = await core.signer.sign(signingString(body, BILL_RESPONSE_SIGNED_FIELDS));
  const result: NetworkResult = { status: 200, body, networkCode: code };
  if (extra.liveData) result.liveDataSuspected = true;
  return result;
}

async function handleBill(core: SandboxCore, op: Op, ctx: NetworkCallContext): Promise<NetworkResult> {
  const nowMs = ctx.nowMs;
  const parsed = parseRequest(REQUESTS[op], ctx.body);
  if (!parsed.ok) {
    const raw = ctx.body && typeof ctx.body === 'object' ? (ctx.body as Record<string, unknown>) : {};
    return respond(core, op, {}, raw, parsed.problem.code, { detail: parsed.problem.detail });
  }
  const { fields: f, raw } = parsed;
  const reply = (code: BillCode, extra: Parameters<typeof respond>[5] = {}) =>
    respond(core, op, f, raw, code, extra);

  if (!f.HASH) return reply('22', { detail: 'INVALID SIGNATURE: HASH IS MISSING' });
  if (!ctx.appPublicKeyPem) {
    return reply('22', { detail: 'INVALID SIGNATURE: NO PUBLIC KEY IS REGISTERED ON THE APP' });
  }
  if (!verifyHash(ctx.appPublicKeyPem, signingString(f, BILL_SIGNED_FIELDS[op]), f.HASH)) {
    return reply('22', {
      detail: `INVALID SIGNATURE: HASH DOES NOT VERIFY OVER ${BILL_SIGNED_FIELDS[op].join('|')}`,
    });
  }
  const live = findLiveData(f, LIVE_FIELDS);
  if (live) {
    await core.reportLiveData(ctx, op, live);
    return reply(LIVE_DATA_CODE, {
      liveData: true,
      detail: `PERMISSION DENIED: LIVE DATA NOT ALLOWED IN SANDBOX: ${live.field} IS ${live.finding.explanation.toUpperCase()}`,
    });
  }
  // Checked first: awaiting the async call costs a promise per call even when there is nothing to do.
  if (!core.store.hasWorld(ctx.orgId)) await core.store.ensureWorld(ctx.orgId, nowMs);
  const companyCode = f.CompanyCode.toUpperCase();
  const biller = await core.store.findBiller(ctx.orgId, companyCode);
  if (!biller) return reply('91');
  if (biller.status === 'down')
    return reply('55', { detail: 'HOST LINK DOWN: BILLER SYSTEM IS NOT RESPONDING' });
  const bill = await core.store.findBill(ctx.orgId, companyCode, f.ConsumerNo);
  if (!bill) return reply('88');
  if (bill.scenario === 'timeout') {
    await core.sleep(core.timeoutDelayMs);
    return reply('25');
  }
  const today = pktParts(nowMs).yyyymmdd;
  if (bill.billStatus === 'B') return reply('02', { bill });

  if (op === 'billInquiry') return reply('00', { bill, today });

  if (op === 'billPayment') {
    if (bill.billStatus === 'P') return reply('89');
    const due = amountDue(bill, today);
    const amount = Number(f.TransactionAmount);
    let newStatus: BillStatus = 'P';
    if (bill.billStatus === 'T') {
      const outstanding = due - bill.amountPaid;
      if (amount <= 0 || amount > outstanding) {
        return reply('48', { detail: `BAD AMOUNT: PAY BETWEEN 000000000001 AND ${amount12(outstanding)}` });
      }
      newStatus = amount === outstanding ? 'P' : 'T';
    } else if (amount !== due) {
      return reply('48', { detail: `BAD AMOUNT: THE AMOUNT DUE IS ${amount12(due)}` });
    }
    const moved = await core.store.payBill(
      {
        orgId: ctx.orgId,
        kind: 'bill',
        rrn: f.RRN,
        stan: f.STAN,
        from: { imd: biller.collectionImd, accountNo: SETTLEMENT() },
        to: { imd: biller.collectionImd, accountNo: biller.collectionAccount },
        amount,
        authId: f.AuthID,
        appId: ctx.appId,
        nowMs,
        companyCode,
        consumerNo: f.ConsumerNo,
      },
      { billStatus: bill.billStatus, amountPaid: bill.amountPaid, newStatus, datePaid: today },
    );
    if (!moved.ok) return reply(moved.code as BillCode, { detail: moved.detail });
    return reply('00', { receipt: String(randomInt(1, 1e9)).padStart(12, '0') });
  }

  // voidBillPayment
  const payment = await core.store.findBillPayment(ctx.orgId, companyCode, f.ConsumerNo, f.AuthID);
  if (!payment) return reply('30', { detail: 'ORIGINAL TRANSACTION NOT FOUND: NO PAYMENT WITH THIS AuthID' });
  if (payment.status !== 'paid') return reply('35');
  const moved = await core.store.voidBillPayment({
    orgId: ctx.orgId,
    kind: 'void',
    rrn: f.RRN,
    stan: f.STAN,
    from: { imd: biller.collectionImd, accountNo: biller.collectionAccount },
    to: { imd: biller.collectionImd, accountNo: SETTLEMENT() },
    amount: payment.amount,
    authId: f.AuthID,
    appId: ctx.appId,
    nowMs,
    companyCode,
    consumerNo: f.ConsumerNo,
    paymentId: payment.id,
    prevBillStatus: payment.prevBillStatus,
  });
  if (!moved.ok) return reply(moved.code as BillCode, { detail: moved.detail });
  return reply('00');
}

const SETTLEMENT = () => SCENARIO_ACCOUNTS.settlement;

export function billOperations(core: SandboxCore): NetworkOperation[] {
  const endUserId = (body: unknown) => {
    const b = body as Record<string, unknown> | null;
    const v = b && typeof b === 'object' ? b.ConsumerNo : undefined;
    return typeof v === 'string' && v ? v : undefined;
  };
  const op = (operationId: Op, path: string, paymentCreating: boolean): NetworkOperation => ({
    productSlug: 'bills',
    operationId,
    method: 'POST',
    path,
    paymentCreating,
    requiresClientSecret: false,
    endUserId,
    handle: (ctx) => handleBill(core, operationId, ctx),
  });
  return [
    op('billInquiry', '/bill-inquiry-rest-service/billinquiry', false),
    op('billPayment', '/bill-payment-rest-service/billpayment', true),
    op('voidBillPayment', '/void-bill-payment-rest-service/voidbillpayment', true),
  ];
}

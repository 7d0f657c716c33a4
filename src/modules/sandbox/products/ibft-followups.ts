import type { NetworkCallContext, NetworkOperation, NetworkResult } from '../../gateway/index.ts';
import { IBFT_CODES, type IbftCode, LIVE_DATA_CODE } from '../codes.ts';
import type { SandboxCore } from '../core.ts';
import { parseRequest } from '../request-check.ts';
import type { TransferRow } from '../sandbox-store.ts';
import { amount12, findLiveData, type ParsedBody, pktParts, settlementMMDD } from '../wire.ts';
import { authId, resolveAccount } from './ibft.ts';
import { ibftReversalRequest, ibftStatusInquiryRequest } from './ibft-followup-schemas.ts';

/**
 * IBFT status inquiry (`POST /funds-transfer-rest-service/status-inquiry`) and reversal
 * (`POST /funds-transfer-rest-service/reversal`), issue 34: what a client does when a transfer's
 * answer was lost (58). Checks, in order: format (80/09) → live data (94) → the original by
 * OriginalRRN (and OriginalDate) (30) → its data elements as sent (99) → amount (98) → then
 * - inquiry: 00 with the truth about the original (TransactionStatus, OriginalResponseCode);
 * - reversal: original not completed (96) → already reversed (35) → the money goes back from the
 *   beneficiary to the sender in one transaction that marks the original (exactly once, also under
 *   concurrent reversals: ledger-store.ts reverseTransfer) → 00; a repeated reversal RRN is 10.
 * Answers carry the original's references (OriginalRRN, OriginalSTAN, its authorisation id) so the
 * per-call record off-path consumers see links the inquiry or reversal to its transfer.
 */
type Kind = 'inquiry' | 'reversal';

function respond(
  kind: Kind,
  f: ParsedBody,
  raw: Record<string, unknown>,
  nowMs: number,
  code: IbftCode,
  extra: { detail?: string; original?: TransferRow | null; authId?: string; liveData?: boolean } = {},
): NetworkResult {
  const s = (name: string) => f[name] ?? (typeof raw[name] === 'string' ? (raw[name] as string) : '');
  const now = pktParts(nowMs);
  const o = extra.original;
  const amount = o ? amount12(o.amount) : s('TransactionAmount');
  const body: Record<string, string> = {
    ResponseCode: code,
    ResponseDetail: extra.detail ?? IBFT_CODES[code],
    Amount: /^\d{12}$/.test(amount) ? amount : '',
    TransmissionDateAndTime: s('TransmissionDateAndTime'),
    STAN: s('STAN'),
    Time: f.Time ?? now.hhmmss,
    Date: f.Date ?? now.mmdd,
    DateSettlement: settlementMMDD(nowMs),
    RRN: s('RRN'),
  };
  if (kind === 'reversal')
    body.AuthorizationIdentificationResponse = code === '00' ? (extra.authId ?? '000000') : '000000';
  body.OriginalRRN = s('OriginalRRN');
  body.OriginalSTAN = o?.stan ?? '';
  body.OriginalAuthorizationIdentificationResponse = o?.authId ?? '';
  body.AccountNumberTo = o?.to.accountNo ?? '';
  body.ToBankIMD = o?.to.imd ?? '';
  if (kind === 'inquiry') {
    body.OriginalResponseCode = code === '00' && o ? o.responseCode : '';
    body.OriginalResponseDetail =
      code === '00' && o ? (IBFT_CODES[o.responseCode as IbftCode] ?? o.responseCode) : '';
    body.TransactionStatus = code === '30' ? 'NOT_FOUND' : code === '00' && o ? statusOf(o) : '';
  }
  body.Reserved1 = f.Reserved1 ?? '';
  body.Reserved2 = f.Reserved2 ?? '';
  body.Reserved3 = f.Reserved3 ?? '';
  const result: NetworkResult = { status: 200, body, networkCode: code };
  if (extra.liveData) result.liveDataSuspected = true;
  return result;
}

const statusOf = (o: TransferRow) =>
  o.responseCode !== '00' ? 'FAILED' : o.reversedBy ? 'REVERSED' : 'COMPLETED';

async function handle(core: SandboxCore, kind: Kind, ctx: NetworkCallContext): Promise<NetworkResult> {
  const nowMs = ctx.nowMs;
  const parsed = parseRequest(kind === 'inquiry' ? ibftStatusInquiryRequest : ibftReversalRequest, ctx.body);
  if (!parsed.ok) {
    const raw = ctx.body && typeof ctx.body === 'object' ? (ctx.body as Record<string, unknown>) : {};
    return respond(kind, {}, raw, nowMs, parsed.problem.code as IbftCode, { detail: parsed.problem.detail });
  }
  const { fields: f, raw } = parsed;
  const reply = (code: IbftCode, extra: Parameters<typeof respond>[5] = {}) =>
    respond(kind, f, raw, nowMs, code, extra);

  const live = findLiveData(f, ['AccountNumberTo']);
  if (live) {
    await core.reportLiveData(ctx, kind === 'inquiry' ? 'ibftStatusInquiry' : 'ibftReversal', live);
    return reply(LIVE_DATA_CODE, {
      liveData: true,
      detail: `PERMISSION DENIED: LIVE DATA NOT ALLOWED IN SANDBOX: ${live.field} IS ${live.finding.explanation.toUpperCase()}`,
    });
  }
  if (!core.store.hasWorld(ctx.orgId)) await core.store.ensureWorld(ctx.orgId, nowMs);

  // The original: the latest IBFT transfer with OriginalRRN, on OriginalDate's business day if given.
  const candidates = await core.store.findTransfers(ctx.orgId, f.OriginalRRN);
  const mmdd = f.OriginalDate;
  const original = candidates.find((c) => !mmdd || c.bizDay.slice(5).replace('-', '') === mmdd) ?? null;
  if (!original) {
    return reply('30', { detail: 'ORIGINAL TRANSACTION NOT FOUND: NO TRANSFER WITH THIS OriginalRRN' });
  }
  const mismatch = (field: string) =>
    reply('99', { original, detail: `ORIGINAL DATA ELEMENT MISMATCH: ${field}` });
  if (f.OriginalSTAN && f.OriginalSTAN !== original.stan) return mismatch('OriginalSTAN');
  if (
    f.OriginalAuthorizationIdentificationResponse &&
    f.OriginalAuthorizationIdentificationResponse !== original.authId
  )
    return mismatch('OriginalAuthorizationIdentificationResponse');
  if (f.ToBankIMD && f.ToBankIMD.slice(0, 6) !== original.to.imd) return mismatch('ToBankIMD');
  if (f.AccountNumberTo) {
    const to = resolveAccount(core, original.to.imd, f.AccountNumberTo).account;
    if (to?.accountNo !== original.to.accountNo) return mismatch('AccountNumberTo');
  }
  if (f.TransactionAmount && Number(f.TransactionAmount) !== original.amount) {
    return reply('98', {
      original,
      detail: 'ORIGINAL AMOUNT INCORRECT: TransactionAmount DIFFERS FROM THE ORIGINAL TRANSFER',
    });
  }
  if (kind === 'inquiry') return reply('00', { original });

  if (original.responseCode !== '00') {
    return reply('96', {
      original,
      detail: `ORIGINAL ALREADY REJECTED: IT WAS ANSWERED ${original.responseCode} AND MOVED NO MONEY`,
    });
  }
  if (original.reversedBy) return reply('35', { original });
  const id = authId();
  const moved = await core.store.reverseTransfer({
    orgId: ctx.orgId,
    kind: 'reversal',
    rrn: f.RRN,
    stan: f.STAN,
    from: original.to,
    to: original.from,
    amount: original.amount,
    authId: id,
    appId: ctx.appId,
    nowMs,
    originalId: original.id,
  });
  if (!moved.ok) {
    const after = moved.code === '35' ? { ...original, reversedBy: 'concurrent' } : original;
    return reply(moved.code as IbftCode, { original: after, detail: moved.detail });
  }
  return reply('00', { original, authId: id });
}

export function ibftFollowUpOperations(core: SandboxCore): NetworkOperation[] {
  return [
    {
      productSlug: 'ibft',
      operationId: 'ibftStatusInquiry',
      method: 'POST',
      path: '/funds-transfer-rest-service/status-inquiry',
      paymentCreating: false,
      requiresClientSecret: false,
      handle: (ctx) => handle(core, 'inquiry', ctx),
    },
    {
      productSlug: 'ibft',
      operationId: 'ibftReversal',
      method: 'POST',
      path: '/funds-transfer-rest-service/reversal',
      paymentCreating: true,
      requiresClientSecret: false,
      handle: (ctx) => handle(core, 'reversal', ctx),
    },
  ];
}

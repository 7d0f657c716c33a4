import { randomInt } from 'node:crypto';
import type { NetworkCallContext, NetworkOperation, NetworkResult } from '../../gateway/index.ts';
import { bankByImd, MODEL_BANK } from '../banks.ts';
import { IBFT_CODES, type IbftCode, LIVE_DATA_CODE } from '../codes.ts';
import type { SandboxCore } from '../core.ts';
import { isPkIbanShape } from '../identifiers.ts';
import { parseRequest } from '../request-check.ts';
import type { AccountRow } from '../sandbox-store.ts';
import { findLiveData, type ParsedBody, pktParts, settlementMMDD } from '../wire.ts';
import { SCENARIO_ACCOUNTS } from '../world.ts';
import { ibftFundsTransferRequest, ibftTitleFetchRequest } from './ibft-schemas.ts';

/**
 * IBFT (1IBFT): title fetch (`POST /path-1`) and funds transfer
 * (`POST /funds-transfer-rest-service/path-1`) in 1LINK's field names and formats. Checks run in
 * the network's order: format (80/09) → live data (94) → currency (19) → amount (48) → IMD (06)
 * → beneficiary (02/68) → scenario (55/58/95, the nine codes of real captures: 17/26/46/59/63/65/66/77/90)
 * → status (03/21/67) → ledger (04/01/10) → 00. The lost-answer scenarios (issue 34) answer 58
 * after the time-out delay whatever happened: `lost_posted` posts the transfer first (the ledger
 * moved), `lost_unposted` records it as timed out without moving money; the status inquiry tells
 * which (ibft-followups.ts).
 * The request and response schemas are in ibft-schemas.ts.
 */

/** Fields checked by the live-data guard. */
const LIVE_FIELDS = ['AccountNumberTo', 'AccountNumberFrom', 'SenderIBAN', 'PAN'] as const;

type Kind = 'title' | 'transfer';

function respond(
  kind: Kind,
  f: ParsedBody,
  raw: Record<string, unknown>,
  nowMs: number,
  code: IbftCode,
  extra: {
    detail?: string;
    account?: AccountRow | null;
    authId?: string;
    liveData?: boolean;
  },
): NetworkResult {
  const s = (name: string) => (typeof raw[name] === 'string' ? (raw[name] as string) : '');
  const now = pktParts(nowMs);
  const a = extra.account;
  const body: Record<string, string> = {
    ResponseCode: code,
    ResponseDetail: extra.detail ?? IBFT_CODES[code],
    PAN: f.PAN ?? '0000000000000',
    Amount: f.TransactionAmount ?? s('TransactionAmount'),
    TransmissionDateAndTime: f.TransmissionDateAndTime ?? s('TransmissionDateAndTime'),
    STAN: f.STAN ?? s('STAN'),
    Time: f.Time ?? now.hhmmss,
    Date: f.Date ?? now.mmdd,
    DateSettlement: settlementMMDD(nowMs),
    RRN: f.RRN ?? s('RRN'),
    AuthorizationIdentificationResponse: code === '00' ? (extra.authId ?? '000000') : '000000',
    AccountNumberTo: f.AccountNumberTo ?? s('AccountNumberTo'),
    ToBankIMD: f.ToBankIMD ?? s('ToBankIMD'),
  };
  if (kind === 'title') {
    const bank = a ? bankByImd(a.imd) : undefined;
    body.AccountTitleTo = code === '00' && a ? a.title : '';
    body.BranchNameTo = code === '00' && a ? a.branchName : '';
    body.BankName = bank?.name ?? '';
    body.IBAN_MobileAccountNumber = code === '00' && a ? (a.iban ?? a.mobile) : '';
  }
  body.Reserved1 = f.Reserved1 ?? '';
  body.Reserved2 = f.Reserved2 ?? '';
  body.Reserved3 = f.Reserved3 ?? '';
  const result: NetworkResult = { status: 200, body, networkCode: code };
  if (extra.liveData) result.liveDataSuspected = true;
  return result;
}

export const authId = () => String(randomInt(1, 1_000_000)).padStart(6, '0');

/** Resolves an account given as IBAN, mobile (wallets) or account number at an IMD. */
export function resolveAccount(
  core: SandboxCore,
  imd: string,
  given: string,
): { account: AccountRow | null; wrongBank: boolean } {
  const upper = given.toUpperCase();
  if (isPkIbanShape(upper)) {
    const account = core.store.staticAccountByIban(upper);
    if (!account) return { account: null, wrongBank: false };
    if (account.imd !== imd) return { account: null, wrongBank: true };
    return { account, wrongBank: false };
  }
  let no = given;
  // Wallets are addressed by mobile: 03xxxxxxxxx, 923xxxxxxxxx, +923xxxxxxxxx, +92-3xxxxxxxxx, 00923….
  const intl = /^(?:\+92-?|0092|92)(3\d{9})$/.exec(no);
  if (intl) no = `0${intl[1]}`;
  return { account: core.store.staticAccount(imd, no), wrongBank: false };
}

function statusCode(a: AccountRow): IbftCode | null {
  if (a.status === 'inactive') return '03';
  if (a.status === 'dormant') return '21';
  if (a.status === 'blocked') return '67';
  return null;
}

async function handleIbft(core: SandboxCore, kind: Kind, ctx: NetworkCallContext): Promise<NetworkResult> {
  const nowMs = ctx.nowMs;
  const parsed = parseRequest(kind === 'title' ? ibftTitleFetchRequest : ibftFundsTransferRequest, ctx.body);
  if (!parsed.ok) {
    const raw = ctx.body && typeof ctx.body === 'object' ? (ctx.body as Record<string, unknown>) : {};
    return respond(kind, {}, raw, nowMs, parsed.problem.code, { detail: parsed.problem.detail });
  }
  const { fields: f, raw } = parsed;
  const reply = (code: IbftCode, extra: Parameters<typeof respond>[5] = {}) =>
    respond(kind, f, raw, nowMs, code, extra);

  const live = findLiveData(f, LIVE_FIELDS);
  if (live) {
    await core.reportLiveData(ctx, kind === 'title' ? 'ibftTitleFetch' : 'ibftFundsTransfer', live);
    return reply(LIVE_DATA_CODE, {
      liveData: true,
      detail: `PERMISSION DENIED: LIVE DATA NOT ALLOWED IN SANDBOX: ${live.field} IS ${live.finding.explanation.toUpperCase()}`,
    });
  }
  if (f.CurrencyCodeTransaction && f.CurrencyCodeTransaction !== '586') {
    return reply('19', { detail: 'INVALID CURRENCY CODE: ONLY 586 (PKR) IS SUPPORTED' });
  }
  const amount = Number(f.TransactionAmount);
  if (kind === 'transfer' && amount <= 0)
    return reply('48', { detail: 'BAD AMOUNT: TransactionAmount MUST BE ABOVE ZERO' });

  const toImd = f.ToBankIMD.slice(0, 6);
  const toBank = bankByImd(toImd);
  if (!toBank)
    return reply('06', { detail: `INVALID IMD: ToBankIMD ${toImd} IS NOT A MEMBER OF THE NETWORK` });

  // Checked first: awaiting the async call costs a promise per call even when there is nothing to do.
  if (!core.store.hasWorld(ctx.orgId)) await core.store.ensureWorld(ctx.orgId, nowMs);
  const to = resolveAccount(core, toImd, f.AccountNumberTo);
  if (to.wrongBank) {
    return reply('68', { detail: 'INVALID TO ACCOUNT: THE IBAN BELONGS TO ANOTHER BANK THAN ToBankIMD' });
  }
  const beneficiary = to.account;
  if (!beneficiary) return reply('02');
  if (beneficiary.role !== 'customer') return reply('02');

  if (beneficiary.scenario === 'host_down') return reply('55', { account: beneficiary });
  if (beneficiary.scenario === 'timeout') {
    await core.sleep(core.timeoutDelayMs);
    return reply('58', { account: beneficiary });
  }
  if (beneficiary.scenario === 'reject') return reply('95', { account: beneficiary });
  const declined = beneficiary.scenario?.startsWith('decline_') ? beneficiary.scenario.slice(8) : null;
  if (declined) return reply(declined as IbftCode, { account: beneficiary });
  const lost = beneficiary.scenario === 'lost_posted' || beneficiary.scenario === 'lost_unposted';
  if (lost && kind === 'title') {
    await core.sleep(core.timeoutDelayMs);
    return reply('58', { account: beneficiary });
  }
  const st = statusCode(beneficiary);
  if (st) return reply(st, { account: beneficiary });

  if (kind === 'title') return reply('00', { account: beneficiary, authId: authId() });

  // Sender: the named account when it exists in this world, otherwise the organisation's settlement
  // account (a fintech's pool), so clients that send their own customer's account still work.
  const fromImd = f.FromBankIMD.slice(0, 6);
  let sender: AccountRow | null = null;
  if (f.AccountNumberFrom && bankByImd(fromImd)) {
    sender = resolveAccount(core, fromImd, f.AccountNumberFrom).account;
  }
  if (sender) {
    const sst = statusCode(sender);
    if (sst) return reply(sst, { detail: `${IBFT_CODES[sst]}: SENDER ACCOUNT` });
  }
  const from = sender ?? { imd: MODEL_BANK.imd, accountNo: SCENARIO_ACCOUNTS.settlement };
  const id = authId();
  const input = {
    orgId: ctx.orgId,
    kind: 'ibft' as const,
    rrn: f.RRN,
    stan: f.STAN,
    from: { imd: from.imd, accountNo: from.accountNo },
    to: { imd: beneficiary.imd, accountNo: beneficiary.accountNo },
    amount,
    authId: id,
    appId: ctx.appId,
    nowMs,
  };
  if (beneficiary.scenario === 'lost_unposted') {
    if (!(await core.store.recordUnposted(input, '58'))) return reply('10');
    await core.sleep(core.timeoutDelayMs);
    return reply('58');
  }
  const moved = await core.store.move(input);
  if (beneficiary.scenario === 'lost_posted' && !(!moved.ok && moved.code === '10')) {
    // Posted (or declined) and recorded; the answer is lost on the way back.
    await core.sleep(core.timeoutDelayMs);
    return reply('58');
  }
  if (!moved.ok) return reply(moved.code as IbftCode, { detail: moved.detail });
  return reply('00', { authId: id });
}

export function ibftOperations(core: SandboxCore): NetworkOperation[] {
  const endUserId = (body: unknown) => {
    const b = body as Record<string, unknown> | null;
    const v = b && typeof b === 'object' ? (b.AccountNumberFrom ?? b.SenderIBAN) : undefined;
    return typeof v === 'string' && v ? v : undefined;
  };
  return [
    {
      productSlug: 'ibft',
      operationId: 'ibftTitleFetch',
      method: 'POST',
      path: '/path-1',
      paymentCreating: false,
      requiresClientSecret: false,
      endUserId,
      handle: (ctx) => handleIbft(core, 'title', ctx),
    },
    {
      productSlug: 'ibft',
      operationId: 'ibftFundsTransfer',
      method: 'POST',
      path: '/funds-transfer-rest-service/path-1',
      paymentCreating: true,
      requiresClientSecret: false,
      endUserId,
      handle: (ctx) => handleIbft(core, 'transfer', ctx),
    },
  ];
}

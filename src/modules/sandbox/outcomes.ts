import type { OutcomeRule, OutcomeRules } from '../gateway/index.ts';

/**
 * How the network's codes read, per operation, for the gateway's usage records (issue 29, item 6):
 * which codes approve and which say the network timed out; every other code on an HTTP 2xx answer
 * is a decline (the gateway's `classifyOutcome`). main.ts hands these rules to the gateway module,
 * whose usage writer applies them to every row it writes, for the sandbox and for the production
 * upstream alike (they speak the same codes).
 *
 * Decisions (docs/sandbox-guide.md, "Outcomes"):
 * - IBFT (title fetch, funds transfer): 00 PROCESSED OK approves; 58 TRANSACTION TIMEDOUT is a
 *   time-out (failed); any other code (01 limit, 03 inactive, 10 duplicate, 55 host link down, …)
 *   is a decline.
 * - 1Bill (inquiry, payment, void): 00 approves, and so does 66 "bill in process": the network has
 *   accepted a payment for that bill and is still carrying it out, which is not a refusal (the
 *   developer must not pay again). 25 UBPS TIMEOUT is a time-out (failed). The PaySys-prefixed
 *   forms (0266, 0225) read the same, for upstreams that send them.
 * - 1QR (getQRCode, parseQRCode): 0000 approves; 0080, 0009 and 0094 decline.
 * - An HTTP status ≥ 400 (including a gateway 504) is failed whatever the body says.
 */
const IBFT: OutcomeRule = { approved: ['00'], timedOut: ['58'] };
const ONE_BILL: OutcomeRule = { approved: ['00', '66', '0266'], timedOut: ['25', '0225'] };

export const sandboxOutcomeRules: OutcomeRules = {
  byOperation: {
    ibftTitleFetch: IBFT,
    ibftFundsTransfer: IBFT,
    // Issue 34: the inquiry's 00 means "answered" (the original's fate is in its body); a reversal's 00 undid it.
    ibftStatusInquiry: IBFT,
    ibftReversal: IBFT,
    billInquiry: ONE_BILL,
    billPayment: ONE_BILL,
    voidBillPayment: ONE_BILL,
    // 1QR (issue 34): 0000 approves; it has no time-out code.
    qrGetCode: { approved: ['0000'], timedOut: [] },
    qrParseCode: { approved: ['0000'], timedOut: [] },
  },
  // Operations not listed (1QR's getQRCode, future products): 00 and 1QR's 0000 approve, 58 times out.
  otherwise: { approved: ['00', '0000'], timedOut: ['58'] },
};

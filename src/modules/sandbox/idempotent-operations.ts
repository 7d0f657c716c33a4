import type { NetworkOperation } from '../gateway/index.ts';

/**
 * The network's operations that are safe to send twice — they read and change nothing, so a
 * second attempt after a dropped connection cannot move money twice: the IBFT title fetch and
 * status inquiry, the 1Bill inquiry and the QR parse. The gateway's production path retries these,
 * once, and no other (production-upstreams.ts). Transfers, bill payments, voids and reversals are
 * never on this list: an Idempotency-Key is how a client repeats those safely.
 */
const IDEMPOTENT_OPERATIONS: ReadonlySet<string> = new Set([
  'ibftTitleFetch',
  'ibftStatusInquiry',
  'billInquiry',
  'qrParseCode',
]);

/** The operations with their `idempotent` mark set from the list. */
export function markIdempotent(ops: NetworkOperation[]): NetworkOperation[] {
  for (const op of ops) op.idempotent = IDEMPOTENT_OPERATIONS.has(op.operationId) && !op.paymentCreating;
  return ops;
}

/**
 * A call's outcome, as the usage records and their read side count it (issue 29, item 6):
 * - failed: the gateway or the upstream answered HTTP ≥ 400 (a refusal, a fault, a 504 time-out),
 *   or the network answered with a code that says it timed out;
 * - declined: HTTP 2xx, but the network's code is not one of the operation's approvals;
 * - approved: otherwise (an approval code, or no network code at all).
 *
 * Which codes approve, or say "timed out", is the network's knowledge, not the gateway's: the
 * provider of the operations (the sandbox, src/modules/sandbox/outcomes.ts) describes them as
 * data (`OutcomeRules`), main.ts hands them to the gateway module, and the usage writer applies
 * them when it writes rows (off the serving thread; rules are plain data so that they can cross
 * into the usage worker thread, where a function could not).
 */
export const OUTCOMES = ['approved', 'declined', 'failed'] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** How one operation's network codes read. */
export type OutcomeRule = {
  /** Codes that mean the network carried out (or accepted) the request. */
  approved: readonly string[];
  /** Codes that mean the network timed out: counted as failed, like an HTTP 504. */
  timedOut: readonly string[];
};

/** Rules per operation id, and the rule for operations not listed. */
export type OutcomeRules = {
  byOperation: Readonly<Record<string, OutcomeRule>>;
  otherwise: OutcomeRule;
};

/**
 * The rule when no provider described an operation: the ISO 8583-style approval 00 (and 1QR's
 * 0000) approve, 58 is a time-out, any other code is a decline.
 */
export const DEFAULT_OUTCOME_RULES: OutcomeRules = {
  byOperation: {},
  otherwise: { approved: ['00', '0000'], timedOut: ['58'] },
};

/** The outcome of one call (see above). */
export function classifyOutcome(
  rules: OutcomeRules,
  operationId: string | null,
  status: number,
  networkCode: string | null,
): Outcome {
  if (!(status < 400)) return 'failed';
  if (networkCode === null || networkCode === '') return 'approved';
  const rule =
    (operationId !== null && Object.hasOwn(rules.byOperation, operationId)
      ? rules.byOperation[operationId]
      : undefined) ?? rules.otherwise;
  if (rule.timedOut.includes(networkCode)) return 'failed';
  return rule.approved.includes(networkCode) ? 'approved' : 'declined';
}

let installed: OutcomeRules = DEFAULT_OUTCOME_RULES;

/**
 * Installs the rules every usage writer of this process uses from now on (the gateway module does,
 * with what main.ts gave it), and that a usage worker thread started later is handed.
 */
export function installOutcomeRules(rules: OutcomeRules | undefined): void {
  installed = rules ?? DEFAULT_OUTCOME_RULES;
}

/** The rules installed in this process (DEFAULT_OUTCOME_RULES until installOutcomeRules). */
export function installedOutcomeRules(): OutcomeRules {
  return installed;
}

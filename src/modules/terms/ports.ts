/**
 * What other modules ask the terms module (re-exported by index.ts). Plain types that import
 * nothing, so platform/ports.ts can re-export them for a while without an import cycle.
 */

/** The gateway's answer for one call: allowed, or refused with the code and message to send. */
export type TermsDecision = { allowed: true } | { allowed: false; code: string; message: string };

/**
 * Subscribing to a product needs its additional terms accepted by the organisation (the apps
 * module asks before a subscription).
 */
export type TermsGate = {
  hasAcceptedProductTerms(orgId: string, productSlug: string): Promise<boolean>;
};

/**
 * Asked by the gateway on every call: are the terms in force accepted (or deemed accepted) by the
 * organisation? The terms module records deemed acceptance at first use after an effective date.
 */
export type TermsEnforcer = {
  /**
   * `productSlug` adds that product's additional terms to the check (general terms always). A
   * cached decision is returned as is (no promise), a fresh one as a promise.
   */
  onApiCall(orgId: string, nowMs: number, productSlug?: string): TermsDecision | Promise<TermsDecision>;
};

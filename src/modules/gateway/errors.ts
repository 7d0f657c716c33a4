import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Gateway';

/**
 * Gateway refusals. Most are answered in the house error body; limit and capacity refusals (429, 503) as RFC 9457 problem documents that carry the house `error` member too (gateway-errors.ts renders both).
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 * main.ts hands this catalogue, with every other module's, to the app, the error-code reference
 * and the renderers; the declaration below makes its codes part of `ErrorCode` for `tsc`.
 */
export const gatewayErrors = {
  gateway_invalid_client: {
    status: 401,
    message: 'The client id is missing, unknown or not active.',
    action:
      'Send X-IBM-Client-Id with the client id of an active app (shown on the app’s page in the portal).',
    area: AREA,
  },
  gateway_invalid_client_secret: {
    status: 401,
    message: 'This operation needs the X-IBM-Client-Secret header with a valid client secret.',
    action: 'Send the X-IBM-Client-Secret header with an active secret of the app.',
    area: AREA,
  },
  gateway_invalid_token: {
    status: 401,
    message: 'The access token is missing, expired, revoked or issued to another client.',
    action:
      'Get a new access token from this catalog’s oauth2/token endpoint and send it as Authorization: Bearer <token>.',
    area: AREA,
  },
  gateway_token_in_query: {
    status: 400,
    message: 'Send the access token in the Authorization header, never in the query string.',
    action:
      'Send the token in the Authorization: Bearer header, and get a new one: a token in a URL may have been logged.',
    area: AREA,
  },
  gateway_insufficient_scope: {
    status: 403,
    message: 'The access token does not carry the needed scope.',
    action: 'Ask for a token with the scope the WWW-Authenticate header names (scope=1LinkApi).',
    area: AREA,
  },
  gateway_app_not_active: {
    status: 403,
    message:
      'The application is revoked, or its organisation’s registration has ended (a suspension has its own codes).',
    action:
      'Register a new app in the portal if your organisation is still active; ask the operator if you think this is wrong.',
    area: AREA,
  },
  gateway_app_suspended: {
    status: 403,
    message:
      'The application is suspended (by the operator or by its organisation): every call is refused until it is reinstated.',
    action:
      'Your organisation’s admins were sent the reason and what to do next by e-mail and in the portal (the notice on the app’s page); nothing is wrong with your credentials.',
    area: AREA,
  },
  gateway_organization_suspended: {
    status: 403,
    message:
      'The application’s organisation is suspended: every call of its apps is refused until the organisation is reinstated.',
    action:
      'Your organisation’s admins were sent the reason and what to do next by e-mail and in the portal; nothing is wrong with your credentials.',
    area: AREA,
  },
  // No longer answered since issue 35: a client id or token of the other catalog is 401
  // credential_wrong_catalog (authenticate.ts).
  gateway_wrong_environment: {
    status: 403,
    message: 'The application or token belongs to another catalog (sandbox or production).',
    action:
      'Call with the credentials and token of an app registered for this catalog, or call the catalog the app belongs to.',
    area: AREA,
  },
  gateway_production_not_granted: {
    status: 403,
    message: 'The application has no production access to the product of this operation.',
    action:
      'Ask for production access to this product on the app’s page in the portal; an operator decides. The sandbox catalog keeps serving the app meanwhile.',
    area: AREA,
  },
  gateway_not_subscribed: {
    status: 403,
    message: 'The application has no active subscription to the product of this operation.',
    action:
      'Subscribe the app to a plan of this product in the portal (a plan that needs approval works once an operator approves it).',
    area: AREA,
  },
  gateway_terms_not_accepted: {
    status: 403,
    message: 'The terms in force have not been accepted.',
    action:
      'Have an owner or admin accept the terms in force on the organisation’s terms page; the x-terms-code header gives the reason.',
    area: AREA,
  },
  gateway_limiter_unavailable: {
    status: 503,
    message: 'Rate limits cannot be checked right now, so limited operations are refused; retry shortly.',
    action: 'Nothing was processed: retry after Retry-After.',
    area: AREA,
  },
  gateway_overloaded: {
    status: 503,
    message: 'The gateway is saturated; the heaviest consumers are asked to slow down.',
    action: 'Slow down and retry after Retry-After.',
    area: AREA,
  },
  gateway_upstream_unavailable: {
    status: 502,
    message: 'The upstream network dropped the call before answering; its outcome is unknown.',
    action:
      'Retry after a short wait; for an operation that moves money, retry with the same Idempotency-Key so it is not carried out twice.',
    area: AREA,
  },
  gateway_upstream_unreachable: {
    status: 503,
    message: 'The upstream network could not be reached; nothing was sent to it.',
    action: 'Retry after the seconds in Retry-After; the call was not carried out.',
    area: AREA,
  },
  gateway_upstream_timeout: {
    status: 504,
    message: 'The upstream network did not answer within its time-out.',
    action:
      'The operation’s outcome is unknown: ask with a status inquiry before retrying; for an operation that moves money, retry with the same Idempotency-Key.',
    area: AREA,
  },
  gateway_upstream_bad_answer: {
    status: 502,
    message:
      'The upstream network answered with something the gateway does not pass on (too large or nested too deep).',
    action: 'Retry later; if it persists, tell the operator (the request id identifies the call).',
    area: AREA,
  },
  gateway_upstream_circuit_open: {
    status: 503,
    message: 'The upstream network is failing; the gateway is not sending it calls for a short while.',
    action: 'Retry after the seconds in Retry-After; the gateway tries the upstream again then.',
    area: AREA,
  },
  gateway_upstream_not_configured: {
    status: 503,
    message: 'No upstream is configured for this operation in this catalog.',
    action:
      'Use the sandbox catalog, or ask the operator when this operation will be available in this catalog.',
    area: AREA,
  },
  gateway_end_user_cap: {
    status: 429,
    message: 'The plan’s cap on distinct end users served in this period is reached.',
    action: 'Wait for the next period, or ask for a higher limit from the app’s page in the portal.',
    area: AREA,
  },
  gateway_invalid_idempotency_key: {
    status: 400,
    message: 'The Idempotency-Key header must be 1 to 255 visible ASCII characters.',
    action: 'Send an Idempotency-Key of 1 to 255 visible ASCII characters, a UUID for example.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof gatewayErrors> {}
}

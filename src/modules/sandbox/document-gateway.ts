/**
 * The parts of every sandbox product's OpenAPI document that describe the gateway rather than the
 * network's messages: servers, security schemes, the response fields the gateway sets and its own
 * refusals (400, 401, 403, 429, 500, 503) with their bodies. They are the gateway's behaviour
 * (rate-limit.ts, gateway.ts, fast-path.ts), written down once here; the operations' request and
 * response schemas come from the products' zod schemas (openapi.ts).
 */
export const security = [{ clientIdHeader: [], oauth: ['1LinkApi'] }];

/** Fields of the gateway's house error body (platform/errors.ts errorBody). */
const houseError = {
  type: 'object',
  additionalProperties: false,
  required: ['code', 'message', 'requestId', 'docs'],
  properties: {
    code: { type: 'string', maxLength: 64, description: 'Error code, e.g. gateway_invalid_token.' },
    message: { type: 'string', maxLength: 1000 },
    requestId: { type: 'string', maxLength: 64 },
    docs: { type: 'string', format: 'uri', maxLength: 300 },
    details: {},
  },
};
const count = { type: 'integer', format: 'int64', minimum: 0, maximum: Number.MAX_SAFE_INTEGER };

/** Response fields the gateway sets (rate-limit.ts, gateway.ts, fast-path.ts). */
const headers = {
  XRequestId: {
    description: 'Identifies the call in the usage log and in support requests.',
    schema: { type: 'string', maxLength: 64 },
  },
  CacheControl: {
    description:
      'Always no-store: answers carry personal data (account titles, IBANs) that no cache may keep.',
    schema: { type: 'string', enum: ['no-store'] },
  },
  RateLimit: {
    description:
      'IETF RateLimit field: for each policy of your plan, the remaining calls (r) and the seconds until the window resets (t), e.g. "hour";r=99;t=3570. Sent once the caller is identified and the plan limits the operation (every catalogue plan does). While a budget has many thousands of calls left, a gateway of a scaled-out deployment may count from units it took in advance, so r can lag other gateways’ calls by up to 50 ms; near the limit every call is counted exactly.',
    schema: { type: 'string', maxLength: 1024 },
  },
  RateLimitPolicy: {
    description:
      'IETF RateLimit-Policy field: each policy’s quota (q) per window of w seconds, e.g. "hour";q=100;w=3600.',
    schema: { type: 'string', maxLength: 1024 },
  },
  XRateLimitLimit: {
    description: 'The limit of the most restrictive window (legacy field).',
    schema: count,
  },
  XRateLimitRemaining: {
    description: 'Calls left in the most restrictive window (legacy field).',
    schema: count,
  },
  XRateLimitReset: {
    description: 'Seconds until the most restrictive window resets (legacy field).',
    schema: count,
  },
  RetryAfter: {
    description: 'Seconds to wait before retrying.',
    schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 2_678_400 },
  },
  WWWAuthenticate: {
    description:
      'RFC 6750 challenge: Bearer realm="darwaza", with error and error_description when credentials were sent.',
    schema: { type: 'string', maxLength: 400 },
  },
};
export const h = (name: keyof typeof headers) => ({ $ref: `#/components/headers/${name}` });
/**
 * The rate-limit fields (rate-limit.ts `limitHeaders`). The legacy fields are spelled as the gateway
 * writes them (lowercase; field names are case-insensitive): the OWASP ruleset's rate-limit rule
 * accepts exactly one of the spellings `RateLimit` / `X-RateLimit-Limit` (oneOf), so declaring both
 * families in their conventional case would fail it although the gateway sends both.
 */
export const limitHeaders = {
  RateLimit: h('RateLimit'),
  'RateLimit-Policy': h('RateLimitPolicy'),
  'x-ratelimit-limit': h('XRateLimitLimit'),
  'x-ratelimit-remaining': h('XRateLimitRemaining'),
  'x-ratelimit-reset': h('XRateLimitReset'),
};

const errorSchemas = {
  GatewayError: {
    title: 'GatewayError',
    description: 'The gateway’s refusal (the network was not called).',
    type: 'object',
    additionalProperties: false,
    required: ['error'],
    properties: { error: houseError },
  },
  GatewayProblem: {
    title: 'GatewayProblem',
    description:
      'RFC 9457 problem document for limit and capacity refusals; `error` carries the house error too.',
    type: 'object',
    additionalProperties: false,
    required: ['type', 'title', 'status', 'detail', 'instance', 'error'],
    properties: {
      type: { type: 'string', format: 'uri', maxLength: 300 },
      title: { type: 'string', enum: ['Too Many Requests', 'Service Unavailable'] },
      status: { type: 'integer', format: 'int32', minimum: 429, maximum: 503, enum: [429, 503] },
      detail: { type: 'string', maxLength: 1000 },
      instance: { type: 'string', maxLength: 100 },
      'violated-policies': {
        type: 'array',
        maxItems: 16,
        items: {
          type: 'object',
          additionalProperties: false,
          required: ['id', 'limit', 'windowSeconds', 'retryAfterSeconds'],
          properties: {
            id: { type: 'string', maxLength: 100 },
            limit: count,
            windowSeconds: count,
            retryAfterSeconds: count,
          },
        },
      },
      error: houseError,
    },
  },
};

export const components = (schemas: Record<string, unknown>) => ({
  schemas: { ...schemas, ...errorSchemas },
  headers,
  securitySchemes: {
    clientIdHeader: {
      type: 'apiKey',
      in: 'header',
      name: 'X-IBM-Client-Id',
      description: 'Client id of your app (X-Client-Id is accepted too).',
    },
    clientSecretHeader: {
      type: 'apiKey',
      in: 'header',
      name: 'X-IBM-Client-Secret',
      description: 'Client secret of your app, for operations that require it (none of these does).',
    },
    oauth: {
      type: 'oauth2',
      description:
        'OAuth 2.0 client credentials (RFC 6749 §4.4) at the catalog’s oauth2/token endpoint. Access tokens are opaque random strings, not JWTs, so RFC8725 (JWT best current practices) has nothing to apply to. They are short-lived: each expires 3600 s after issue and dies earlier when revoked (RFC 7009) or when its app, secret or subscription is. No refresh tokens are issued: ask for a new token with the client credentials.',
      flows: {
        clientCredentials: {
          tokenUrl: '/darwaza/sandbox/oauth2/token',
          scopes: { '1LinkApi': 'Call the network APIs' },
        },
      },
    },
  },
});
export const servers = [
  {
    url: '{origin}/{provider}/{catalog}',
    description:
      'Darwaza gateway, sandbox catalog by default (API Connect style base: provider and catalog); the production catalog answers only where an upstream is configured.',
    'x-internal': false,
    variables: {
      origin: { default: 'http://localhost:3000' },
      provider: { default: 'darwaza' },
      catalog: { default: 'sandbox', enum: ['sandbox', 'production'] },
    },
  },
];

const json = (schema: string) => ({
  'application/json': { schema: { $ref: `#/components/schemas/${schema}` } },
});
const problem = { 'application/problem+json': { schema: { $ref: '#/components/schemas/GatewayProblem' } } };

/** Refusals by the gateway itself, with the fields it really sends on each. */
export const gatewayResponses = {
  '400': {
    description:
      'The body is not JSON (malformed_json) or nests arrays and objects more than 64 levels deep (json_too_deep), the token was sent in the query string, or the Idempotency-Key is not valid. The body is read after the credentials are checked (so a refused body is in the app’s request log); the rate-limit fields are sent only on the last, which is checked after the rate limit.',
    headers: { 'X-Request-Id': h('XRequestId'), 'Cache-Control': h('CacheControl'), ...limitHeaders },
    content: json('GatewayError'),
  },
  '401': {
    description:
      'Missing or unknown client id, or missing, expired or revoked access token. Refused before the caller’s plan is known, so no rate-limit fields.',
    headers: {
      'X-Request-Id': h('XRequestId'),
      'Cache-Control': h('CacheControl'),
      'WWW-Authenticate': h('WWWAuthenticate'),
    },
    content: json('GatewayError'),
  },
  '403': {
    description:
      'The app is suspended (gateway_app_suspended), its organisation is suspended (gateway_organization_suspended) or it is revoked (gateway_app_not_active); or it belongs to the other catalog, has no subscription to this product, lacks the scope, or the terms in force are not accepted. Refused before the rate limit, so no rate-limit fields.',
    headers: { 'X-Request-Id': h('XRequestId'), 'Cache-Control': h('CacheControl') },
    content: json('GatewayError'),
  },
  '429': {
    description: 'A limit of the plan is reached (rate_limited), or its cap on distinct end users.',
    headers: {
      'X-Request-Id': h('XRequestId'),
      'Cache-Control': h('CacheControl'),
      'Retry-After': h('RetryAfter'),
      ...limitHeaders,
    },
    content: problem,
  },
  '500': {
    description: 'Unexpected error; quote the request id.',
    headers: { 'X-Request-Id': h('XRequestId'), 'Cache-Control': h('CacheControl') },
    content: json('GatewayError'),
  },
  '503': {
    description:
      'The rate limiter cannot be checked (fail closed), the gateway sheds load, or the catalog has no upstream.',
    headers: {
      'X-Request-Id': h('XRequestId'),
      'Cache-Control': h('CacheControl'),
      'Retry-After': h('RetryAfter'),
    },
    content: { ...problem, ...json('GatewayError') },
  },
};

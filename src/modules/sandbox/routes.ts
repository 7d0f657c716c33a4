import { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { type AnyRoute, defineRoute, type Principal } from '../../platform/http/route.ts';
import type { OrgAccess } from '../../platform/ports.ts';
import { sandboxProducts } from './openapi.ts';
import type { SandboxService } from './sandbox-service.ts';

/**
 * Portal routes of the sandbox. Test data is for members of the organisation (any role) or for an
 * app of that organisation presenting its client id and secret; reset needs a developer or above.
 */

/**
 * Verifies an app's client id and secret (provided by the apps module). Returns the app's
 * organisation, or null when the pair is wrong. Until it is wired, credential calls get 401.
 */
export type AppCredentialVerifier = (
  clientId: string,
  clientSecret: string,
) => Promise<{ appId: string; orgId: string } | null>;

const orgIdSchema = z
  .string()
  .min(3)
  .max(40)
  .regex(/^[A-Za-z0-9_-]+$/, 'must be an organisation id');

const scenario = z.object({
  responseCode: z.string(),
  description: z.string(),
  operations: z.array(z.string()),
  use: z.enum(['beneficiary', 'sender']).optional(),
  amount: z.string().optional(),
});
const testDataSchema = z.object({
  orgId: z.string(),
  generatedFromSeed: z.string(),
  reservedRanges: z.record(z.string(), z.string()),
  banks: z.array(
    z.object({
      bankName: z.string(),
      shortName: z.string(),
      imd: z.string(),
      bankCode: z.string().nullable(),
      wallet: z.boolean(),
    }),
  ),
  accounts: z.array(
    z.object({
      bankName: z.string(),
      imd: z.string(),
      accountNumber: z.string(),
      iban: z.string().nullable(),
      title: z.string(),
      status: z.string(),
      accountType: z.string(),
      mobile: z.string(),
      cnic: z.string(),
      cardNumber: z.string(),
      balance: z.string(),
      dailyLimit: z.string(),
      scenario,
      moreScenarios: z.array(scenario),
    }),
  ),
  bills: z.array(
    z.object({
      companyCode: z.string(),
      billerName: z.string(),
      consumerNo: z.string(),
      billStatus: z.string(),
      dueDate: z.string(),
      amountWithinDueDate: z.string(),
      amountAfterDueDate: z.string(),
      partialAllowed: z.boolean(),
      scenario,
    }),
  ),
  otherScenarios: z.array(
    z.object({
      operation: z.string(),
      field: z.string(),
      value: z.string(),
      responseCode: z.string(),
      description: z.string(),
    }),
  ),
  timeoutDelayMs: z.number(),
  signing: z.object({
    algorithm: z.string(),
    encoding: z.string(),
    separator: z.string(),
    requestFields: z.record(z.string(), z.array(z.string())),
    responseFields: z.array(z.string()),
    operatorPublicKeyPem: z.string(),
  }),
});

function header(
  req: { headers: Record<string, string | string[] | undefined> },
  name: string,
): string | undefined {
  const v = req.headers[name];
  return typeof v === 'string' && v ? v : undefined;
}

export function sandboxRoutes(deps: {
  service: SandboxService;
  orgAccess?: OrgAccess;
  verifyAppCredentials?: AppCredentialVerifier;
}): AnyRoute[] {
  const requireMember = async (principal: Principal, orgId: string, minRole: 'viewer' | 'developer') => {
    if (!deps.orgAccess) throw new AppError('not_found');
    return deps.orgAccess.requireMember(principal, orgId, minRole, { allowOperator: true });
  };
  return [
    defineRoute({
      method: 'GET',
      url: '/api/v1/sandbox/test-data',
      operationId: 'listSandboxTestData',
      summary:
        "The organisation's sandbox test data: accounts, IBANs, IMDs, billers, consumer numbers and the response code each triggers",
      description:
        'Callable by a signed-in member (pass orgId) or by an app with X-IBM-Client-Id and X-IBM-Client-Secret (the app’s organisation; orgId optional).',
      tags: ['sandbox'],
      auth: 'public',
      query: z.object({ orgId: orgIdSchema.optional() }),
      response: testDataSchema,
      errors: ['unauthenticated', 'account_not_active', 'not_found', 'forbidden'],
      handler: async ({ query, principal, req }) => {
        if (principal) {
          if (principal.status !== 'active') throw new AppError('account_not_active');
          if (!query.orgId)
            throw new AppError('validation_failed', {
              details: [{ in: 'query', field: 'orgId', message: 'required' }],
            });
          await requireMember(principal, query.orgId, 'viewer');
          return deps.service.testData(query.orgId);
        }
        const clientId = header(req, 'x-ibm-client-id') ?? header(req, 'x-client-id');
        const secret = header(req, 'x-ibm-client-secret') ?? header(req, 'x-client-secret');
        if (clientId && secret && deps.verifyAppCredentials) {
          const app = await deps.verifyAppCredentials(clientId, secret);
          if (!app) throw new AppError('unauthenticated', { message: 'The client id or secret is wrong.' });
          if (query.orgId && query.orgId !== app.orgId) throw new AppError('not_found');
          return deps.service.testData(app.orgId);
        }
        throw new AppError('unauthenticated');
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/sandbox/reset',
      operationId: 'resetSandbox',
      summary:
        "Restores the organisation's simulated world from its seed (one transaction; transfers and payments are cleared)",
      tags: ['sandbox'],
      auth: 'user',
      body: z.object({ orgId: orgIdSchema }),
      response: z.object({ orgId: z.string(), resetAt: z.string(), accounts: z.number(), bills: z.number() }),
      errors: ['not_found', 'forbidden'],
      handler: async ({ body, principal, ip, userAgent }) => {
        const role = await requireMember(principal!, body.orgId, 'developer');
        return deps.service.resetSandbox(
          body.orgId,
          { type: role === 'operator' ? 'operator' : 'user', id: principal!.userId },
          { ip, userAgent },
        );
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/sandbox/operator-key',
      operationId: 'getSandboxOperatorKey',
      summary: 'The public key that verifies the HASH on sandbox responses',
      tags: ['sandbox'],
      auth: 'public',
      response: z.object({ algorithm: z.string(), publicKeyPem: z.string() }),
      handler: async () => ({
        algorithm: 'RSA-SHA256',
        publicKeyPem: await deps.service.signer.publicKeyPem(),
      }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/sandbox/products/:slug/openapi.json',
      operationId: 'getSandboxProductOpenApi',
      summary: 'The OpenAPI 3.1 document of a sandbox product (ibft, bills)',
      tags: ['sandbox'],
      auth: 'public',
      params: z.object({ slug: z.string().max(40) }),
      response: z.record(z.string(), z.unknown()),
      errors: ['not_found'],
      handler: async ({ params }) => {
        const p = sandboxProducts.find((x) => x.slug === params.slug);
        if (!p) throw new AppError('not_found');
        return p.openapi;
      },
    }),
  ];
}

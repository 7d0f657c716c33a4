import { AppError } from '../../platform/errors.ts';
import { implement } from '../../platform/http/contract.ts';
import type { Principal } from '../../platform/http/route.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { sandboxContracts } from './contracts.ts';
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
}) {
  const requireMember = async (principal: Principal, orgId: string, minRole: 'viewer' | 'developer') => {
    if (!deps.orgAccess) throw new AppError('not_found');
    return deps.orgAccess.requireMember(principal, orgId, minRole, { allowOperator: true });
  };
  return implement(sandboxContracts, {
    listSandboxTestData: async ({ query, principal, req }) => {
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
    resetSandbox: async ({ body, principal, ip, userAgent }) => {
      const role = await requireMember(principal!, body.orgId, 'developer');
      return deps.service.resetSandbox(
        body.orgId,
        { type: role === 'operator' ? 'operator' : 'user', id: principal!.userId },
        { ip, userAgent },
      );
    },
    getSandboxOperatorKey: async () => ({
      algorithm: 'RSA-SHA256',
      publicKeyPem: await deps.service.signer.publicKeyPem(),
    }),
    getSandboxProductOpenApi: async ({ params }) => {
      const p = sandboxProducts.find((x) => x.slug === params.slug);
      if (!p) throw new AppError('not_found');
      return p.openapi;
    },
  });
}

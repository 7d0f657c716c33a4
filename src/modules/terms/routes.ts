import { implement } from '../../platform/http/contract.ts';
import { termsContracts } from './contracts.ts';
import type { TerminationService } from './termination-service.ts';
import type { TermsService } from './terms-service.ts';

export function termsRoutes(deps: { terms: TermsService; terminations: TerminationService }) {
  const { terms, terminations } = deps;
  return implement(termsContracts, {
    listTermsDocuments: async () => ({ items: await terms.listDocuments() }),
    getApplicableTerms: async ({ query }) => terms.getApplicableTerms(query.product ?? null),
    getTermsVersion: async ({ params, principal }) => terms.getVersion(params.versionId, principal),
    acceptTerms: async ({ params, body, principal, ip, userAgent }) =>
      terms.accept(principal!, params.versionId, body, { ip, userAgent }),
    declineTerms: async ({ params, body, principal, ip, userAgent }) =>
      terms.decline(principal!, params.versionId, body, { ip, userAgent }),
    listTermsAcceptances: async ({ query, principal }) => terms.listAcceptances(principal!, query),
    exportTermsAcceptances: async ({ query, principal, reply, ip, userAgent }) => {
      const scope = { orgId: query.orgId, userId: query.userId };
      const name = `terms-acceptances-${query.orgId ?? query.userId ?? principal!.userId}`;
      if (query.format === 'json') {
        const history = await terms.listAcceptances(principal!, scope);
        reply.header('content-disposition', `attachment; filename="${name}.json"`);
        reply.code(200).type('application/json').send(JSON.stringify(history));
        return '';
      }
      const csv = await terms.exportAcceptancesCsv(principal!, scope, { ip, userAgent });
      reply.header('content-disposition', `attachment; filename="${name}.csv"`);
      return csv;
    },
    createTermsDocument: async ({ body, principal, ip, userAgent }) =>
      terms.createDocument(principal!, body, { ip, userAgent }),
    listTermsDrafts: async ({ query, principal }) => ({
      items: await terms.listDrafts(principal!, query.documentId),
    }),
    createTermsDraft: async ({ params, body, principal, ip, userAgent }) =>
      terms.createDraft(principal!, params.documentId, body, { ip, userAgent }),
    updateTermsDraft: async ({ params, body, principal, ip, userAgent }) =>
      terms.updateDraft(principal!, params.versionId, body, { ip, userAgent }),
    publishTermsVersion: async ({ params, body, principal, ip, userAgent }) =>
      terms.publish(principal!, params.versionId, { effectiveAt: body.effectiveAt }, { ip, userAgent }),
    getTermsSettings: async () => terms.getSettings(),
    updateTermsSettings: async ({ body, principal, ip, userAgent }) =>
      terms.updateSettings(principal!, body, { ip, userAgent }),
    getOrgTermination: async ({ params, principal }) => terminations.get(principal!, params.orgId),
    requestTermination: async ({ params, body, principal, ip, userAgent }) =>
      terminations.request(principal!, params.orgId, body, { ip, userAgent }),
    withdrawTermination: async ({ params, principal, ip, userAgent }) =>
      terminations.withdraw(principal!, params.orgId, { ip, userAgent }),
    terminateOrganization: async ({ params, body, principal, ip, userAgent }) =>
      terminations.terminateByOperator(principal!, params.orgId, body.reason, { ip, userAgent }),
  });
}

import { implement } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import { termsContracts } from './contracts.ts';
import type { TerminationService } from './termination-service.ts';
import type { TermsService } from './terms-service.ts';

export function termsRoutes(deps: { terms: TermsService; terminations: TerminationService }) {
  const { terms, terminations } = deps;
  return implement(termsContracts, {
    listTermsDocuments: async () => ({ items: await terms.listDocuments() }),
    getApplicableTerms: async ({ query }) => terms.getApplicableTerms(query.product ?? null),
    getTermsVersion: async ({ params, principal }) => terms.getVersion(params.versionId, principal),
    acceptTerms: async (h) => terms.accept(h.principal!, h.params.versionId, h.body, contextOf(h)),
    declineTerms: async (h) => terms.decline(h.principal!, h.params.versionId, h.body, contextOf(h)),
    listTermsAcceptances: async ({ query, principal }) => terms.listAcceptances(principal!, query),
    exportTermsAcceptances: async (h) => {
      const { query, principal, reply } = h;
      const scope = { orgId: query.orgId, userId: query.userId };
      const name = `terms-acceptances-${query.orgId ?? query.userId ?? principal!.userId}`;
      if (query.format === 'json') {
        const history = await terms.listAcceptances(principal!, scope);
        reply.header('content-disposition', `attachment; filename="${name}.json"`);
        reply.code(200).type('application/json').send(JSON.stringify(history));
        return '';
      }
      const csv = await terms.exportAcceptancesCsv(principal!, scope, contextOf(h));
      reply.header('content-disposition', `attachment; filename="${name}.csv"`);
      return csv;
    },
    createTermsDocument: async (h) => terms.createDocument(h.principal!, h.body, contextOf(h)),
    listTermsDrafts: async ({ query, principal }) => ({
      items: await terms.listDrafts(principal!, query.documentId),
    }),
    createTermsDraft: async (h) => terms.createDraft(h.principal!, h.params.documentId, h.body, contextOf(h)),
    updateTermsDraft: async (h) => terms.updateDraft(h.principal!, h.params.versionId, h.body, contextOf(h)),
    publishTermsVersion: async (h) =>
      terms.publish(h.principal!, h.params.versionId, { effectiveAt: h.body.effectiveAt }, contextOf(h)),
    getTermsSettings: async () => terms.getSettings(),
    updateTermsSettings: async (h) => terms.updateSettings(h.principal!, h.body, contextOf(h)),
    getOrgTermination: async ({ params, principal }) => terminations.get(principal!, params.orgId),
    requestTermination: async (h) => terminations.request(h.principal!, h.params.orgId, h.body, contextOf(h)),
    withdrawTermination: async (h) => terminations.withdraw(h.principal!, h.params.orgId, contextOf(h)),
    terminateOrganization: async (h) =>
      terminations.terminateByOperator(h.principal!, h.params.orgId, h.body.reason, contextOf(h)),
  });
}

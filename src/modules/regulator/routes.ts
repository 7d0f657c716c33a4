import { AppError } from '../../platform/errors.ts';
import { implement, type Principal } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import { regulatorContracts } from './contracts.ts';
import type { RegulatorService } from './regulator-service.ts';
import type { OrgMembership } from './service-deps.ts';

export function regulatorRoutes(deps: { regulator: RegulatorService; orgs: OrgMembership }) {
  const { regulator: r, orgs } = deps;
  /** Organisation-scoped: non-members 404, members below admin 403; operators may read. */
  const admin = async (principal: Principal | null, orgId: string, allowOperator: boolean) => {
    if (!principal) throw new AppError('unauthenticated');
    await orgs.requireMember(principal, orgId, 'admin', { allowOperator });
  };
  return implement(regulatorContracts, {
    listRegulatorRequests: async () => ({ items: await r.requests.list() }),
    createRegulatorRequest: async (c) => r.requests.create(c.body, contextOf(c)),
    getRegulatorRequest: async (c) => r.requests.get(c.params.requestId),
    approveRegulatorRequest: async (c) => r.requests.approve(c.params.requestId, contextOf(c)),
    downloadRegulatorExport: async (c) => {
      const { archive, filename } = await r.requests.download(c.params.requestId, contextOf(c));
      c.reply.header('content-disposition', `attachment; filename="${filename}"`);
      c.reply.type('application/x-tar');
      return c.reply.send(archive);
    },
    getExportKey: async () => r.exportKey(),
    listInformationRequests: async () => ({ items: await r.information.list(null) }),
    createInformationRequest: async (c) => r.information.create(c.body, contextOf(c)),
    listOrganizationInformationRequests: async (c) => {
      await admin(c.principal, c.params.orgId, true);
      return { items: await r.information.list(c.params.orgId) };
    },
    answerInformationRequest: async (c) => {
      await admin(c.principal, c.params.orgId, false);
      return r.information.answer(c.params.orgId, c.params.informationRequestId, c.body.answer, contextOf(c));
    },
  });
}

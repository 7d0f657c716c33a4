import { AppError } from '../../platform/errors.ts';
import { implement } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import type { OrgAccess } from '../organizations/index.ts';
import type { ConformanceService } from './conformance-service.ts';
import { conformanceContracts } from './contracts.ts';

export function conformanceRoutes(deps: { conformance: ConformanceService; orgAccess: OrgAccess }) {
  const { conformance, orgAccess } = deps;
  return implement(conformanceContracts, {
    listConformanceSuites: async () => ({ items: conformance.listSuites() }),
    getConformanceSuite: async (c) => conformance.getSuite(c.params.productSlug),
    updateConformanceSuite: async (c) => conformance.updateSuite(c.params.productSlug, c.body, contextOf(c)),
    getConformanceProgress: async (c) => {
      if (!c.principal) throw new AppError('unauthenticated');
      // Members of the organisation, and operators (the production decision screen).
      await orgAccess.requireMember(c.principal, c.params.orgId, 'viewer', { allowOperator: true });
      return conformance.progress(c.params.orgId, c.params.appId, c.query.productSlug);
    },
  });
}

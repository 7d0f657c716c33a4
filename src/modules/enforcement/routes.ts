import { AppError } from '../../platform/errors.ts';
import { implement, type Principal } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import type { OrgRole } from '../organizations/index.ts';
import { enforcementContracts } from './contracts.ts';
import type { EnforcementService } from './enforcement-service.ts';
import { type ReasonCategory, reasonCategories } from './reasons.ts';
import type { OrgControl } from './service-deps.ts';

export function enforcementRoutes(deps: { enforcement: EnforcementService; orgs: OrgControl }) {
  const { enforcement: e, orgs } = deps;
  /** Organisation-scoped routes: non-members get 404, members below `role` 403. */
  const member = async (principal: Principal | null, orgId: string, role: OrgRole, allowOperator = false) => {
    if (!principal) throw new AppError('unauthenticated');
    await orgs.requireMember(principal, orgId, role, { allowOperator });
  };

  return implement(enforcementContracts, {
    listIncidents: async ({ query }) => e.incidents.list(query),
    createIncident: async (c) => e.incidents.report({ ...c.body, detector: 'manual' }, contextOf(c)),
    getIncident: async ({ params }) => e.incidents.detail(params.incidentId),
    updateIncident: async (c) => e.updateIncident(c.params.incidentId, c.body, contextOf(c)),
    listOrganizationIncidents: async (c) => {
      await member(c.principal, c.params.orgId, 'admin', true);
      return e.incidents.list({ ...c.query, orgId: c.params.orgId });
    },
    getOrganizationIncident: async (c) => {
      await member(c.principal, c.params.orgId, 'admin', true);
      await e.incidents.requireOfOrg(c.params.orgId, c.params.incidentId);
      return e.incidents.detail(c.params.incidentId);
    },
    replyToIncident: async (c) => {
      await member(c.principal, c.params.orgId, 'admin', true);
      return e.incidents.reply(c.principal!, c.params.orgId, c.params.incidentId, c.body.body, contextOf(c));
    },
    createEnforcementAction: async (c) => e.actions.take(c.body, { by: 'operator', ctx: contextOf(c) }),
    listEnforcementActions: async ({ query }) => ({ items: await e.actions.list(query) }),
    listOrganizationEnforcementActions: async (c) => {
      await member(c.principal, c.params.orgId, 'viewer', true);
      return { items: await e.actions.list({ ...c.query, orgId: c.params.orgId }) };
    },
    listEnforcementReasons: async () => ({
      items: (Object.keys(reasonCategories) as ReasonCategory[]).map((category) => ({
        category,
        ...reasonCategories[category],
      })),
    }),
    suspendOwnApp: async (c) => {
      await member(c.principal, c.params.orgId, 'admin');
      return e.killSwitch.suspend(c.params.orgId, c.params.appId, c.body.reason, contextOf(c));
    },
    reinstateOwnApp: async (c) => {
      await member(c.principal, c.params.orgId, 'admin');
      return e.killSwitch.reinstate(c.params.orgId, c.params.appId, c.body.reason, contextOf(c));
    },
    revokeAppTokens: async (c) => {
      await member(c.principal, c.params.orgId, 'admin');
      return { revoked: await e.killSwitch.revokeTokens(c.params.orgId, c.params.appId, contextOf(c)) };
    },
    listEnforcementPolicies: async () => ({ items: await e.policies.list() }),
    createEnforcementPolicy: async (c) => e.policies.create(c.body, contextOf(c)),
    updateEnforcementPolicy: async (c) => e.policies.update(c.params.policyId, c.body, contextOf(c)),
    dryRunEnforcementPolicy: async ({ params }) => e.policies.dryRun(params.policyId),
  });
}

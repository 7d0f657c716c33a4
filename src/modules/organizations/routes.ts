import { implement } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import { organizationsContracts } from './contracts.ts';
import type { OrganizationService } from './organization-service.ts';

export function organizationRoutes(orgs: OrganizationService) {
  return implement(organizationsContracts, {
    // ------------------------------------------------------------------ organisations
    createOrganization: async (ctx) => orgs.createOrganization(ctx.principal!, ctx.body, contextOf(ctx)),
    listMyOrganizations: async ({ principal }) => ({ items: await orgs.listMyOrganizations(principal!) }),
    getOrganization: async ({ principal, params }) => orgs.getOrganizationFor(principal!, params.orgId),
    updateOrganization: async (ctx) =>
      orgs.updateOrganization(ctx.principal!, ctx.params.orgId, ctx.body, contextOf(ctx)),
    confirmOrganizationDetails: async (ctx) =>
      orgs.confirmOrganizationDetails(ctx.principal!, ctx.params.orgId, contextOf(ctx)),
    // ------------------------------------------------------------------ members
    listMembers: async ({ principal, params }) => ({
      items: await orgs.listMembers(principal!, params.orgId),
    }),
    changeMemberRole: async (ctx) =>
      orgs.changeMemberRole(
        ctx.principal!,
        ctx.params.orgId,
        ctx.params.userId,
        ctx.body.role,
        contextOf(ctx),
      ),
    removeMember: async (ctx) => {
      await orgs.removeMember(ctx.principal!, ctx.params.orgId, ctx.params.userId, contextOf(ctx));
      return null;
    },
    transferOwnership: async (ctx) =>
      orgs.transferOwnership(ctx.principal!, ctx.params.orgId, ctx.body.userId, contextOf(ctx)),
    // ------------------------------------------------------------------ invitations
    inviteMember: async (ctx) =>
      orgs.inviteMember(ctx.principal!, ctx.params.orgId, ctx.body, contextOf(ctx)),
    listInvitations: async ({ principal, params }) => ({
      items: await orgs.listInvitations(principal!, params.orgId),
    }),
    revokeInvitation: async (ctx) => {
      await orgs.revokeInvitation(ctx.principal!, ctx.params.orgId, ctx.params.invitationId, contextOf(ctx));
      return null;
    },
    acceptInvitation: async (ctx) => orgs.acceptInvitation(ctx.principal!, ctx.body.token, contextOf(ctx)),
    // ------------------------------------------------------------------ participants (operators)
    listParticipants: async () => ({ items: await orgs.listParticipants() }),
    createParticipant: async (ctx) => orgs.createParticipant(ctx.body, contextOf(ctx)),
    listParticipantReviewers: async ({ params }) => ({
      items: await orgs.listParticipantReviewers(params.participantId),
    }),
    addParticipantReviewer: async (ctx) =>
      orgs.addParticipantReviewer(ctx.params.participantId, ctx.body.user, contextOf(ctx)),
    removeParticipantReviewer: async (ctx) => {
      await orgs.removeParticipantReviewer(ctx.params.participantId, ctx.params.userId, contextOf(ctx));
      return null;
    },
    listAllOrganizations: async ({ query }) => ({ items: await orgs.listAllOrganizations(query) }),
    requireOrganizationUpdate: async (ctx) => {
      await orgs.requireOrganizationUpdate(ctx.params.orgId, contextOf(ctx));
      return null;
    },
    // ------------------------------------------------------------------ participant reviewers
    listMyReviewParticipants: async ({ principal }) => ({
      items: await orgs.myReviewerParticipants(principal!),
    }),
    listReviewOrganizations: async ({ principal }) => ({
      items: await orgs.listReviewOrganizations(principal!),
    }),
    confirmRepresentative: async (ctx) =>
      orgs.confirmRepresentative(
        ctx.principal!,
        ctx.params.orgId,
        ctx.params.userId,
        ctx.body ?? {},
        contextOf(ctx),
      ),
    rejectRepresentative: async (ctx) =>
      orgs.rejectRepresentative(
        ctx.principal!,
        ctx.params.orgId,
        ctx.params.userId,
        ctx.body.reason,
        contextOf(ctx),
      ),
  });
}

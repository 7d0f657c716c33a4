import { z } from 'zod';
import { type AnyRoute, defineRoute, idParam } from '../../platform/http/route.ts';
import type { OrganizationService } from './organization-service.ts';

const role = z.enum(['owner', 'admin', 'developer', 'viewer']);
const assignableRole = z.enum(['admin', 'developer', 'viewer']);

const participantView = z.object({
  id: z.string(),
  name: z.string(),
  code: z.string().nullable(),
  emailDomain: z.string().nullable(),
  createdAt: z.string(),
});

const representativeView = z.object({
  userId: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  status: z.enum(['pending', 'confirmed', 'rejected', 'expired']),
  reason: z.string().nullable(),
  expiresAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
});

const orgView = z.object({
  id: z.string(),
  name: z.string(),
  registrationNumber: z.string(),
  participant: z.object({ id: z.string(), name: z.string() }),
  status: z.string(),
  address: z.string().nullable(),
  website: z.string().nullable(),
  createdAt: z.string(),
  authorityAttestedBy: z.string(),
  authorityAttestedAt: z.string(),
  authorityStatement: z.string(),
  myRole: z.string(),
  representativeConfirmed: z.boolean(),
  representative: representativeView.nullable(),
  detailsConfirmedAt: z.string(),
  detailsConfirmationDue: z.boolean(),
});

const memberView = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  role,
  joinedAt: z.string(),
});

const invitationView = z.object({
  id: z.string(),
  email: z.string(),
  role,
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
});

const orgParams = z.object({ orgId: idParam('org') });
const memberParams = z.object({ orgId: idParam('org'), userId: idParam('usr') });

export function organizationRoutes(orgs: OrganizationService): AnyRoute[] {
  const meta = (ctx: { ip: string; userAgent: string }) => ({ ip: ctx.ip, userAgent: ctx.userAgent });
  return [
    // ------------------------------------------------------------------ organisations
    defineRoute({
      method: 'POST',
      url: '/api/v1/organizations',
      operationId: 'createOrganization',
      summary: 'Register an organisation you are authorised to bind; you become its owner',
      description:
        'Requires `attestAuthority: true` (recorded with the statement), the registration number and a corporate participant from `listParticipants`. The participant must confirm you as representative before production access.',
      tags: ['organizations'],
      auth: 'user',
      status: 201,
      body: z.object({
        name: z.string().trim().min(2).max(200),
        registrationNumber: z.string().trim().min(2).max(80),
        participantId: idParam('par'),
        attestAuthority: z.boolean(),
        authorityStatement: z.string().trim().min(10).max(2000).optional(),
        address: z.string().max(500).nullable().optional(),
        website: z.string().url().max(300).nullable().optional(),
      }),
      response: orgView,
      errors: ['authority_not_attested', 'unknown_participant', 'details_confirmation_required'],
      handler: async (ctx) => orgs.createOrganization(ctx.principal!, ctx.body, meta(ctx)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/organizations',
      operationId: 'listMyOrganizations',
      summary: 'Organisations you belong to, with your role in each',
      tags: ['organizations'],
      auth: 'user',
      response: z.object({ items: z.array(orgView).max(1000) }),
      handler: async ({ principal }) => ({ items: await orgs.listMyOrganizations(principal!) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/organizations/:orgId',
      operationId: 'getOrganization',
      summary: 'One of your organisations',
      tags: ['organizations'],
      auth: 'user',
      params: orgParams,
      response: orgView,
      handler: async ({ principal, params }) => orgs.getOrganizationFor(principal!, params.orgId),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/organizations/:orgId',
      operationId: 'updateOrganization',
      summary: "Update the organisation's details (admins; saving also confirms them)",
      tags: ['organizations'],
      auth: 'user',
      params: orgParams,
      body: z.object({
        name: z.string().trim().min(2).max(200).optional(),
        registrationNumber: z.string().trim().min(2).max(80).optional(),
        address: z.string().max(500).nullable().optional(),
        website: z.string().url().max(300).nullable().optional(),
      }),
      response: orgView,
      handler: async (ctx) => orgs.updateOrganization(ctx.principal!, ctx.params.orgId, ctx.body, meta(ctx)),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/organizations/:orgId/confirm-details',
      operationId: 'confirmOrganizationDetails',
      summary: "Confirm that the organisation's details are still accurate (admins)",
      tags: ['organizations'],
      auth: 'user',
      params: orgParams,
      response: orgView,
      handler: async (ctx) => orgs.confirmOrganizationDetails(ctx.principal!, ctx.params.orgId, meta(ctx)),
    }),

    // ------------------------------------------------------------------ members
    defineRoute({
      method: 'GET',
      url: '/api/v1/organizations/:orgId/members',
      operationId: 'listMembers',
      summary: 'Members of the organisation and their roles',
      tags: ['organizations'],
      auth: 'user',
      params: orgParams,
      response: z.object({ items: z.array(memberView).max(10000) }),
      handler: async ({ principal, params }) => ({ items: await orgs.listMembers(principal!, params.orgId) }),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/api/v1/organizations/:orgId/members/:userId',
      operationId: 'changeMemberRole',
      summary: "Change a member's role (admins; not above your own, not the owner)",
      tags: ['organizations'],
      auth: 'user',
      params: memberParams,
      body: z.object({ role: assignableRole }),
      response: memberView,
      errors: ['owner_cannot_leave'],
      handler: async (ctx) =>
        orgs.changeMemberRole(ctx.principal!, ctx.params.orgId, ctx.params.userId, ctx.body.role, meta(ctx)),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/organizations/:orgId/members/:userId',
      operationId: 'removeMember',
      summary: 'Remove a member (admins), or leave (yourself)',
      tags: ['organizations'],
      auth: 'user',
      status: 204,
      params: memberParams,
      response: z.null(),
      errors: ['owner_cannot_leave'],
      handler: async (ctx) => {
        await orgs.removeMember(ctx.principal!, ctx.params.orgId, ctx.params.userId, meta(ctx));
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/organizations/:orgId/ownership-transfer',
      operationId: 'transferOwnership',
      summary: 'Hand ownership to another member (owner only); you stay as an admin',
      tags: ['organizations'],
      auth: 'user',
      params: orgParams,
      body: z.object({ userId: idParam('usr') }),
      response: orgView,
      handler: async (ctx) =>
        orgs.transferOwnership(ctx.principal!, ctx.params.orgId, ctx.body.userId, meta(ctx)),
    }),

    // ------------------------------------------------------------------ invitations
    defineRoute({
      method: 'POST',
      url: '/api/v1/organizations/:orgId/invitations',
      operationId: 'inviteMember',
      summary: 'Invite someone by e-mail (admins; valid 7 days)',
      tags: ['organizations'],
      auth: 'user',
      status: 201,
      params: orgParams,
      body: z.object({ email: z.string().trim().email().max(254), role: assignableRole }),
      response: invitationView,
      errors: ['already_member'],
      handler: async (ctx) => orgs.inviteMember(ctx.principal!, ctx.params.orgId, ctx.body, meta(ctx)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/organizations/:orgId/invitations',
      operationId: 'listInvitations',
      summary: 'Invitations of the organisation (admins)',
      tags: ['organizations'],
      auth: 'user',
      params: orgParams,
      response: z.object({ items: z.array(invitationView).max(500) }),
      handler: async ({ principal, params }) => ({
        items: await orgs.listInvitations(principal!, params.orgId),
      }),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/organizations/:orgId/invitations/:invitationId',
      operationId: 'revokeInvitation',
      summary: 'Withdraw an open invitation (admins)',
      tags: ['organizations'],
      auth: 'user',
      status: 204,
      params: z.object({ orgId: idParam('org'), invitationId: idParam('inv') }),
      response: z.null(),
      handler: async (ctx) => {
        await orgs.revokeInvitation(ctx.principal!, ctx.params.orgId, ctx.params.invitationId, meta(ctx));
        return null;
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/invitations/accept',
      operationId: 'acceptInvitation',
      summary: 'Join an organisation with the token from an invitation sent to your e-mail address',
      tags: ['organizations'],
      auth: 'user',
      body: z.object({ token: z.string().min(10).max(200) }),
      response: orgView,
      errors: ['invalid_token', 'invitation_email_mismatch', 'already_member'],
      handler: async (ctx) => orgs.acceptInvitation(ctx.principal!, ctx.body.token, meta(ctx)),
    }),

    // ------------------------------------------------------------------ participants
    defineRoute({
      method: 'GET',
      url: '/api/v1/participants',
      operationId: 'listParticipants',
      summary: 'Corporate participants an organisation can name',
      tags: ['participants'],
      auth: 'user',
      response: z.object({ items: z.array(participantView).max(1000) }),
      handler: async () => ({ items: await orgs.listParticipants() }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/participants',
      operationId: 'createParticipant',
      summary: 'Add a corporate participant (member bank or payment provider)',
      tags: ['admin', 'participants'],
      auth: 'operator',
      status: 201,
      body: z.object({
        name: z.string().trim().min(2).max(200),
        code: z.string().trim().max(20).nullable().optional(),
        emailDomain: z.string().trim().max(253).nullable().optional(),
      }),
      response: participantView,
      errors: ['already_exists'],
      handler: async (ctx) => orgs.createParticipant(ctx.principal!, ctx.body, meta(ctx)),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/participants/:participantId/reviewers',
      operationId: 'listParticipantReviewers',
      summary: "The participant's reviewers",
      tags: ['admin', 'participants'],
      auth: 'operator',
      params: z.object({ participantId: idParam('par') }),
      response: z.object({
        items: z.array(z.object({ userId: z.string(), name: z.string(), email: z.string() })).max(1000),
      }),
      handler: async ({ params }) => ({ items: await orgs.listParticipantReviewers(params.participantId) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/participants/:participantId/reviewers',
      operationId: 'addParticipantReviewer',
      summary: 'Appoint a user as a reviewer acting for the participant',
      tags: ['admin', 'participants'],
      auth: 'operator',
      status: 201,
      params: z.object({ participantId: idParam('par') }),
      body: z.object({ user: z.string().trim().min(3).max(254).describe('user id or e-mail') }),
      response: z.object({ participantId: z.string(), userId: z.string() }),
      errors: ['already_exists'],
      handler: async (ctx) =>
        orgs.addParticipantReviewer(ctx.principal!, ctx.params.participantId, ctx.body.user, meta(ctx)),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/api/v1/admin/participants/:participantId/reviewers/:userId',
      operationId: 'removeParticipantReviewer',
      summary: 'Withdraw a reviewer appointment',
      tags: ['admin', 'participants'],
      auth: 'operator',
      status: 204,
      params: z.object({ participantId: idParam('par'), userId: idParam('usr') }),
      response: z.null(),
      handler: async (ctx) => {
        await orgs.removeParticipantReviewer(
          ctx.principal!,
          ctx.params.participantId,
          ctx.params.userId,
          meta(ctx),
        );
        return null;
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/admin/organizations',
      operationId: 'listAllOrganizations',
      summary: 'Every organisation (operators)',
      tags: ['admin', 'organizations'],
      auth: 'operator',
      query: z.object({
        participantId: z.string().max(40).optional(),
        limit: z.coerce.number().int().min(1).max(500).optional(),
      }),
      response: z.object({ items: z.array(orgView).max(500) }),
      handler: async ({ query }) => ({ items: await orgs.listAllOrganizations(query) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/admin/organizations/:orgId/require-update',
      operationId: 'requireOrganizationUpdate',
      summary: "Require the organisation's admins to review and confirm its details before further use",
      tags: ['admin', 'organizations'],
      auth: 'operator',
      status: 204,
      params: orgParams,
      response: z.null(),
      handler: async (ctx) => {
        await orgs.requireOrganizationUpdate(ctx.principal!, ctx.params.orgId, meta(ctx));
        return null;
      },
    }),

    // ------------------------------------------------------------------ participant reviewers
    defineRoute({
      method: 'GET',
      url: '/api/v1/review/participants',
      operationId: 'listMyReviewParticipants',
      summary: 'The participants you review for (empty unless an operator appointed you)',
      tags: ['participants'],
      auth: 'user',
      response: z.object({ items: z.array(participantView).max(1000) }),
      handler: async ({ principal }) => ({ items: await orgs.myReviewerParticipants(principal!) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/api/v1/review/organizations',
      operationId: 'listReviewOrganizations',
      summary: 'Organisations that named your participant, with their representatives (reviewers)',
      tags: ['participants'],
      auth: 'user',
      response: z.object({
        items: z.array(orgView.extend({ representatives: z.array(representativeView) })).max(500),
      }),
      handler: async ({ principal }) => ({ items: await orgs.listReviewOrganizations(principal!) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/review/organizations/:orgId/representatives/:userId/confirm',
      operationId: 'confirmRepresentative',
      summary: 'Confirm a person as authorised representative of the organisation, until a date',
      tags: ['participants'],
      auth: 'user',
      params: memberParams,
      body: z
        .object({
          validUntil: z.string().datetime().optional(),
          note: z.string().trim().max(1000).optional(),
        })
        .optional(),
      response: representativeView,
      handler: async (ctx) =>
        orgs.confirmRepresentative(
          ctx.principal!,
          ctx.params.orgId,
          ctx.params.userId,
          ctx.body ?? {},
          meta(ctx),
        ),
    }),
    defineRoute({
      method: 'POST',
      url: '/api/v1/review/organizations/:orgId/representatives/:userId/reject',
      operationId: 'rejectRepresentative',
      summary: 'Decline to confirm a person as representative, with a reason',
      tags: ['participants'],
      auth: 'user',
      params: memberParams,
      body: z.object({ reason: z.string().trim().min(3).max(1000) }),
      response: representativeView,
      handler: async (ctx) =>
        orgs.rejectRepresentative(
          ctx.principal!,
          ctx.params.orgId,
          ctx.params.userId,
          ctx.body.reason,
          meta(ctx),
        ),
    }),
  ];
}

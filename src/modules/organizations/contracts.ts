import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { idParam } from '../../platform/http/route.ts';

/**
 * The organisations module's routes as data (organisations, members, invitations, corporate
 * participants and their reviewers), and the views they answer with. The service's view types are
 * these schemas' types: one definition each.
 */

/** A member's role in an organisation, lowest last in rank: owner > admin > developer > viewer. */
export const orgRole = z.enum(['owner', 'admin', 'developer', 'viewer']);
/** Roles an admin may give (ownership moves only by transfer). */
const assignableRole = z.enum(['admin', 'developer', 'viewer']);
/** An organisation's status (a terminated one stays readable by its members). */
export const orgStatus = z.enum(['active', 'suspended', 'terminated']);

export const participantView = z.object({
  id: z.string(),
  name: z.string(),
  code: z.string().nullable(),
  emailDomain: z.string().nullable(),
  createdAt: z.string(),
});

export const representativeView = z.object({
  userId: z.string(),
  name: z.string().nullable(),
  email: z.string().nullable(),
  status: z.enum(['pending', 'confirmed', 'rejected', 'expired']),
  reason: z.string().nullable(),
  expiresAt: z.string().nullable(),
  decidedAt: z.string().nullable(),
});

export const orgView = z.object({
  id: z.string(),
  name: z.string(),
  registrationNumber: z.string(),
  participant: z.object({ id: z.string(), name: z.string() }),
  status: orgStatus,
  address: z.string().nullable(),
  website: z.string().nullable(),
  createdAt: z.string(),
  authorityAttestedBy: z.string(),
  authorityAttestedAt: z.string(),
  authorityStatement: z.string(),
  /** The caller's role, or how else they see it: as an operator, or as the participant's reviewer. */
  myRole: z.enum([...orgRole.options, 'operator', 'reviewer']),
  representativeConfirmed: z.boolean(),
  representative: representativeView.nullable(),
  detailsConfirmedAt: z.string(),
  detailsConfirmationDue: z.boolean(),
});

export const memberView = z.object({
  userId: z.string(),
  name: z.string(),
  email: z.string(),
  role: orgRole,
  joinedAt: z.string(),
});

export const invitationView = z.object({
  id: z.string(),
  email: z.string(),
  role: orgRole,
  invitedBy: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
  status: z.enum(['pending', 'accepted', 'revoked', 'expired']),
});

const orgParams = z.object({ orgId: idParam('org') });
const memberParams = z.object({ orgId: idParam('org'), userId: idParam('usr') });

export const organizationsContracts = defineContracts({
  // ------------------------------------------------------------------ organisations
  createOrganization: {
    method: 'POST',
    url: '/api/v1/organizations',
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
  },
  listMyOrganizations: {
    method: 'GET',
    url: '/api/v1/organizations',
    summary: 'Organisations you belong to, with your role in each',
    tags: ['organizations'],
    auth: 'user',
    response: z.object({ items: z.array(orgView).max(1000) }),
  },
  getOrganization: {
    method: 'GET',
    url: '/api/v1/organizations/:orgId',
    summary: 'One of your organisations',
    tags: ['organizations'],
    auth: 'user',
    params: orgParams,
    response: orgView,
  },
  updateOrganization: {
    method: 'PATCH',
    url: '/api/v1/organizations/:orgId',
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
  },
  confirmOrganizationDetails: {
    method: 'POST',
    url: '/api/v1/organizations/:orgId/confirm-details',
    summary: "Confirm that the organisation's details are still accurate (admins)",
    tags: ['organizations'],
    auth: 'user',
    params: orgParams,
    response: orgView,
  },
  // ------------------------------------------------------------------ members
  listMembers: {
    method: 'GET',
    url: '/api/v1/organizations/:orgId/members',
    summary: 'Members of the organisation and their roles',
    tags: ['organizations'],
    auth: 'user',
    params: orgParams,
    response: z.object({ items: z.array(memberView).max(10000) }),
  },
  changeMemberRole: {
    method: 'PATCH',
    url: '/api/v1/organizations/:orgId/members/:userId',
    summary: "Change a member's role (admins; not above your own, not the owner)",
    tags: ['organizations'],
    auth: 'user',
    params: memberParams,
    body: z.object({ role: assignableRole }),
    response: memberView,
    errors: ['owner_cannot_leave'],
  },
  removeMember: {
    method: 'DELETE',
    url: '/api/v1/organizations/:orgId/members/:userId',
    summary: 'Remove a member (admins), or leave (yourself)',
    tags: ['organizations'],
    auth: 'user',
    status: 204,
    params: memberParams,
    response: z.null(),
    errors: ['owner_cannot_leave'],
  },
  transferOwnership: {
    method: 'POST',
    url: '/api/v1/organizations/:orgId/ownership-transfer',
    summary: 'Hand ownership to another member (owner only); you stay as an admin',
    tags: ['organizations'],
    auth: 'user',
    params: orgParams,
    body: z.object({ userId: idParam('usr') }),
    response: orgView,
  },
  // ------------------------------------------------------------------ invitations
  inviteMember: {
    method: 'POST',
    url: '/api/v1/organizations/:orgId/invitations',
    summary: 'Invite someone by e-mail (admins; valid 7 days)',
    tags: ['organizations'],
    auth: 'user',
    status: 201,
    params: orgParams,
    body: z.object({ email: z.string().trim().email().max(254), role: assignableRole }),
    response: invitationView,
    errors: ['already_member'],
  },
  listInvitations: {
    method: 'GET',
    url: '/api/v1/organizations/:orgId/invitations',
    summary: 'Invitations of the organisation (admins)',
    tags: ['organizations'],
    auth: 'user',
    params: orgParams,
    response: z.object({ items: z.array(invitationView).max(500) }),
  },
  revokeInvitation: {
    method: 'DELETE',
    url: '/api/v1/organizations/:orgId/invitations/:invitationId',
    summary: 'Withdraw an open invitation (admins)',
    tags: ['organizations'],
    auth: 'user',
    status: 204,
    params: z.object({ orgId: idParam('org'), invitationId: idParam('inv') }),
    response: z.null(),
  },
  acceptInvitation: {
    method: 'POST',
    url: '/api/v1/invitations/accept',
    summary: 'Join an organisation with the token from an invitation sent to your e-mail address',
    tags: ['organizations'],
    auth: 'user',
    body: z.object({ token: z.string().min(10).max(200) }),
    response: orgView,
    errors: ['invalid_token', 'invitation_email_mismatch', 'already_member'],
  },
  // ------------------------------------------------------------------ participants
  listParticipants: {
    method: 'GET',
    url: '/api/v1/participants',
    summary: 'Corporate participants an organisation can name',
    tags: ['participants'],
    auth: 'user',
    response: z.object({ items: z.array(participantView).max(1000) }),
  },
  createParticipant: {
    method: 'POST',
    url: '/api/v1/admin/participants',
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
  },
  listParticipantReviewers: {
    method: 'GET',
    url: '/api/v1/admin/participants/:participantId/reviewers',
    summary: "The participant's reviewers",
    tags: ['admin', 'participants'],
    auth: 'operator',
    params: z.object({ participantId: idParam('par') }),
    response: z.object({
      items: z.array(z.object({ userId: z.string(), name: z.string(), email: z.string() })).max(1000),
    }),
  },
  addParticipantReviewer: {
    method: 'POST',
    url: '/api/v1/admin/participants/:participantId/reviewers',
    summary: 'Appoint a user as a reviewer acting for the participant',
    tags: ['admin', 'participants'],
    auth: 'operator',
    status: 201,
    params: z.object({ participantId: idParam('par') }),
    body: z.object({ user: z.string().trim().min(3).max(254).describe('user id or e-mail') }),
    response: z.object({ participantId: z.string(), userId: z.string() }),
    errors: ['already_exists'],
  },
  removeParticipantReviewer: {
    method: 'DELETE',
    url: '/api/v1/admin/participants/:participantId/reviewers/:userId',
    summary: 'Withdraw a reviewer appointment',
    tags: ['admin', 'participants'],
    auth: 'operator',
    status: 204,
    params: z.object({ participantId: idParam('par'), userId: idParam('usr') }),
    response: z.null(),
  },
  listAllOrganizations: {
    method: 'GET',
    url: '/api/v1/admin/organizations',
    summary: 'Every organisation (operators)',
    tags: ['admin', 'organizations'],
    auth: 'operator',
    query: z.object({
      participantId: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
    response: z.object({ items: z.array(orgView).max(500) }),
  },
  requireOrganizationUpdate: {
    method: 'POST',
    url: '/api/v1/admin/organizations/:orgId/require-update',
    summary: "Require the organisation's admins to review and confirm its details before further use",
    tags: ['admin', 'organizations'],
    auth: 'operator',
    status: 204,
    params: orgParams,
    response: z.null(),
  },
  // ------------------------------------------------------------------ participant reviewers
  listMyReviewParticipants: {
    method: 'GET',
    url: '/api/v1/review/participants',
    summary: 'The participants you review for (empty unless an operator appointed you)',
    tags: ['participants'],
    auth: 'user',
    response: z.object({ items: z.array(participantView).max(1000) }),
  },
  listReviewOrganizations: {
    method: 'GET',
    url: '/api/v1/review/organizations',
    summary: 'Organisations that named your participant, with their representatives (reviewers)',
    tags: ['participants'],
    auth: 'user',
    response: z.object({
      items: z.array(orgView.extend({ representatives: z.array(representativeView) })).max(500),
    }),
  },
  confirmRepresentative: {
    method: 'POST',
    url: '/api/v1/review/organizations/:orgId/representatives/:userId/confirm',
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
  },
  rejectRepresentative: {
    method: 'POST',
    url: '/api/v1/review/organizations/:orgId/representatives/:userId/reject',
    summary: 'Decline to confirm a person as representative, with a reason',
    tags: ['participants'],
    auth: 'user',
    params: memberParams,
    body: z.object({ reason: z.string().trim().min(3).max(1000) }),
    response: representativeView,
  },
});

import type { Principal } from '../../platform/http/route.ts';
import { DetailsReconfirmation } from './details-reconfirmation.ts';
import { Invitations } from './invitations.ts';
import { Members } from './members.ts';
import { OrgAccessChecks } from './org-access.ts';
import { OrgTermination } from './org-termination.ts';
import { Organizations } from './organizations.ts';
import { Participants } from './participants.ts';
import type { OrgAccess, OrgRole } from './ports.ts';
import { RepresentativeReviews } from './representative-reviews.ts';
import { type OrganizationOptions, orgServiceDeps } from './service-deps.ts';

/**
 * The organizations service as the rest of the program sees it: one object that delegates to the
 * parts, each in its own file (org-access, participants, organizations, details-reconfirmation,
 * members, invitations, representative-reviews, org-termination), all sharing the module's store,
 * the audit helper and the outbox (service-deps.ts). Promises: a caller who is not a member of an
 * organisation learns nothing about it (not_found, never forbidden); only the owner can hand over
 * ownership; every membership and confirmation change is audited in the same transaction.
 */
export type { OrganizationOptions } from './service-deps.ts';

export class OrganizationService implements OrgAccess {
  readonly #access: OrgAccessChecks;
  readonly #participants: Participants;
  readonly #orgs: Organizations;
  readonly #details: DetailsReconfirmation;
  readonly #members: Members;
  readonly #invitations: Invitations;
  readonly #reviews: RepresentativeReviews;
  readonly #termination: OrgTermination;

  constructor(opts: OrganizationOptions) {
    const deps = orgServiceDeps(opts);
    this.#access = new OrgAccessChecks(deps);
    this.#participants = new Participants(deps);
    this.#orgs = new Organizations(deps, this.#access, this.#participants);
    this.#details = new DetailsReconfirmation(deps, this.#access, this.#orgs);
    this.#members = new Members(deps, this.#access, this.#orgs);
    this.#invitations = new Invitations(deps, this.#access, this.#orgs);
    this.#reviews = new RepresentativeReviews(deps);
    this.#termination = new OrgTermination(deps, this.#access);
  }

  // ------------------------------------------------------------------------------ OrgAccess

  requireMember(
    principal: Principal,
    orgId: string,
    minRole?: OrgRole,
    opts?: { allowOperator?: boolean },
  ): Promise<OrgRole | 'operator'> {
    return this.#access.requireMember(principal, orgId, minRole, opts);
  }
  getOrganization(...a: Parameters<OrgAccessChecks['getOrganization']>) {
    return this.#access.getOrganization(...a);
  }
  memberUserIds(...a: Parameters<OrgAccessChecks['memberUserIds']>) {
    return this.#access.memberUserIds(...a);
  }
  orgIdsOfUser(...a: Parameters<OrgAccessChecks['orgIdsOfUser']>) {
    return this.#access.orgIdsOfUser(...a);
  }
  requireCurrentDetails(principal: Principal, orgId: string): Promise<void> {
    return this.#access.requireCurrentDetails(principal, orgId);
  }

  // ------------------------------------------------------------------------------ participants

  createParticipant(...a: Parameters<Participants['createParticipant']>) {
    return this.#participants.createParticipant(...a);
  }
  getParticipant(...a: Parameters<Participants['getParticipant']>) {
    return this.#participants.getParticipant(...a);
  }
  findParticipantByName(...a: Parameters<Participants['findParticipantByName']>) {
    return this.#participants.findParticipantByName(...a);
  }
  listParticipants() {
    return this.#participants.listParticipants();
  }
  addParticipantReviewer(...a: Parameters<Participants['addParticipantReviewer']>) {
    return this.#participants.addParticipantReviewer(...a);
  }
  removeParticipantReviewer(...a: Parameters<Participants['removeParticipantReviewer']>) {
    return this.#participants.removeParticipantReviewer(...a);
  }
  listParticipantReviewers(...a: Parameters<Participants['listParticipantReviewers']>) {
    return this.#participants.listParticipantReviewers(...a);
  }
  myReviewerParticipants(...a: Parameters<Participants['myReviewerParticipants']>) {
    return this.#participants.myReviewerParticipants(...a);
  }

  // ------------------------------------------------------------------------------ organisations

  createOrganization(...a: Parameters<Organizations['createOrganization']>) {
    return this.#orgs.createOrganization(...a);
  }
  getOrganizationFor(...a: Parameters<Organizations['getOrganizationFor']>) {
    return this.#orgs.getOrganizationFor(...a);
  }
  listMyOrganizations(...a: Parameters<Organizations['listMyOrganizations']>) {
    return this.#orgs.listMyOrganizations(...a);
  }
  listAllOrganizations(...a: Parameters<Organizations['listAllOrganizations']>) {
    return this.#orgs.listAllOrganizations(...a);
  }
  findOrganizationByName(...a: Parameters<Organizations['findOrganizationByName']>) {
    return this.#orgs.findOrganizationByName(...a);
  }
  setOrganizationStatus(...a: Parameters<Organizations['setOrganizationStatus']>) {
    return this.#orgs.setOrganizationStatus(...a);
  }

  // ------------------------------------------------------------------------------ details

  updateOrganization(...a: Parameters<DetailsReconfirmation['updateOrganization']>) {
    return this.#details.updateOrganization(...a);
  }
  confirmOrganizationDetails(...a: Parameters<DetailsReconfirmation['confirmOrganizationDetails']>) {
    return this.#details.confirmOrganizationDetails(...a);
  }
  requireOrganizationUpdate(...a: Parameters<DetailsReconfirmation['requireOrganizationUpdate']>) {
    return this.#details.requireOrganizationUpdate(...a);
  }

  // ------------------------------------------------------------------------------ members

  listMembers(...a: Parameters<Members['listMembers']>) {
    return this.#members.listMembers(...a);
  }
  changeMemberRole(...a: Parameters<Members['changeMemberRole']>) {
    return this.#members.changeMemberRole(...a);
  }
  removeMember(...a: Parameters<Members['removeMember']>) {
    return this.#members.removeMember(...a);
  }
  transferOwnership(...a: Parameters<Members['transferOwnership']>) {
    return this.#members.transferOwnership(...a);
  }
  addMemberAsSystem(...a: Parameters<Members['addMemberAsSystem']>) {
    return this.#members.addMemberAsSystem(...a);
  }

  // ------------------------------------------------------------------------------ invitations

  inviteMember(...a: Parameters<Invitations['inviteMember']>) {
    return this.#invitations.inviteMember(...a);
  }
  listInvitations(...a: Parameters<Invitations['listInvitations']>) {
    return this.#invitations.listInvitations(...a);
  }
  revokeInvitation(...a: Parameters<Invitations['revokeInvitation']>) {
    return this.#invitations.revokeInvitation(...a);
  }
  acceptInvitation(...a: Parameters<Invitations['acceptInvitation']>) {
    return this.#invitations.acceptInvitation(...a);
  }

  // ------------------------------------------------------------------------------ representative reviews

  listReviewOrganizations(...a: Parameters<RepresentativeReviews['listReviewOrganizations']>) {
    return this.#reviews.listReviewOrganizations(...a);
  }
  confirmRepresentative(...a: Parameters<RepresentativeReviews['confirmRepresentative']>) {
    return this.#reviews.confirmRepresentative(...a);
  }
  rejectRepresentative(...a: Parameters<RepresentativeReviews['rejectRepresentative']>) {
    return this.#reviews.rejectRepresentative(...a);
  }
  confirmRepresentativeAsSystem(...a: Parameters<RepresentativeReviews['confirmRepresentativeAsSystem']>) {
    return this.#reviews.confirmRepresentativeAsSystem(...a);
  }

  // ------------------------------------------------------------------------------ termination

  /** Subscribed to `terms.organization_terminated` (index.ts). */
  onOrganizationTerminated(orgId: string, reason: string): Promise<void> {
    return this.#termination.onOrganizationTerminated(orgId, reason);
  }
}

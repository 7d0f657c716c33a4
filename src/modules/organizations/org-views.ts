import type { z } from 'zod';
import type {
  invitationView,
  memberView,
  orgView,
  participantView,
  representativeView,
} from './contracts.ts';
import type { OrganizationRow, ParticipantRow } from './organizations-store.ts';
import type { OrgStatus } from './ports.ts';
import type { OrgServiceDeps } from './service-deps.ts';

/**
 * How organisations, participants and representatives are shown: the views the contracts promise,
 * built from the store's rows (and identity's names), and whether an organisation's details are
 * due for re-confirmation.
 */
export type ParticipantView = z.infer<typeof participantView>;
export type RepresentativeView = z.infer<typeof representativeView>;
export type OrgView = z.infer<typeof orgView>;
export type MemberView = z.infer<typeof memberView>;
export type InvitationView = z.infer<typeof invitationView>;

export function participantViewOf(r: ParticipantRow): ParticipantView {
  return { id: r.id, name: r.name, code: r.code, emailDomain: r.email_domain, createdAt: r.created_at };
}

export async function participantById(d: OrgServiceDeps, id: string): Promise<ParticipantView | null> {
  const r = await d.store.findParticipant(id);
  return r ? participantViewOf(r) : null;
}

/**
 * Details are due when an operator flagged the organisation or the re-confirmation period (in
 * months, identity's eligibility setting) has passed since they were last confirmed.
 */
export async function orgDetailsDue(
  d: OrgServiceDeps,
  org: Pick<OrganizationRow, 'update_required' | 'details_confirmed_at'>,
): Promise<boolean> {
  if (Number(org.update_required) === 1) return true;
  const due = new Date(org.details_confirmed_at);
  due.setUTCMonth(due.getUTCMonth() + (await d.identity.reconfirmMonths()));
  return due.getTime() <= d.clock.nowMs();
}

/** A representative's decision; a confirmation past its end shows as expired. */
export async function representativeOf(
  d: OrgServiceDeps,
  orgId: string,
  userId: string,
): Promise<RepresentativeView | null> {
  const r = await d.store.findRepresentative(orgId, userId);
  if (!r) return null;
  const u = await d.identity.getUser(userId);
  let status = r.status as RepresentativeView['status'];
  if (status === 'confirmed' && r.expires_at && Date.parse(r.expires_at) <= d.clock.nowMs())
    status = 'expired';
  return {
    userId,
    name: u?.name ?? null,
    email: u?.email ?? null,
    status,
    reason: r.reason,
    expiresAt: r.expires_at,
    decidedAt: r.decided_at,
  };
}

/** The owner is the organisation's representative. */
export async function ownerRepresentative(
  d: OrgServiceDeps,
  orgId: string,
): Promise<RepresentativeView | null> {
  const owner = await d.store.ownerUserId(orgId);
  if (!owner) return null;
  return representativeOf(d, orgId, owner);
}

export async function orgViewOf(
  d: OrgServiceDeps,
  r: OrganizationRow,
  myRole: OrgView['myRole'],
): Promise<OrgView> {
  const participant = await participantById(d, r.participant_id);
  const rep = await ownerRepresentative(d, r.id);
  return {
    id: r.id,
    name: r.name,
    registrationNumber: r.registration_number,
    participant: { id: r.participant_id, name: participant?.name ?? '' },
    status: r.status as OrgStatus,
    address: r.address,
    website: r.website,
    createdAt: r.created_at,
    authorityAttestedBy: r.authority_attested_by,
    authorityAttestedAt: r.authority_attested_at,
    authorityStatement: r.authority_statement,
    myRole,
    representativeConfirmed: rep?.status === 'confirmed',
    representative: rep,
    detailsConfirmedAt: r.details_confirmed_at,
    detailsConfirmationDue: await orgDetailsDue(d, r),
  };
}

import type { z } from 'zod';
import type { adminUserView, sessionView, userStatus, userView } from './contracts.ts';
import type { UserRow } from './identity-store.ts';

/** How a user row is shown: to the user themself, and to operators (with the decision trail). */
export type UserStatus = z.infer<typeof userStatus>;
export type UserView = z.infer<typeof userView>;
export type AdminUserView = z.infer<typeof adminUserView>;
export type SessionView = z.infer<typeof sessionView>;

/** Details are due when flagged, never confirmed, or confirmed `months` or more ago (at `nowMs`). */
function confirmationDue(
  confirmedAt: string | null,
  updateRequired: number,
  months: number,
  nowMs: number,
): boolean {
  if (updateRequired === 1) return true;
  if (!confirmedAt) return true;
  const d = new Date(confirmedAt);
  d.setUTCMonth(d.getUTCMonth() + months);
  return d.getTime() <= nowMs;
}

export function toUserView(r: UserRow, months: number, nowMs: number): UserView {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    // users.status only ever holds a stored status (contracts.ts: userStatus).
    status:
      r.status === 'active' && Number(r.update_required) === 1 ? 'update_required' : (r.status as UserStatus),
    isOperator: Number(r.is_operator) === 1,
    mfaEnabled: r.totp_secret_enc !== null,
    dateOfBirth: r.date_of_birth,
    countryOfResidence: r.country_of_residence,
    countryOfUse: r.country_of_use,
    phone: r.phone,
    jobTitle: r.job_title,
    createdAt: r.created_at,
    rejectionReason: r.rejection_reason,
    profileConfirmedAt: r.profile_confirmed_at,
    profileConfirmationDue: confirmationDue(r.profile_confirmed_at, Number(r.update_required), months, nowMs),
  };
}

export function toAdminUserView(r: UserRow, months: number, nowMs: number): AdminUserView {
  return {
    ...toUserView(r, months, nowMs),
    screeningMatch: r.screening_match,
    activatedAt: r.activated_at,
    decidedBy: r.decided_by,
    decidedAt: r.decided_at,
    termsVersion: r.terms_version,
  };
}

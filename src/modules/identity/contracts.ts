import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { idParam } from '../../platform/http/route.ts';

/**
 * The identity module's routes as data (accounts, sessions, second factors, operators' account
 * decisions and sign-up settings), and the views they answer with. The service's view types are
 * these schemas' types: one definition each.
 */

const email = z.string().trim().min(3).max(254).email();
/** Length in bytes is checked by the policy (password_too_long); this bound only stops abuse. */
const password = z.string().min(1).max(8192);
const country = z
  .string()
  .regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166-1 alpha-2 country code')
  .transform((c) => c.toUpperCase());
const date = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD');
const token = z.string().min(10).max(200);
const mfaCode = z.string().min(6).max(20);

/** An account's status as stored (migrations: users.status). */
export const userStatus = z.enum(['unverified', 'pending', 'active', 'rejected']);
/**
 * The status an account is shown with: its stored status, or `update_required` for an active
 * account an operator asked to review its details.
 */
const userViewStatus = z.enum([...userStatus.options, 'update_required']);

export const userView = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  status: userViewStatus,
  isOperator: z.boolean(),
  mfaEnabled: z.boolean(),
  dateOfBirth: z.string().nullable(),
  countryOfResidence: z.string().nullable(),
  countryOfUse: z.string().nullable(),
  phone: z.string().nullable(),
  jobTitle: z.string().nullable(),
  createdAt: z.string(),
  rejectionReason: z.string().nullable(),
  profileConfirmedAt: z.string().nullable(),
  profileConfirmationDue: z.boolean(),
});

export const adminUserView = userView.extend({
  screeningMatch: z.string().nullable(),
  activatedAt: z.string().nullable(),
  decidedBy: z.string().nullable(),
  decidedAt: z.string().nullable(),
  termsVersion: z.string().nullable(),
});

export const sessionView = z.object({
  id: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  expiresAt: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  mfa: z.boolean(),
  current: z.boolean(),
});

/**
 * The answer of the public account steps: `activation_sent` (sign-up), `accepted` (resend, reset
 * request) or the account's status after activation.
 */
const accepted = z.object({
  status: z.enum(['activation_sent', 'accepted', 'pending', 'active', 'rejected']),
});

export const identityContracts = defineContracts({
  // ------------------------------------------------------------------ sign-up and activation
  signUp: {
    method: 'POST',
    url: '/api/v1/accounts',
    summary: 'Open an account (an activation link is e-mailed; the answer is the same for any e-mail)',
    tags: ['accounts'],
    auth: 'public',
    status: 202,
    body: z.object({
      name: z.string().trim().min(2).max(200),
      email,
      password,
      dateOfBirth: date,
      countryOfResidence: country,
      countryOfUse: country,
      acceptTerms: z.boolean(),
      termsVersion: z.string().max(80).optional(),
      phone: z.string().max(40).optional(),
      jobTitle: z.string().max(120).optional(),
    }),
    response: accepted,
    errors: [
      'ineligible_underage',
      'ineligible_country',
      'terms_not_accepted',
      'password_too_short',
      'password_too_long',
      'password_too_common',
      'rate_limited',
    ],
  },
  activateAccount: {
    method: 'POST',
    url: '/api/v1/accounts/activate',
    summary: 'Activate an account with the token from the e-mailed link (single use, 48 hours)',
    tags: ['accounts'],
    auth: 'public',
    body: z.object({ token }),
    response: accepted,
    errors: ['invalid_token'],
  },
  resendActivation: {
    method: 'POST',
    url: '/api/v1/accounts/activation-emails',
    summary: 'Send the activation link again (at most once a minute; same answer for any e-mail)',
    tags: ['accounts'],
    auth: 'public',
    status: 202,
    body: z.object({ email }),
    response: accepted,
  },
  // ------------------------------------------------------------------ sessions
  createSession: {
    method: 'POST',
    url: '/api/v1/sessions',
    summary: 'Sign in; sets the session cookie and returns the CSRF token for state-changing calls',
    description:
      'Accounts with an authenticator app must send `code` (a 6-digit TOTP code or a recovery code). By default the session is set as the cookie `__Host-dz_session` (Secure, HttpOnly, SameSite=Strict) and never appears in the body, so page scripts cannot read it; send the returned `csrfToken` as `x-csrf-token` on POST/PUT/PATCH/DELETE. Scripts send `tokenDelivery: "bearer"` to get the token in the body instead (no cookie) and use it as `Authorization: Bearer`. Answers carry `Cache-Control: no-store`. Ten failures lock the e-mail for 30 minutes: 423 `account_locked` with `Retry-After` (seconds until the lock lifts).',
    tags: ['sessions'],
    auth: 'public',
    status: 201,
    body: z.object({
      email,
      password,
      code: mfaCode.optional(),
      tokenDelivery: z.enum(['cookie', 'bearer']).default('cookie'),
    }),
    response: z.object({
      token: z.string().optional().describe('Only with tokenDelivery "bearer"'),
      csrfToken: z.string(),
      session: sessionView,
      user: userView,
    }),
    errors: [
      'invalid_credentials',
      'mfa_required',
      'invalid_mfa_code',
      'account_locked',
      'account_not_activated',
      'rate_limited',
    ],
  },
  getSession: {
    method: 'GET',
    url: '/api/v1/session',
    summary: 'The current session, your account and the CSRF token for this session',
    tags: ['sessions'],
    auth: 'user-any-status',
    response: z.object({ user: userView, session: sessionView, csrfToken: z.string() }),
  },
  deleteSession: {
    method: 'DELETE',
    url: '/api/v1/session',
    summary: 'Sign out (ends this session and clears the cookie)',
    tags: ['sessions'],
    auth: 'user-any-status',
    status: 204,
    response: z.null(),
  },
  listSessions: {
    method: 'GET',
    url: '/api/v1/me/sessions',
    summary: 'Your active sessions',
    tags: ['sessions'],
    auth: 'user-any-status',
    response: z.object({ items: z.array(sessionView).max(200) }),
  },
  revokeSession: {
    method: 'DELETE',
    url: '/api/v1/me/sessions/:sessionId',
    summary: 'End one of your sessions',
    tags: ['sessions'],
    auth: 'user-any-status',
    status: 204,
    params: z.object({ sessionId: idParam('ses') }),
    response: z.null(),
  },
  // ------------------------------------------------------------------ second factor
  enrollTotp: {
    method: 'POST',
    url: '/api/v1/me/mfa/totp',
    summary: 'Start setting up an authenticator app (returns the secret and otpauth URL once)',
    tags: ['mfa'],
    auth: 'user-any-status',
    status: 201,
    response: z.object({ secret: z.string(), otpauthUrl: z.string() }),
    errors: ['mfa_already_enrolled'],
  },
  confirmTotp: {
    method: 'POST',
    url: '/api/v1/me/mfa/totp/confirm',
    summary: 'Finish setting up the authenticator app with a code; returns recovery codes (shown once)',
    tags: ['mfa'],
    auth: 'user-any-status',
    body: z.object({ code: z.string().regex(/^\d{6}$/, 'must be 6 digits') }),
    response: z.object({ recoveryCodes: z.array(z.string()).max(20) }),
    errors: ['invalid_mfa_code', 'mfa_not_enrolled', 'mfa_already_enrolled'],
  },
  disableTotp: {
    method: 'POST',
    url: '/api/v1/me/mfa/totp/disable',
    summary: 'Turn the authenticator app off (password and a current code; not for operators)',
    tags: ['mfa'],
    auth: 'user-any-status',
    status: 204,
    body: z.object({ password, code: mfaCode }),
    response: z.null(),
    errors: ['invalid_credentials', 'invalid_mfa_code', 'mfa_not_enrolled', 'account_locked', 'forbidden'],
  },
  regenerateRecoveryCodes: {
    method: 'POST',
    url: '/api/v1/me/mfa/recovery-codes',
    summary: 'Replace your recovery codes (needs a code from your authenticator app; shown once)',
    tags: ['mfa'],
    auth: 'user-any-status',
    body: z.object({ code: z.string().regex(/^\d{6}$/, 'must be 6 digits') }),
    response: z.object({ recoveryCodes: z.array(z.string()).max(20) }),
    errors: ['invalid_mfa_code', 'mfa_not_enrolled'],
  },
  changePassword: {
    method: 'POST',
    url: '/api/v1/me/password',
    summary: 'Change your password (ends your other sessions)',
    tags: ['accounts'],
    auth: 'user-any-status',
    body: z.object({ currentPassword: password, newPassword: password }),
    response: z.object({ sessionsEnded: z.number() }),
    errors: [
      'invalid_credentials',
      'account_locked',
      'password_too_short',
      'password_too_long',
      'password_too_common',
    ],
  },
  // ------------------------------------------------------------------ password reset
  requestPasswordReset: {
    method: 'POST',
    url: '/api/v1/password-resets',
    summary: 'E-mail a password reset link (same answer for any e-mail)',
    tags: ['accounts'],
    auth: 'public',
    status: 202,
    body: z.object({ email }),
    response: accepted,
  },
  resetPassword: {
    method: 'POST',
    url: '/api/v1/password-resets/complete',
    summary: 'Choose a new password with the e-mailed token (and your second factor); ends every session',
    tags: ['accounts'],
    auth: 'public',
    status: 204,
    body: z.object({ token, password, code: mfaCode.optional() }),
    response: z.null(),
    errors: [
      'invalid_token',
      'mfa_required',
      'invalid_mfa_code',
      'password_too_short',
      'password_too_common',
    ],
  },
  // ------------------------------------------------------------------ profile
  getMe: {
    method: 'GET',
    url: '/api/v1/me',
    summary: 'Your account, its status and whether your details need re-confirming',
    tags: ['accounts'],
    auth: 'user-any-status',
    response: userView,
  },
  updateProfile: {
    method: 'PATCH',
    url: '/api/v1/me',
    summary: 'Update your details (saving also confirms them; allowed while an update is required)',
    tags: ['accounts'],
    auth: 'user-any-status',
    body: z.object({
      name: z.string().trim().min(2).max(200).optional(),
      phone: z.string().max(40).nullable().optional(),
      jobTitle: z.string().max(120).nullable().optional(),
      countryOfResidence: country.optional(),
      countryOfUse: country.optional(),
    }),
    response: userView,
    errors: ['ineligible_country'],
  },
  confirmProfile: {
    method: 'POST',
    url: '/api/v1/me/confirm-details',
    summary: 'Confirm that your details are still accurate (required every re-confirmation period)',
    tags: ['accounts'],
    auth: 'user-any-status',
    response: userView,
  },
  // ------------------------------------------------------------------ operators
  listAccounts: {
    method: 'GET',
    url: '/api/v1/admin/accounts',
    summary: 'Accounts, newest first, optionally by status (pending = awaiting a decision)',
    tags: ['admin'],
    auth: 'operator',
    query: z.object({
      status: z.enum(['unverified', 'pending', 'active', 'rejected']).optional(),
      before: z.string().max(40).optional(),
      limit: z.coerce.number().int().min(1).max(500).optional(),
    }),
    response: z.object({ items: z.array(adminUserView).max(500) }),
  },
  approveAccount: {
    method: 'POST',
    url: '/api/v1/admin/accounts/:userId/approve',
    summary: 'Approve a pending (or previously rejected) account',
    tags: ['admin'],
    auth: 'operator',
    params: z.object({ userId: idParam('usr') }),
    response: adminUserView,
    errors: ['account_not_pending'],
  },
  rejectAccount: {
    method: 'POST',
    url: '/api/v1/admin/accounts/:userId/reject',
    summary: 'Reject a pending account with a reason (the user is told the reason)',
    tags: ['admin'],
    auth: 'operator',
    params: z.object({ userId: idParam('usr') }),
    body: z.object({ reason: z.string().trim().min(3).max(1000) }),
    response: adminUserView,
    errors: ['account_not_pending'],
  },
  requireProfileUpdate: {
    method: 'POST',
    url: '/api/v1/admin/accounts/:userId/require-update',
    summary: 'Require the user to review and confirm their details before further use',
    tags: ['admin'],
    auth: 'operator',
    status: 204,
    params: z.object({ userId: idParam('usr') }),
    response: z.null(),
  },
  getIdentitySettings: {
    method: 'GET',
    url: '/api/v1/admin/identity/settings',
    summary: 'Identity settings (re-confirmation period in months)',
    tags: ['admin'],
    auth: 'operator',
    response: z.object({ reconfirmMonths: z.number() }),
  },
  updateIdentitySettings: {
    method: 'PUT',
    url: '/api/v1/admin/identity/settings',
    summary: 'Change identity settings',
    tags: ['admin'],
    auth: 'operator',
    body: z.object({ reconfirmMonths: z.number().int().min(1).max(60) }),
    response: z.object({ reconfirmMonths: z.number() }),
  },
  listBarredCountries: {
    method: 'GET',
    url: '/api/v1/admin/identity/barred-countries',
    summary: 'Countries of residence or use for which sign-up is refused',
    tags: ['admin'],
    auth: 'operator',
    response: z.object({
      items: z.array(z.object({ code: z.string(), note: z.string().nullable() })).max(300),
    }),
  },
  setBarredCountries: {
    method: 'PUT',
    url: '/api/v1/admin/identity/barred-countries',
    summary: 'Replace the barred country list',
    tags: ['admin'],
    auth: 'operator',
    body: z.object({
      items: z.array(z.object({ code: country, note: z.string().max(200).nullable().optional() })).max(300),
    }),
    response: z.object({
      items: z.array(z.object({ code: z.string(), note: z.string().nullable() })).max(300),
    }),
  },
  importScreeningList: {
    method: 'POST',
    url: '/api/v1/admin/identity/screening-list',
    summary: 'Import names to screen sign-ups against (CSV with a `name` column, optional `reference`)',
    description:
      'Sign-ups whose name matches an entry (case, accents, punctuation and word order ignored) are held for operator review.',
    tags: ['admin'],
    auth: 'operator',
    body: z.object({ csv: z.string().min(1).max(900_000), replace: z.boolean().default(false) }),
    response: z.object({ imported: z.number(), total: z.number() }),
  },
  listScreeningEntries: {
    method: 'GET',
    url: '/api/v1/admin/identity/screening-list',
    summary: 'The screening list',
    tags: ['admin'],
    auth: 'operator',
    response: z.object({
      items: z
        .array(z.object({ name: z.string(), reference: z.string().nullable(), createdAt: z.string() }))
        .max(500),
    }),
  },
  exportScreeningList: {
    method: 'GET',
    url: '/api/v1/admin/identity/screening-list.csv',
    summary: 'Download the whole screening list as CSV (`name,reference`), in the shape the import reads',
    description:
      "UTF-8 with a BOM; cells a spreadsheet would run as a formula are prefixed with `'`, which the import removes again.",
    tags: ['admin'],
    auth: 'operator',
    produces: 'text/csv',
    response: z.string().max(100_000_000),
  },
  listAutoApproveRules: {
    method: 'GET',
    url: '/api/v1/admin/identity/auto-approve-rules',
    summary: 'E-mail domains whose accounts are approved on activation (unless held by screening)',
    tags: ['admin'],
    auth: 'operator',
    response: z.object({
      items: z
        .array(z.object({ emailDomain: z.string(), note: z.string().nullable(), createdAt: z.string() }))
        .max(1000),
    }),
  },
  createAutoApproveRule: {
    method: 'POST',
    url: '/api/v1/admin/identity/auto-approve-rules',
    summary: 'Approve accounts with this e-mail domain on activation',
    tags: ['admin'],
    auth: 'operator',
    status: 201,
    body: z.object({
      emailDomain: z
        .string()
        .trim()
        .min(3)
        .max(253)
        .regex(/^@?[a-zA-Z0-9.-]+\.[a-zA-Z]{2,}$/, 'must be a domain'),
      note: z.string().max(200).nullable().optional(),
    }),
    response: z.object({ emailDomain: z.string(), note: z.string().nullable(), createdAt: z.string() }),
    errors: ['already_exists'],
  },
  deleteAutoApproveRule: {
    method: 'DELETE',
    url: '/api/v1/admin/identity/auto-approve-rules/:emailDomain',
    summary: 'Remove an auto-approve rule',
    tags: ['admin'],
    auth: 'operator',
    status: 204,
    params: z.object({ emailDomain: z.string().max(253) }),
    response: z.null(),
  },
});

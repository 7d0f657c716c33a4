import { AccountDecisions } from './account-decisions.ts';
import { Accounts } from './accounts.ts';
import { Eligibility } from './eligibility.ts';
import { IdentityKit, type IdentityOptions } from './identity-kit.ts';
import { Lockout } from './lockout.ts';
import { Mfa } from './mfa.ts';
import { PasswordChanges } from './password-changes.ts';
import type { UserDirectory } from './ports.ts';
import { Profile } from './profile.ts';
import { Provisioning } from './provisioning.ts';
import { Sessions } from './sessions.ts';

/**
 * Accounts, sessions and second factors: the identity service as other modules, the routes, the
 * CLI and tests see it, composed of parts that each do one job (accounts.ts, account-decisions.ts,
 * sessions.ts, lockout.ts, mfa.ts, password-changes.ts, profile.ts, eligibility.ts,
 * provisioning.ts), sharing one kit (identity-kit.ts: the typed store, the audit helper, the
 * clock, shared state). This class only delegates. Promises kept by the parts:
 * - nothing secret is stored in clear (argon2id passwords, sealed TOTP seeds, HMAC'd tokens/codes);
 * - answers to anonymous callers never reveal whether an e-mail has an account;
 * - every security-relevant step is audited in the same transaction as the change.
 */
export type { IdentityOptions, TermsVersions } from './identity-kit.ts';
export { normalizeScreeningName } from './screening-names.ts';
export { SESSION_COOKIE, SESSION_TOKEN_PREFIX } from './sessions.ts';

export class IdentityService implements UserDirectory {
  // accounts.ts: sign-up and activation
  readonly signUp: Accounts['signUp'];
  readonly isAdult: Accounts['isAdult'];
  readonly resendActivation: Accounts['resendActivation'];
  readonly activateAccount: Accounts['activateAccount'];
  // account-decisions.ts: operators' decisions and list of accounts
  readonly approveAccount: AccountDecisions['approveAccount'];
  readonly rejectAccount: AccountDecisions['rejectAccount'];
  readonly approveAccountAsSystem: AccountDecisions['approveAccountAsSystem'];
  readonly listAccounts: AccountDecisions['listAccounts'];
  readonly getAdminUser: AccountDecisions['getAdminUser'];
  // sessions.ts: sign-in, sessions, CSRF
  readonly createSession: Sessions['createSession'];
  readonly csrfTokenFor: Sessions['csrfTokenFor'];
  readonly checkCsrf: Sessions['checkCsrf'];
  readonly authenticateToken: Sessions['authenticateToken'];
  readonly getSession: Sessions['getSession'];
  readonly listSessions: Sessions['listSessions'];
  readonly revokeSession: Sessions['revokeSession'];
  readonly endSessionsOf: Sessions['endSessionsOf'];
  // mfa.ts: TOTP and recovery codes
  readonly enrollTotp: Mfa['enrollTotp'];
  readonly confirmTotp: Mfa['confirmTotp'];
  readonly disableTotp: Mfa['disableTotp'];
  readonly regenerateRecoveryCodes: Mfa['regenerateRecoveryCodes'];
  // password-changes.ts: changes and resets
  readonly changePassword: PasswordChanges['changePassword'];
  readonly requestPasswordReset: PasswordChanges['requestPasswordReset'];
  readonly resetPassword: PasswordChanges['resetPassword'];
  // profile.ts: the user's own details; the user directory
  readonly getMe: Profile['getMe'];
  readonly updateProfile: Profile['updateProfile'];
  readonly confirmProfile: Profile['confirmProfile'];
  readonly requireProfileUpdate: Profile['requireProfileUpdate'];
  readonly profileIsCurrent: Profile['profileIsCurrent'];
  readonly getUser: Profile['getUser'];
  readonly listActiveUserIds: Profile['listActiveUserIds'];
  // eligibility.ts: settings, barred countries, screening, auto-approval
  readonly reconfirmMonths: Eligibility['reconfirmMonths'];
  readonly getSettings: Eligibility['getSettings'];
  readonly updateSettings: Eligibility['updateSettings'];
  readonly listBarredCountries: Eligibility['listBarredCountries'];
  readonly setBarredCountries: Eligibility['setBarredCountries'];
  readonly importScreeningList: Eligibility['importScreeningList'];
  readonly listScreeningEntries: Eligibility['listScreeningEntries'];
  readonly exportScreeningListCsv: Eligibility['exportScreeningListCsv'];
  readonly listAutoApproveRules: Eligibility['listAutoApproveRules'];
  readonly addAutoApproveRule: Eligibility['addAutoApproveRule'];
  readonly removeAutoApproveRule: Eligibility['removeAutoApproveRule'];
  // provisioning.ts: accounts the program creates
  readonly provisionUser: Provisioning['provisionUser'];
  readonly findUserIdByEmail: Provisioning['findUserIdByEmail'];

  constructor(opts: IdentityOptions) {
    const kit = new IdentityKit(opts);
    const eligibility = new Eligibility(kit);
    const lockout = new Lockout(kit);
    const mfa = new Mfa(kit, lockout);
    const profile = new Profile(kit, eligibility);
    const accounts = new Accounts(kit, eligibility);
    const decisions = new AccountDecisions(kit, eligibility);
    const sessions = new Sessions(kit, { lockout, mfa, eligibility, profile });
    const passwords = new PasswordChanges(kit, lockout, mfa);
    const provisioning = new Provisioning(kit, profile);

    this.signUp = accounts.signUp.bind(accounts);
    this.isAdult = accounts.isAdult.bind(accounts);
    this.resendActivation = accounts.resendActivation.bind(accounts);
    this.activateAccount = accounts.activateAccount.bind(accounts);

    this.approveAccount = decisions.approveAccount.bind(decisions);
    this.rejectAccount = decisions.rejectAccount.bind(decisions);
    this.approveAccountAsSystem = decisions.approveAccountAsSystem.bind(decisions);
    this.listAccounts = decisions.listAccounts.bind(decisions);
    this.getAdminUser = decisions.getAdminUser.bind(decisions);

    this.createSession = sessions.createSession.bind(sessions);
    this.csrfTokenFor = sessions.csrfTokenFor.bind(sessions);
    this.checkCsrf = sessions.checkCsrf.bind(sessions);
    this.authenticateToken = sessions.authenticateToken.bind(sessions);
    this.getSession = sessions.getSession.bind(sessions);
    this.listSessions = sessions.listSessions.bind(sessions);
    this.revokeSession = sessions.revokeSession.bind(sessions);
    this.endSessionsOf = sessions.endSessionsOf.bind(sessions);

    this.enrollTotp = mfa.enrollTotp.bind(mfa);
    this.confirmTotp = mfa.confirmTotp.bind(mfa);
    this.disableTotp = mfa.disableTotp.bind(mfa);
    this.regenerateRecoveryCodes = mfa.regenerateRecoveryCodes.bind(mfa);

    this.changePassword = passwords.changePassword.bind(passwords);
    this.requestPasswordReset = passwords.requestPasswordReset.bind(passwords);
    this.resetPassword = passwords.resetPassword.bind(passwords);

    this.getMe = profile.getMe.bind(profile);
    this.updateProfile = profile.updateProfile.bind(profile);
    this.confirmProfile = profile.confirmProfile.bind(profile);
    this.requireProfileUpdate = profile.requireProfileUpdate.bind(profile);
    this.profileIsCurrent = profile.profileIsCurrent.bind(profile);
    this.getUser = profile.getUser.bind(profile);
    this.listActiveUserIds = profile.listActiveUserIds.bind(profile);

    this.reconfirmMonths = eligibility.reconfirmMonths.bind(eligibility);
    this.getSettings = eligibility.getSettings.bind(eligibility);
    this.updateSettings = eligibility.updateSettings.bind(eligibility);
    this.listBarredCountries = eligibility.listBarredCountries.bind(eligibility);
    this.setBarredCountries = eligibility.setBarredCountries.bind(eligibility);
    this.importScreeningList = eligibility.importScreeningList.bind(eligibility);
    this.listScreeningEntries = eligibility.listScreeningEntries.bind(eligibility);
    this.exportScreeningListCsv = eligibility.exportScreeningListCsv.bind(eligibility);
    this.listAutoApproveRules = eligibility.listAutoApproveRules.bind(eligibility);
    this.addAutoApproveRule = eligibility.addAutoApproveRule.bind(eligibility);
    this.removeAutoApproveRule = eligibility.removeAutoApproveRule.bind(eligibility);

    this.provisionUser = provisioning.provisionUser.bind(provisioning);
    this.findUserIdByEmail = provisioning.findUserIdByEmail.bind(provisioning);
  }
}

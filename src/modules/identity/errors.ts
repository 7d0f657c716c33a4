import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Accounts and sign-in';

/**
 * Error codes of accounts, sign-in, passwords and MFA.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 * main.ts hands this catalogue, with every other module's, to the app, the error-code reference
 * and the renderers; the declaration below makes its codes part of `ErrorCode` for `tsc`.
 */
export const identityErrors = {
  password_too_short: {
    status: 400,
    message: 'The password must be at least 12 characters long.',
    action: 'Choose a password of at least 12 characters; a phrase of several words is easy to remember.',
    area: AREA,
  },
  password_too_long: {
    status: 400,
    message: 'The password must be at most 1024 bytes long.',
    action: 'Choose a password of at most 1024 bytes.',
    area: AREA,
  },
  password_too_common: {
    status: 400,
    message: 'This password is too common or too easy to guess; choose another one.',
    action:
      'Choose a password that is not on lists of common passwords and is not a name or a simple pattern.',
    area: AREA,
  },
  terms_changed: {
    status: 409,
    message: 'The terms of use changed while you were signing up; reload the page, read them and try again.',
    action: 'Reload the sign-up page, read the terms now in force and submit again.',
    area: AREA,
  },
  ineligible_underage: {
    status: 422,
    message: 'You must be at least 18 years old to open an account.',
    action: 'Accounts are for adults: the date of birth must show that you are at least 18.',
    area: AREA,
  },
  ineligible_country: {
    status: 422,
    message: 'Accounts cannot be opened for residence in, or use from, this country.',
    action: 'No account can be opened for this country; contact the operator if you think this is a mistake.',
    area: AREA,
  },
  terms_not_accepted: {
    status: 422,
    message: 'Accept the terms of use to open an account.',
    action: 'Tick the box that accepts the terms of use and submit again.',
    area: AREA,
  },
  invalid_token: {
    status: 400,
    message: 'This link is invalid, expired or was already used.',
    action:
      'Ask for a new link (a new activation e-mail from the sign-in page, or “Forgot password” again); each link works once and expires.',
    area: AREA,
  },
  account_not_activated: {
    status: 403,
    message: 'Activate your account with the link we e-mailed you, then sign in.',
    action: 'Open the activation link in the e-mail we sent, or ask for a new one from the sign-in page.',
    area: AREA,
  },
  mfa_not_enrolled: {
    status: 409,
    message: 'Set up an authenticator app first.',
    action: 'Set up an authenticator app on your account’s security page first.',
    area: AREA,
  },
  mfa_already_enrolled: {
    status: 409,
    message: 'An authenticator app is already set up for this account.',
    action: 'Nothing to do. To move to another app, remove the current one first, then set up the new one.',
    area: AREA,
  },
  account_not_pending: {
    status: 409,
    message: 'This account is not waiting for a decision.',
    action: 'Reload the list of accounts: a decision on this account was already taken.',
    area: AREA,
  },
  details_confirmation_required: {
    status: 409,
    message: 'Review and confirm your details (profile or organisation) before continuing.',
    action:
      'Open your profile (or the organisation’s page), check the details and confirm them, then try again.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof identityErrors> {}
}

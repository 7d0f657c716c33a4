import { registerErrorCodes } from '../../platform/errors.ts';

/** Error codes of the terms engine. Registered once at import; never reused for another meaning. */
registerErrorCodes({
  terms_notice_too_short: {
    status: 422,
    message: 'A standard change cannot take effect before the notice period after publication has passed.',
  },
  terms_effective_in_past: {
    status: 422,
    message: 'Terms cannot take effect before they are published: nothing applies retroactively.',
  },
  terms_version_published: {
    status: 409,
    message: 'This terms version is published and can no longer be changed; draft a new version.',
  },
  terms_version_superseded: {
    status: 409,
    message: 'A newer version of these terms is already in force; accept that one instead.',
  },
  terms_version_not_pending: {
    status: 409,
    message: 'Only a published version that is not yet in force can be declined.',
  },
  terms_declined: {
    status: 403,
    message: 'Your organisation declined the terms now in force, so its API access has ended.',
  },
  terms_setting_invalid: {
    status: 422,
    message: 'The setting is outside the range the published terms allow.',
  },
  organization_terminated: {
    status: 403,
    message: 'This organisation has been terminated; its access has ended.',
  },
  termination_too_soon: {
    status: 422,
    message: 'The termination date must respect the notice period.',
  },
  termination_already_requested: {
    status: 409,
    message: 'A termination is already pending or complete for this organisation.',
  },
  termination_not_pending: {
    status: 409,
    message: 'There is no pending termination notice to withdraw (or its date has passed).',
  },
});

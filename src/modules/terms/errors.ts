import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Terms and termination';

/**
 * Error codes of the terms engine and of termination.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 * main.ts hands this catalogue, with every other module's, to the app, the error-code reference
 * and the renderers; the declaration below makes its codes part of `ErrorCode` for `tsc`.
 */
export const termsErrors = {
  terms_notice_too_short: {
    status: 422,
    message: 'A standard change cannot take effect before the notice period after publication has passed.',
    action:
      'Choose an effective date at least the standard notice period after publication, or classify the change as what it is.',
    area: AREA,
  },
  terms_effective_in_past: {
    status: 422,
    message: 'Terms cannot take effect before they are published: nothing applies retroactively.',
    action: 'Choose an effective date at or after the time of publication.',
    area: AREA,
  },
  terms_version_published: {
    status: 409,
    message: 'This terms version is published and can no longer be changed; draft a new version.',
    action: 'Create a new draft of the document for further changes.',
    area: AREA,
  },
  terms_version_superseded: {
    status: 409,
    message: 'A newer version of these terms is already in force; accept that one instead.',
    action: 'Open the terms page and accept the version now in force.',
    area: AREA,
  },
  terms_version_not_pending: {
    status: 409,
    message: 'Only a published version that is not yet in force can be declined.',
    action:
      'A version in force cannot be declined; to stop using the APIs, give notice of termination instead.',
    area: AREA,
  },
  terms_declined: {
    status: 403,
    message: 'Your organisation declined the terms now in force, so its API access has ended.',
    action:
      'Have an owner or admin accept the version in force on the organisation’s terms page; API access returns when it is accepted.',
    area: AREA,
  },
  terms_setting_invalid: {
    status: 422,
    message: 'The setting is outside the range the published terms allow.',
    action: 'Choose a value inside the range the message gives.',
    area: AREA,
  },
  organization_terminated: {
    status: 403,
    message: 'This organisation has been terminated; its access has ended.',
    action:
      'Access cannot be restored; the organisation’s data stays readable until its retention period ends. Ask the operator if anything is unclear.',
    area: AREA,
  },
  termination_too_soon: {
    status: 422,
    message: 'The termination date must respect the notice period.',
    action: 'Choose a date at least the termination notice period from today.',
    area: AREA,
  },
  termination_already_requested: {
    status: 409,
    message: 'A termination is already pending or complete for this organisation.',
    action: 'Open the organisation’s termination page to see the notice that is pending or complete.',
    area: AREA,
  },
  termination_not_pending: {
    status: 409,
    message: 'There is no pending termination notice to withdraw (or its date has passed).',
    action: 'Reload the termination page: the notice was already withdrawn, or its date has passed.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof termsErrors> {}
}

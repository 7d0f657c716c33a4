import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Organisations';

/**
 * Error codes of organisations, members and invitations.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 * main.ts hands this catalogue, with every other module's, to the app, the error-code reference
 * and the renderers; the declaration below makes its codes part of `ErrorCode` for `tsc`.
 */
export const organizationsErrors = {
  authority_not_attested: {
    status: 422,
    message: 'Confirm that you are authorised to bind the organisation to the terms.',
    action: 'Tick the box confirming that you may bind the organisation, then submit again.',
    area: AREA,
  },
  unknown_participant: {
    status: 422,
    message: 'Choose a corporate participant from the list.',
    action: 'Choose a corporate participant from the list in the form.',
    area: AREA,
  },
  invitation_email_mismatch: {
    status: 403,
    message: 'This invitation was sent to a different e-mail address; sign in with that address.',
    action: 'Sign in with the e-mail address the invitation was sent to, then open its link again.',
    area: AREA,
  },
  owner_cannot_leave: {
    status: 409,
    message: 'The owner cannot be removed or demoted; transfer ownership first.',
    action: 'Transfer ownership to another member first.',
    area: AREA,
  },
  already_member: {
    status: 409,
    message: 'This person is already a member of the organisation.',
    action: 'Nothing to do; change the member’s role instead if needed.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof organizationsErrors> {}
}

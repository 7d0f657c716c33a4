import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Development mailbox';

/**
 * Error codes of the development mailbox.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 * main.ts hands this catalogue, with every other module's, to the app, the error-code reference
 * and the renderers; the declaration below makes its codes part of `ErrorCode` for `tsc`.
 */
export const notificationsErrors = {
  dev_mailbox_host_refused: {
    status: 403,
    message:
      'The development mailbox answers only requests addressed to localhost, 127.0.0.1 or [::1]; open it through one of those.',
    action: 'Open the mailbox at http://localhost:<port>, http://127.0.0.1:<port> or http://[::1]:<port>.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof notificationsErrors> {}
}

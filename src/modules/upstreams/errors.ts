import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Upstreams';

/**
 * Error codes of the production upstreams' settings.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 */
export const upstreamsErrors = {
  upstream_setting_invalid: {
    status: 422,
    message: 'An upstream setting is missing, malformed or out of its bounds.',
    action:
      'The message and details name the field (baseUrl, connectTimeoutMs, responseTimeoutMs, maxResponseBytes, headerAllowList, tls) and what it accepts.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof upstreamsErrors> {}
}

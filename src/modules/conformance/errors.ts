import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Conformance';

/**
 * Error codes of the conformance suites.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 */
export const conformanceErrors = {
  conformance_case_invalid: {
    status: 422,
    message: 'A case of the suite is malformed.',
    action:
      'The message and `details.field` name the field (e.g. `cases[2].after.link[0].field`); docs/conformance.md describes a case.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof conformanceErrors> {}
}

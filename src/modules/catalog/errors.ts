import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Catalogue';

/**
 * The catalogue’s error codes (products, API versions, plans).
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 * main.ts hands this catalogue, with every other module's, to the app, the error-code reference
 * and the renderers; the declaration below makes its codes part of `ErrorCode` for `tsc`.
 */
export const catalogErrors = {
  product_not_available: {
    status: 409,
    message: 'This product is not available for new subscriptions.',
    action:
      'Choose another product or plan in the catalogue: this one is not published, deprecated or retired.',
    area: AREA,
  },
  invalid_openapi: {
    status: 400,
    message: 'The OpenAPI document is not valid for the catalogue.',
    action: 'Fix the OpenAPI document where `details` says and upload it again.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof catalogErrors> {}
}

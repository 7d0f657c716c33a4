import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Apps and subscriptions';

/**
 * Error codes of apps, their secrets and keys, and subscriptions.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 * main.ts hands this catalogue, with every other module's, to the app, the error-code reference
 * and the renderers; the declaration below makes its codes part of `ErrorCode` for `tsc`.
 */
export const appsErrors = {
  production_not_granted: {
    status: 409,
    message:
      'The app has no production credentials yet: they are issued when an operator first grants it production access to a product.',
    action:
      'Ask for production access to a product on the app’s page in the portal; once an operator approves it, create the production client secret there.',
    area: AREA,
  },
  production_requirements_missing: {
    status: 409,
    message:
      'The app does not yet meet what production access to this product requires (the message lists it).',
    action:
      'Complete what the message lists (for example the product’s conformance suite in the sandbox), then ask again.',
    area: AREA,
  },
  secret_limit_reached: {
    status: 409,
    message: 'An app can hold at most 2 active client secrets; revoke one first.',
    action: 'Revoke the older client secret, then create the new one.',
    area: AREA,
  },
  invalid_public_key: {
    status: 400,
    message: 'The public key must be an RSA public key (PEM, ≥ 2048 bits).',
    action: 'Upload an RSA public key of at least 2048 bits in PEM form (-----BEGIN PUBLIC KEY-----).',
    area: AREA,
  },
  app_not_active: {
    status: 409,
    message: 'The app is suspended or revoked.',
    action:
      'Check the app’s status in the portal and ask an operator about a suspension; a revoked app stays revoked, so register a new one.',
    area: AREA,
  },
  product_terms_not_accepted: {
    status: 403,
    message: "Accept the product's additional terms for your organisation before subscribing.",
    action:
      'Have an owner or admin accept the product’s additional terms for the organisation, then subscribe.',
    area: AREA,
  },
  already_subscribed: {
    status: 409,
    message: 'The app already has a plan for this product; unsubscribe first to change plans.',
    action:
      'Unsubscribe the app from its current plan of this product first, then subscribe to the other plan.',
    area: AREA,
  },
  representative_not_confirmed: {
    status: 409,
    message: "Production access needs the organisation's representative to be confirmed first.",
    action:
      'Wait until the participant’s reviewer confirms the organisation’s representative (see the organisation’s page), then ask again.',
    area: AREA,
  },
  limit_not_in_plan: {
    status: 400,
    message: 'The plan has no such limit to raise.',
    action:
      'Ask to raise one of the limits the plan has (the plan’s limits are listed with the subscription).',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof appsErrors> {}
}

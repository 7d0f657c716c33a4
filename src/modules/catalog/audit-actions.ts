/**
 * Every action the catalogue records in the audit trail: the operators' configuration of what is
 * offered (products, their API versions and lifecycle, plans and their limits). The module's
 * audit helper accepts only these, so a misspelt action fails `tsc`.
 */
export const catalogAuditActions = [
  'product.saved',
  'product.api_added',
  'product.published',
  'product.deprecated',
  'product.retired',
  'plan.created',
  'plan.updated',
] as const;

import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Enforcement';

/**
 * Error codes of incidents, enforcement actions and enforcement policies.
 * A code, once published, keeps its meaning and status forever; add codes, never repurpose one.
 */
export const enforcementErrors = {
  incident_state_invalid: {
    status: 409,
    message: 'The incident cannot move to that state from the state it is in.',
    action:
      'Read the incident again: open goes to acknowledged, and either to resolved (with a reason) or actioned.',
    area: AREA,
  },
  incident_reason_required: {
    status: 422,
    message: 'Resolving an incident needs a reason.',
    action: 'Say why the incident is resolved without action (at least 3 characters).',
    area: AREA,
  },
  enforcement_target_invalid: {
    status: 422,
    message: 'The action does not fit its target.',
    action:
      'Suspending an app, and throttling, need an app (or, for a throttle, an organisation); suspending or terminating an organisation needs the organisation; an incident without an organisation needs one named.',
    area: AREA,
  },
  enforcement_not_applicable: {
    status: 409,
    message: 'The action changes nothing in the target’s current state.',
    action:
      'Read the target: an app already suspended cannot be suspended again, and only a suspended or throttled target can be reinstated.',
    area: AREA,
  },
  enforcement_by_operator: {
    status: 403,
    message: 'The app was suspended by the operator; only the operator can reinstate it.',
    action: 'Reply to the incident or contact the operator to ask for reinstatement.',
    area: AREA,
  },
  enforcement_policy_conflict: {
    status: 409,
    message: 'An enforcement policy with that name already exists.',
    action: 'Choose another name, or change the existing policy.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof enforcementErrors> {}
}

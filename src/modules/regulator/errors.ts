import type { CatalogueCodes, ErrorEntry } from '../../platform/errors.ts';

const AREA = 'Regulator requests';

/**
 * Error codes of regulator information requests, their export bundles and information requests
 * to API users. A code, once published, keeps its meaning and status forever.
 */
export const regulatorErrors = {
  regulator_scope_empty: {
    status: 422,
    message: 'The scope matches nothing.',
    action:
      'Name at least one organisation, user or app that exists (field `scope`); every id listed must exist.',
    area: AREA,
  },
  regulator_date_range_invalid: {
    status: 422,
    message: 'The date range is the wrong way round.',
    action: 'Give `dateRange.from` before `dateRange.to`.',
    area: AREA,
  },
  regulator_data_class_unknown: {
    status: 422,
    message: 'A data class is not one the export knows.',
    action:
      'Use account_and_eligibility, terms_acceptances, apps_and_credentials, usage, request_logs, incidents or audit_events (field `dataClasses.N`).',
    area: AREA,
  },
  regulator_self_approval: {
    status: 403,
    message: 'The operator who recorded a regulator request cannot approve it (four eyes).',
    action: 'Ask a second operator to approve the request.',
    area: AREA,
  },
  regulator_request_state: {
    status: 409,
    message: 'The request is not in a state that allows this.',
    action:
      'Read the request: received goes to approved (by a second operator); its bundle is built, then downloaded (delivered).',
    area: AREA,
  },
  regulator_export_not_ready: {
    status: 409,
    message: 'The export bundle is not ready yet.',
    action: 'Wait for the worker to finish building it (see the request’s export state and progress).',
    area: AREA,
  },
  information_request_answered: {
    status: 409,
    message: 'The information request has been answered already.',
    action: 'Read the answer; ask the operator to send a new request for anything more.',
    area: AREA,
  },
} as const satisfies Record<string, ErrorEntry>;

declare module '../../platform/errors.ts' {
  interface ErrorCodes extends CatalogueCodes<typeof regulatorErrors> {}
}

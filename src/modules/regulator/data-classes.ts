import type { Cursor, ExportReader, Page, ResolvedScope } from './regulator-store.ts';

/** The data classes a regulator request may ask for (docs/regulator-requests.md "Data classes"). */
export const DATA_CLASSES = [
  'account_and_eligibility',
  'terms_acceptances',
  'apps_and_credentials',
  'usage',
  'request_logs',
  'incidents',
  'audit_events',
] as const;
export type DataClass = (typeof DATA_CLASSES)[number];

type PageFn = (r: ExportReader, s: ResolvedScope, after: Cursor | null, limit: number) => Promise<Page>;

/**
 * What each class is made of: one or more parts, each a keyset-paged source. A class is one JSON
 * Lines file (`files/<class>.jsonl`, each line tagged with its part as `record`) and one CSV file per
 * part (`files/<class>.<part>.csv`: a CSV has one header). Account, app and credential data are the
 * records as they are now; the time-stamped classes are limited to the request's date range.
 */
export const classParts: Record<DataClass, ReadonlyArray<{ part: string; page: PageFn }>> = {
  account_and_eligibility: [
    { part: 'organizations', page: (r, s, a, l) => r.organizations(s, a, l) },
    { part: 'users', page: (r, s, a, l) => r.users(s, a, l) },
    { part: 'memberships', page: (r, s, a, l) => r.memberships(s, a, l) },
  ],
  terms_acceptances: [{ part: 'acceptances', page: (r, s, a, l) => r.termsAcceptances(s, a, l) }],
  apps_and_credentials: [
    { part: 'apps', page: (r, s, a, l) => r.apps(s, a, l) },
    { part: 'client_secret_metadata', page: (r, s, a, l) => r.credentials(s, a, l) },
  ],
  usage: [{ part: 'calls', page: (r, s, a, l) => r.usage(s, a, l) }],
  request_logs: [{ part: 'logs', page: (r, s, a, l) => r.requestLogs(s, a, l) }],
  incidents: [{ part: 'incidents', page: (r, s, a, l) => r.incidents(s, a, l) }],
  audit_events: [{ part: 'events', page: (r, s, a, l) => r.auditEvents(s, a, l) }],
};

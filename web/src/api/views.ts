import type { operations } from './schema.d.ts';

/**
 * Names for what the portal answers, each taken from the generated operation types
 * (schema.d.ts): nothing here is written by hand, so a field the server drops or renames fails tsc
 * where the web app reads it.
 */

/** The JSON body an operation answers with on success (200, else 201). */
type Data<Op extends keyof operations> = operations[Op]['responses'] extends infer R
  ? R extends { 200: { content: { 'application/json': infer B } } }
    ? B
    : R extends { 201: { content: { 'application/json': infer B } } }
      ? B
      : never
  : never;

/** One row of an operation's `{ items: [...] }` answer. */
type Item<Op extends keyof operations> = Data<Op> extends { items: Array<infer I> } ? I : never;

export type SessionInfo = Data<'getSession'>;
export type User = SessionInfo['user'];

export type App = Data<'getApp'>;

export type Participant = Item<'listParticipants'>;

export type Org = Data<'getOrganization'>;

export type Product = Data<'getProduct'>;
export type Plan = Product['plans'][number];
export type PlanRate = Plan['rateLimits'][number];
export type TermsDocumentView = Item<'listTermsDocuments'>;
export type TermsVersion = NonNullable<TermsDocumentView['inForce']>;
export type TermsVersionView = Data<'getTermsVersion'>;

export type TestData = Data<'listSandboxTestData'>;

export type AuditEventItem = Item<'listAuditEvents'>;
export type AuditVerification = Data<'getAuditVerification'>;

export type UsageSeries = Data<'getUsageTimeseries'>;
/** Traffic analytics of a window (the operator's and an organisation's: one shape). */
export type Analytics = Data<'getOperatorAnalytics'>;
export type AnalyticsWindow = Analytics['window'];

export type Incident = Item<'listIncidents'>;
export type IncidentDetail = Data<'getIncident'>;
export type EnforcementAction = Item<'listEnforcementActions'>;

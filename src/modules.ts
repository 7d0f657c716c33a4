import { type AppsTables, appsErrors, appsModule, appsTables } from './modules/apps/index.ts';
import { type AuditTables, auditErrors, auditModule, auditTables } from './modules/audit/index.ts';
import { type CatalogTables, catalogErrors, catalogModule, catalogTables } from './modules/catalog/index.ts';
import {
  type ConformanceTables,
  conformanceErrors,
  conformanceModule,
  conformanceTables,
} from './modules/conformance/index.ts';
import {
  type DetectorsTables,
  detectorsErrors,
  detectorsModule,
  detectorsTables,
} from './modules/detectors/index.ts';
import {
  type EnforcementTables,
  enforcementErrors,
  enforcementModule,
  enforcementTables,
} from './modules/enforcement/index.ts';
import { type GatewayTables, gatewayErrors, gatewayModule, gatewayTables } from './modules/gateway/index.ts';
import {
  type IdentityTables,
  identityErrors,
  identityModule,
  identityTables,
} from './modules/identity/index.ts';
import {
  type NotificationsTables,
  notificationsErrors,
  notificationsModule,
  notificationsTables,
} from './modules/notifications/index.ts';
import { type OAuthTables, oauthErrors, oauthModule, oauthTables } from './modules/oauth/index.ts';
import {
  type OrganizationsTables,
  organizationsErrors,
  organizationsModule,
  organizationsTables,
} from './modules/organizations/index.ts';
import {
  type RegulatorTables,
  regulatorErrors,
  regulatorModule,
  regulatorTables,
} from './modules/regulator/index.ts';
import { type SandboxTables, sandboxErrors, sandboxModule, sandboxTables } from './modules/sandbox/index.ts';
import { type TermsTables, termsErrors, termsModule, termsTables } from './modules/terms/index.ts';
import {
  type UpstreamsTables,
  upstreamsErrors,
  upstreamsModule,
  upstreamsTables,
} from './modules/upstreams/index.ts';
import type { MigrationSet } from './platform/db/migrator.ts';
import type { TableSpec } from './platform/db/table.ts';
import { composeErrorCatalogue, coreErrors } from './platform/errors.ts';
import { contractList, type RouteContract } from './platform/http/contract.ts';
import { errorReferenceContracts } from './platform/http/error-reference.ts';
import { type InstanceTables, instanceMigrations, instanceTables } from './platform/instance.ts';
import {
  type SnapshotTables,
  snapshotMigrations,
  snapshotTables,
} from './platform/shared-state/state-snapshot.ts';

/**
 * The modules, as data: what exists without building anything (migrations, error codes, route
 * contracts). main.ts builds them; scripts read the contracts from here without starting a system.
 */

/** Every module's migrations, in one list (order inside does not matter: names carry the order). */
export const allMigrations: MigrationSet[] = [
  auditModule.migrations,
  notificationsModule.migrations,
  identityModule.migrations,
  organizationsModule.migrations,
  catalogModule.migrations,
  appsModule.migrations,
  oauthModule.migrations,
  sandboxModule.migrations,
  termsModule.migrations,
  upstreamsModule.migrations,
  gatewayModule.migrations,
  enforcementModule.migrations,
  detectorsModule.migrations,
  regulatorModule.migrations,
  conformanceModule.migrations,
  instanceMigrations,
  snapshotMigrations,
];

/**
 * Every table the migrations build, as each module declares it (ADR 0008): test/schema.test.ts
 * migrates a fresh database on both engines and requires these to match it, with no migrated
 * table left out.
 */
export const allTables: readonly TableSpec[] = [
  ...auditTables,
  ...notificationsTables,
  ...identityTables,
  ...organizationsTables,
  ...catalogTables,
  ...appsTables,
  ...oauthTables,
  ...sandboxTables,
  ...termsTables,
  ...upstreamsTables,
  ...gatewayTables,
  ...enforcementTables,
  ...detectorsTables,
  ...regulatorTables,
  ...conformanceTables,
  ...instanceTables,
  ...snapshotTables,
];

/**
 * The one database's type: every module's tables (and the platform's). main.ts opens the database
 * with it and hands each module the same `Kysely`, which narrows to the module's own tables.
 */
export type DatabaseTables = AuditTables &
  NotificationsTables &
  IdentityTables &
  OrganizationsTables &
  CatalogTables &
  AppsTables &
  OAuthTables &
  SandboxTables &
  TermsTables &
  UpstreamsTables &
  GatewayTables &
  EnforcementTables &
  DetectorsTables &
  RegulatorTables &
  ConformanceTables &
  InstanceTables &
  SnapshotTables;

/**
 * Every error code the system answers with: the General codes, then each module's catalogue, in
 * the order the error-code reference lists them. Handed to the app (error bodies), the reference,
 * the OpenAPI document, the OAuth endpoints and the CLI; `tsc` refuses a list that leaves one out.
 */
export const errorCatalogue = composeErrorCatalogue([
  coreErrors,
  auditErrors,
  catalogErrors,
  appsErrors,
  conformanceErrors,
  detectorsErrors,
  enforcementErrors,
  gatewayErrors,
  identityErrors,
  notificationsErrors,
  oauthErrors,
  organizationsErrors,
  regulatorErrors,
  sandboxErrors,
  termsErrors,
  upstreamsErrors,
]);

/**
 * Every portal API route's contract, in the order main.ts registers the routes (the error-code
 * reference, then the modules in building order): the OpenAPI document the portal serves at
 * /api/v1/openapi.json is `buildOpenApi` of this list (test/openapi-static.test.ts holds the two
 * equal), so scripts/lint-openapi.ts builds it without starting anything.
 */
export const portalContracts: RouteContract[] = contractList(
  errorReferenceContracts,
  auditModule.contracts,
  notificationsModule.contracts,
  identityModule.contracts,
  organizationsModule.contracts,
  catalogModule.contracts,
  termsModule.contracts,
  appsModule.contracts,
  oauthModule.contracts,
  sandboxModule.contracts,
  upstreamsModule.contracts,
  gatewayModule.contracts,
  enforcementModule.contracts,
  detectorsModule.contracts,
  conformanceModule.contracts,
  regulatorModule.contracts,
);

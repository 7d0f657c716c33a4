import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';
import { idParam } from '../../platform/http/route.ts';
import { DATA_CLASSES } from './data-classes.ts';

const requestStatus = z.enum(['received', 'approved', 'delivered']);
const exportState = z.enum(['none', 'pending', 'building', 'ready', 'failed']);
const ids = (prefix: string) => z.array(idParam(prefix)).max(200).default([]);

export const regulatorRequestInput = z.strictObject({
  authority: z.string().trim().min(2).max(200),
  reference: z.string().trim().min(1).max(200),
  legalBasis: z.string().trim().min(3).max(2000),
  dueAt: z.iso.datetime(),
  scope: z.strictObject({ orgIds: ids('org'), userIds: ids('usr'), appIds: ids('app') }),
  dateRange: z.strictObject({ from: z.iso.datetime(), to: z.iso.datetime() }),
  /**
   * The data classes (DATA_CLASSES). Checked by the service, not the schema, so an unknown class
   * answers 422 regulator_data_class_unknown naming `dataClasses.N` (a schema refusal is a 400).
   */
  dataClasses: z
    .array(z.string().max(60))
    .min(1)
    .max(20)
    .describe(`one or more of: ${DATA_CLASSES.join(', ')}`),
  /** A confidential request is not told to the organisations it concerns. */
  confidential: z.boolean().default(false),
  notes: z.string().trim().max(4000).default(''),
});

const exportFileView = z.object({
  path: z.string(),
  size: z.number().int(),
  sha256: z.string(),
  rows: z.number().int(),
});

export const regulatorRequestView = z.object({
  id: z.string(),
  authority: z.string(),
  reference: z.string(),
  legalBasis: z.string(),
  dueAt: z.string(),
  scope: z.object({ orgIds: z.array(z.string()), userIds: z.array(z.string()), appIds: z.array(z.string()) }),
  /** The organisations the scope reaches (the named ones, those of the apps and of the users). */
  resolvedOrgIds: z.array(z.string()),
  dateRange: z.object({ from: z.string(), to: z.string() }),
  dataClasses: z.array(z.enum(DATA_CLASSES)),
  confidential: z.boolean(),
  notes: z.string(),
  status: requestStatus,
  createdBy: z.string(),
  createdAt: z.string(),
  approvedBy: z.string().nullable(),
  approvedAt: z.string().nullable(),
  deliveredAt: z.string().nullable(),
  export: z.object({
    state: exportState,
    rows: z.number().int(),
    progress: z.string().nullable(),
    error: z.string().nullable(),
    keyId: z.string().nullable(),
    files: z.array(exportFileView),
  }),
});

const exportKeyView = z.object({
  keyId: z.string(),
  algorithm: z.literal('Ed25519'),
  publicKeyPem: z.string(),
  publicKeyBase64: z.string(),
});

export const informationRequestView = z.object({
  id: z.string(),
  orgId: z.string(),
  subject: z.string(),
  body: z.string(),
  dueAt: z.string().nullable(),
  status: z.enum(['received', 'answered']),
  createdBy: z.string(),
  createdAt: z.string(),
  answer: z.string().nullable(),
  answeredBy: z.string().nullable(),
  answeredAt: z.string().nullable(),
});

const requestParams = z.strictObject({ requestId: idParam('rgr') });
const orgParams = z.strictObject({ orgId: idParam('org') });

export const regulatorContracts = defineContracts({
  listRegulatorRequests: {
    method: 'GET',
    url: '/api/v1/admin/regulator-requests',
    summary: 'Regulator information requests, newest first (operators)',
    tags: ['regulator', 'admin'],
    auth: 'operator',
    response: z.object({ items: z.array(regulatorRequestView) }),
  },
  createRegulatorRequest: {
    method: 'POST',
    url: '/api/v1/admin/regulator-requests',
    summary: "Record a regulator's information request (operators); a second operator approves it",
    description:
      'A scope naming nothing that exists answers regulator_scope_empty (field `scope…`), an unknown data class regulator_data_class_unknown naming `dataClasses.N`, a range the wrong way round regulator_date_range_invalid (field `dateRange.to`).',
    tags: ['regulator', 'admin'],
    auth: 'operator',
    body: regulatorRequestInput,
    response: regulatorRequestView,
    status: 201,
    errors: [
      'validation_failed',
      'regulator_scope_empty',
      'regulator_date_range_invalid',
      'regulator_data_class_unknown',
    ],
  },
  getRegulatorRequest: {
    method: 'GET',
    url: '/api/v1/admin/regulator-requests/:requestId',
    summary: 'One regulator request with its export state and files (operators)',
    tags: ['regulator', 'admin'],
    auth: 'operator',
    params: requestParams,
    response: regulatorRequestView,
    errors: ['not_found'],
  },
  approveRegulatorRequest: {
    method: 'POST',
    url: '/api/v1/admin/regulator-requests/:requestId/approve',
    summary: 'Approve a regulator request (a second operator: four eyes); the worker builds its bundle',
    tags: ['regulator', 'admin'],
    auth: 'operator',
    params: requestParams,
    response: regulatorRequestView,
    errors: ['not_found', 'regulator_self_approval', 'regulator_request_state'],
  },
  downloadRegulatorExport: {
    method: 'GET',
    url: '/api/v1/admin/regulator-requests/:requestId/export.tar',
    summary:
      'Download the signed export bundle as a tar archive (operators); audited, marks the request delivered',
    description:
      'Verify it with `darwaza export verify` or openssl and sha256sum against the published export key (getExportKey); docs/regulator-requests.md.',
    tags: ['regulator', 'admin'],
    auth: 'operator',
    params: requestParams,
    produces: 'application/x-tar',
    response: z.string(),
    errors: ['not_found', 'regulator_export_not_ready'],
  },
  getExportKey: {
    method: 'GET',
    url: '/api/v1/regulator/export-key',
    summary: "The operator's published export signing key (Ed25519): key id and PEM public key",
    description:
      'Public, so that anyone holding a bundle can verify it against the key the operator publishes.',
    tags: ['regulator'],
    auth: 'public',
    response: exportKeyView,
  },
  listInformationRequests: {
    method: 'GET',
    url: '/api/v1/admin/information-requests',
    summary: 'Information requests addressed to organisations, newest first (operators)',
    tags: ['regulator', 'admin'],
    auth: 'operator',
    response: z.object({ items: z.array(informationRequestView) }),
  },
  createInformationRequest: {
    method: 'POST',
    url: '/api/v1/admin/information-requests',
    summary: 'Ask an organisation for information (operators); its admins answer in the portal',
    tags: ['regulator', 'admin'],
    auth: 'operator',
    body: z.strictObject({
      orgId: idParam('org'),
      subject: z.string().trim().min(3).max(200),
      body: z.string().trim().min(3).max(8000),
      dueAt: z.iso.datetime().optional(),
    }),
    response: informationRequestView,
    status: 201,
    errors: ['validation_failed', 'not_found'],
  },
  listOrganizationInformationRequests: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/information-requests',
    summary: "The operator's information requests to the organisation (its owners and admins)",
    tags: ['regulator'],
    auth: 'user',
    params: orgParams,
    response: z.object({ items: z.array(informationRequestView) }),
    errors: ['not_found', 'forbidden'],
  },
  answerInformationRequest: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/information-requests/:informationRequestId/answer',
    summary: "Answer the operator's information request in text (the organisation's owners and admins)",
    tags: ['regulator'],
    auth: 'user',
    params: z.strictObject({ orgId: idParam('org'), informationRequestId: idParam('ifr') }),
    body: z.strictObject({ answer: z.string().trim().min(1).max(20000) }),
    response: informationRequestView,
    errors: ['validation_failed', 'not_found', 'forbidden', 'information_request_answered'],
  },
});

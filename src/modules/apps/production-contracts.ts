import { z } from 'zod';
import type { ErrorCode } from '../../platform/errors.ts';
import { defineContracts } from '../../platform/http/contract.ts';
import { idParam } from '../../platform/http/route.ts';
import { productionRequestView, secretView } from './contracts.ts';

/**
 * The routes of an app's production credentials (issue 35): its production client id, issued with
 * its first production grant, and that id's own client secrets — listed as metadata only, each
 * secret shown once when created, at most two active for an overlapping rotation, revoked one by
 * one. The sandbox client id and secrets are untouched by any of these.
 */
const appParams = z.strictObject({ orgId: idParam('org'), appId: idParam('app') });
const errors: ErrorCode[] = ['not_found', 'forbidden', 'validation_failed'];

export const productionCredentialsView = z.object({
  clientId: z
    .string()
    .nullable()
    .describe('The production client id; null until an operator first grants production access.'),
  gatewayBaseUrl: z.string().describe('Where the production credentials work (the production catalog).'),
  sandboxClientId: z.string().describe('The sandbox client id: it works only at the sandbox catalog.'),
  sandboxBaseUrl: z.string(),
  secrets: z.array(secretView).describe("The production client id's secrets (values never shown again)."),
  products: z
    .array(productionRequestView)
    .describe("Production access per product (each product's newest request)."),
});

const newProductionSecret = z.object({
  clientId: z.string().describe('The production client id the secret goes with.'),
  secret: secretView,
  clientSecret: z.string().describe('Shown once: store it now.'),
});

export const productionContracts = defineContracts({
  listProductionCredentials: {
    method: 'GET',
    url: '/api/v1/orgs/:orgId/apps/:appId/production-credentials',
    summary: "The app's production client id, its secrets (metadata only) and production access per product",
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    response: productionCredentialsView,
    errors,
  },
  createProductionSecret: {
    method: 'POST',
    url: '/api/v1/orgs/:orgId/apps/:appId/production-credentials/secrets',
    summary:
      'Add a production client secret (at most 2 active, for an overlapping rotation); shown once; honours Idempotency-Key',
    tags: ['apps'],
    auth: 'user',
    params: appParams,
    body: z.strictObject({ expiresAt: z.iso.datetime({ offset: true }).nullable().optional() }),
    response: newProductionSecret,
    status: 201,
    errors: [...errors, 'secret_limit_reached', 'production_not_granted'],
  },
  revokeProductionSecret: {
    method: 'DELETE',
    url: '/api/v1/orgs/:orgId/apps/:appId/production-credentials/secrets/:credentialId',
    summary: 'Revoke a production client secret (every gateway refuses it within a second)',
    tags: ['apps'],
    auth: 'user',
    params: z.strictObject({ orgId: idParam('org'), appId: idParam('app'), credentialId: idParam('sec') }),
    response: z.null(),
    status: 204,
    errors,
  },
});

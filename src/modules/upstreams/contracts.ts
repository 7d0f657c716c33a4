import { z } from 'zod';
import { defineContracts } from '../../platform/http/contract.ts';

/**
 * An upstream as operators see it. The mutual-TLS private key is never returned: only that one is
 * stored, with the certificate's subject, expiry and fingerprint.
 */
export const upstreamView = z.object({
  productSlug: z.string(),
  baseUrl: z.string(),
  connectTimeoutMs: z.number().int(),
  responseTimeoutMs: z.number().int(),
  maxResponseBytes: z.number().int(),
  headerAllowList: z.array(z.string()),
  tls: z
    .object({
      certificateSubject: z.string(),
      certificateNotAfter: z.string(),
      certificateFingerprintSha256: z.string(),
      privateKeyStored: z.literal(true),
      caConfigured: z.boolean(),
    })
    .nullable(),
  enabled: z.boolean(),
  version: z.number().int(),
  updatedAt: z.string(),
  updatedBy: z.string().nullable(),
});

/**
 * A change to one product's upstream. The first one must name `baseUrl`; the others keep their
 * values (or the defaults). Values are checked by the service, which answers 422
 * `upstream_setting_invalid` naming the field (the bounds live in upstream-settings.ts).
 */
export const upstreamPatch = z.strictObject({
  baseUrl: z.string().max(2048).optional(),
  connectTimeoutMs: z.number().optional(),
  responseTimeoutMs: z.number().optional(),
  maxResponseBytes: z.number().optional(),
  headerAllowList: z.array(z.string().max(100)).max(50).optional(),
  /** Mutual TLS: the client certificate and key (PEM) and, for a private CA, its certificate; null removes it. */
  tls: z
    .strictObject({
      certificatePem: z.string().max(20_000),
      privateKeyPem: z.string().max(20_000),
      caPem: z.string().max(50_000).nullable().optional(),
    })
    .nullable()
    .optional(),
  enabled: z.boolean().optional(),
});

export const upstreamsContracts = defineContracts({
  listUpstreams: {
    method: 'GET',
    url: '/api/v1/admin/upstreams',
    summary: 'The production upstreams, one per product, with their time-outs, caps and TLS (operators)',
    tags: ['admin'],
    auth: 'operator',
    response: z.object({ items: z.array(upstreamView) }),
  },
  updateUpstream: {
    method: 'PATCH',
    url: '/api/v1/admin/upstreams/:productSlug',
    summary: 'Configure a product’s production upstream (operators); every gateway uses it within seconds',
    tags: ['admin'],
    auth: 'operator',
    params: z.strictObject({ productSlug: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/) }),
    body: upstreamPatch,
    response: upstreamView,
    errors: ['not_found', 'upstream_setting_invalid', 'validation_failed'],
  },
});

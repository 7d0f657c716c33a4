import { z } from 'zod';
import type { ErrorCatalogue } from '../errors.ts';
import { defineContracts, implement } from './contract.ts';

/**
 * The error-code reference: every code the portal API, the OAuth token endpoint and the gateway
 * can answer with, read from the composed catalogue the app answers from (every module's errors.ts,
 * composed in main.ts), so the reference cannot drift from the answers. The web app renders it at
 * /docs/errors, one entry per code with the anchor `#<code>`, which is where the `docs` link of
 * every error body (and OAuth's `error_uri`, the gateway's problem `type`) points.
 */
const entry = z.object({
  code: z.string().max(80).describe('the stable code; also the anchor of its entry on /docs/errors'),
  status: z.number().int().min(400).max(599),
  area: z.string().max(80).describe('where the code comes from, for grouping'),
  meaning: z.string().max(1000).describe('the default message'),
  action: z.string().max(1000).describe('what to do next'),
});

type ErrorReferenceEntry = z.infer<typeof entry>;

function errorReference(errors: ErrorCatalogue): ErrorReferenceEntry[] {
  return Object.entries(errors).map(([code, def]) => ({
    code,
    status: def.status,
    area: def.area,
    meaning: def.message,
    action: def.action,
  }));
}

/** The reference's route as data (in src/modules.ts's portal contracts, for the OpenAPI document). */
export const errorReferenceContracts = defineContracts({
  listErrorCodes: {
    method: 'GET',
    url: '/api/v1/errors',
    summary: 'Every error code with its HTTP status, meaning and what to do next',
    description:
      'Generated from the error-code catalogue. Error bodies link to an entry of this list: `docs` is `{publicUrl}/docs/errors#<code>`.',
    tags: ['reference'],
    auth: 'public',
    response: z.object({ items: z.array(entry).max(1000) }),
  },
});

export function errorReferenceRoutes(errors: ErrorCatalogue) {
  return implement(errorReferenceContracts, {
    listErrorCodes: async ({ reply }) => {
      reply.header('cache-control', 'public, max-age=300');
      return { items: errorReference(errors) };
    },
  });
}

import { errorCatalogue, portalContracts } from './modules.ts';
import { buildOpenApi } from './platform/http/openapi.ts';
import { version } from './version.ts';

/**
 * The portal API's OpenAPI document, built from the modules' contracts alone (src/modules.ts),
 * without starting anything: what the portal serves at /api/v1/openapi.json when its public URL is
 * `serverUrl` (app.ts builds it with the same title and version from the routes it registers;
 * test/openapi-static.test.ts holds the two equal). scripts/lint-openapi.ts lints it.
 */
export function portalOpenApi(serverUrl: string): ReturnType<typeof buildOpenApi> {
  return buildOpenApi(portalContracts, errorCatalogue, { title: 'Darwaza portal API', version, serverUrl });
}

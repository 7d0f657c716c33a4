import { defineModule } from '../../platform/module.ts';
import { upstreamsCli } from './admin-commands.ts';
import { upstreamsContracts } from './contracts.ts';
import { upstreamsErrors } from './errors.ts';
import { migrations } from './migrations.ts';
import { upstreamsRoutes } from './routes.ts';
import { type UpstreamsDeps, UpstreamsService } from './upstreams-service.ts';

/**
 * The production upstreams (issue 35): one back-end per catalogue product — base URL, connect and
 * response time-outs, response size cap, the caller's headers passed on, optional mutual TLS (the
 * key sealed with the keyring, never returned) — configured by operators (listUpstreams,
 * updateUpstream; `darwaza admin upstream list | set`), every change audited and announced to
 * the gateways, whose production path reads them through the gateway's UpstreamDirectory port.
 */
export { upstreamsErrors } from './errors.ts';
export { type UpstreamsTables, upstreamsTables } from './tables.ts';
/** The demo seed: the products proxied to the simulated upstream (src/seed.ts binds it). */
export { upstreamsDemoSeeder } from './upstreams-seed.ts';
export type { UpstreamsService } from './upstreams-service.ts';

export type UpstreamsPorts = { upstreams: UpstreamsService };

export const upstreamsModule = defineModule<UpstreamsDeps, UpstreamsPorts>({
  name: 'upstreams',
  migrations,
  errors: upstreamsErrors,
  contracts: upstreamsContracts,
  subscribes: [],
  cli: upstreamsCli,
  create(deps) {
    const upstreams = new UpstreamsService(deps);
    return { ports: { upstreams }, routes: upstreamsRoutes({ upstreams }) };
  },
});

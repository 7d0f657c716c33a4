import { implement } from '../../platform/http/contract.ts';
import { contextOf } from '../../platform/request-context.ts';
import { upstreamsContracts } from './contracts.ts';
import type { UpstreamsService } from './upstreams-service.ts';

/** listUpstreams and updateUpstream: operators only (the contracts' `auth: 'operator'`). */
export function upstreamsRoutes(deps: { upstreams: UpstreamsService }) {
  const { upstreams } = deps;
  return implement(upstreamsContracts, {
    listUpstreams: async () => ({ items: await upstreams.list() }),
    updateUpstream: async (c) => upstreams.update(c.params.productSlug, c.body, contextOf(c)),
  });
}

import type { Seeder } from '../../platform/module.ts';
import { systemContext } from '../../platform/request-context.ts';
import type { UpstreamsService } from './upstreams-service.ts';

/**
 * Demo seeder: points every catalogue product without an upstream at the simulated production
 * upstream (`darwaza upstream`, which `npm start` runs beside the server on UPSTREAM_SIM_PORT), so
 * the production path runs end to end on one machine. Nothing when the simulator is off (port 0).
 */
export const upstreamsDemoSeeder: Seeder<{
  upstreams: Pick<UpstreamsService, 'list' | 'update'>;
  productSlugs: string[];
  simulatorPort: number;
}> = {
  name: 'upstreams',
  demo: true,
  async run({ upstreams, productSlugs, simulatorPort }) {
    if (simulatorPort === 0) return undefined;
    const have = new Set((await upstreams.list()).map((u) => u.productSlug));
    const todo = productSlugs.filter((s) => !have.has(s));
    const ctx = systemContext('seed');
    for (const slug of todo)
      await upstreams.update(slug, { baseUrl: `http://127.0.0.1:${simulatorPort}` }, ctx);
    return todo.length
      ? `${todo.length} product(s) proxied to the simulated upstream on port ${simulatorPort}`
      : undefined;
  },
};

import type { System } from './main.ts';
import { catalogSeeder } from './modules/catalog/index.ts';
import { sandboxProducts, sandboxSeeder } from './modules/sandbox/index.ts';
import { termsSeeder } from './modules/terms/index.ts';
import { upstreamsDemoSeeder } from './modules/upstreams/index.ts';
import type { Seeder } from './platform/module.ts';
import { identityDemoSeeder } from './seed/demo-seed.ts';

/**
 * Seed data. Base data (seeded terms, catalogue, sandbox products) is needed by every install; the
 * demo (operator, demo developer, demo app) is what `npm start` shows. Each module contributes its
 * own seeders (platform/module.ts `Seeder`), given here only the ports and data they need; seeding
 * that spans modules (the demo's people) is the root's (src/seed/). Seeders are idempotent.
 */
const bind = <P>(s: Seeder<P>, ports: (system: System) => P): Seeder<System> => ({
  name: s.name,
  demo: s.demo,
  run: (system) => s.run(ports(system)),
});

// terms first: the general terms exist before anyone can be asked to accept them.
// identity next: later demo seeders find the demo organisation "Demo Fintech" and its developer.
const seeders: ReadonlyArray<Seeder<System>> = [
  bind(termsSeeder, (s) => ({ terms: s.services.terms })),
  identityDemoSeeder,
  // The catalogue lists the sandbox's products with their documents (the sandbox's face gives them).
  bind(catalogSeeder, (s) => ({ catalog: s.services.catalog, products: sandboxProducts })),
  bind(sandboxSeeder, (s) => ({ sandbox: s.services.sandbox })),
  // The demo's products reach production through the simulated upstream (UPSTREAM_SIM_PORT).
  {
    name: upstreamsDemoSeeder.name,
    demo: upstreamsDemoSeeder.demo,
    run: async (s) =>
      upstreamsDemoSeeder.run({
        upstreams: s.services.upstreams,
        productSlugs: (await s.services.catalog.listProducts({ includeAll: true })).map((p) => p.slug),
        simulatorPort: s.config.upstreamSimPort,
      }),
  },
];

export async function seedDemo(
  system: System,
  opts: { onlyIfEmpty: boolean; demo?: boolean },
): Promise<{ created: boolean; summary: string }> {
  const notes: string[] = [];
  for (const s of seeders) {
    if (s.demo && opts.demo === false) continue;
    const note = await s.run(system);
    if (note) notes.push(`${s.name}: ${note}`);
  }
  return { created: notes.length > 0, summary: notes.length ? notes.join('; ') : 'nothing to seed' };
}

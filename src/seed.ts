import type { System } from './main.ts';
import { catalogSeeder } from './modules/catalog/catalog-seed.ts';
import { identityDemoSeeder } from './modules/identity/demo-seed.ts';
import { sandboxSeeder } from './modules/sandbox/sandbox-seed.ts';
import { termsSeeder } from './modules/terms/terms-seed.ts';

/**
 * Seed data. Base data (seeded terms, catalogue, sandbox products) is needed by every install; the
 * demo (operator, demo developer, demo app) is what `npm start` shows. Each module contributes a
 * seeder; seeders are idempotent.
 */
export type Seeder = {
  name: string;
  /** Base seeders run on every install; demo seeders only for the demo. */
  demo: boolean;
  run(system: System): Promise<string | undefined>;
};

// identity first: later demo seeders find the demo organisation "Demo Fintech" and its developer.
// terms first: the general terms exist before anyone can be asked to accept them.
const seeders: Seeder[] = [termsSeeder, identityDemoSeeder, catalogSeeder, sandboxSeeder];

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

import type { Seeder } from '../../seed.ts';

/**
 * Base seeder: makes sure the operator key that signs sandbox responses exists from the first
 * start (generated once, then reused by every process). Worlds are not seeded: each
 * organisation's world is created on its first use.
 */
export const sandboxSeeder: Seeder = {
  name: 'sandbox',
  demo: false,
  run: async (system) =>
    (await system.services.sandbox.service.signer.ensure()) ? 'operator signing key generated' : undefined,
};

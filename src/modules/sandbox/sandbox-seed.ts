import type { Seeder } from '../../platform/module.ts';
import type { SandboxService } from './sandbox-service.ts';

/**
 * Base seeder: makes sure the operator key that signs sandbox responses exists from the first
 * start (generated once, then reused by every process). Worlds are not seeded: each
 * organisation's world is created on its first use.
 */
export const sandboxSeeder: Seeder<{ sandbox: { service: Pick<SandboxService, 'signer'> } }> = {
  name: 'sandbox',
  demo: false,
  run: async ({ sandbox }) =>
    (await sandbox.service.signer.ensure()) ? 'operator signing key generated' : undefined,
};

import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { usageIdOf } from '../src/modules/gateway/testing.ts';
import type { AppsWorld } from './apps-helpers.ts';
import type { TestSystem } from './harness.ts';

/** `n` gateway usage rows of `orgId`/`appId` inside [from, from + n seconds), written directly. */
export async function seedUsage(
  sys: TestSystem,
  orgId: string,
  appId: string,
  from: Date,
  n: number,
): Promise<void> {
  const db = sys.database.db;
  for (let start = 0; start < n; start += 500) {
    const rows = [];
    for (let i = start; i < Math.min(n, start + 500); i++) {
      const at = new Date(from.getTime() + i * 1000).toISOString();
      rows.push({
        // A usage id starts with its call's millisecond (the export reads time ranges by id).
        id: usageIdOf(from.getTime() + i * 1000, 'rg', i),
        at,
        org_id: orgId,
        app_id: appId,
        product_slug: 'ibft',
        operation_id: 'titleFetch',
        catalog: 'sandbox',
        method: 'POST',
        path: '/1link/sandbox/ibft',
        status: 200,
        error_code: null,
        network_code: '00',
        latency_us: 1200,
        client_ip: '10.0.0.1',
        end_user_hash: null,
        request_id: `req_${i}`,
        bytes_in: 100,
        bytes_out: 200,
        replayed: 0,
        live_data_suspected: 0,
        outcome: 'approved',
      });
    }
    await db.insertInto('gateway_usage').values(rows).execute();
  }
  await sql`select 1`.execute(db);
}

/** A regulator request body for one organisation and November 2026. */
export function requestBody(w: AppsWorld, extra: Record<string, unknown> = {}) {
  return {
    authority: 'State Bank of Pakistan',
    reference: 'SBP/PSD/2026/117',
    legalBasis: 'Payment Systems and Electronic Fund Transfers Act 2007, s. 5',
    dueAt: '2026-12-01T00:00:00Z',
    scope: { orgIds: [w.orgA] },
    dateRange: { from: '2026-11-01T00:00:00Z', to: '2026-12-01T00:00:00Z' },
    dataClasses: [
      'account_and_eligibility',
      'terms_acceptances',
      'apps_and_credentials',
      'usage',
      'audit_events',
    ],
    ...extra,
  };
}

/** Writes a downloaded bundle to a fresh directory and extracts it there; returns both paths. */
export function saveAndExtract(bytes: Buffer): { tarFile: string; dir: string; root: string } {
  const root = mkdtempSync(join(tmpdir(), 'darwaza-bundle-'));
  const tarFile = join(root, 'bundle.tar');
  writeFileSync(tarFile, bytes);
  execFileSync('tar', ['-xf', tarFile, '-C', root]);
  const top = execFileSync('tar', ['-tf', tarFile], { encoding: 'utf8' }).split('\n')[0]!.split('/')[0]!;
  return { tarFile, dir: join(root, top), root };
}

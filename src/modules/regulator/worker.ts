import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import { periodic } from '../../platform/periodic.ts';
import { systemContext } from '../../platform/request-context.ts';
import { buildBundle } from './bundle-builder.ts';
import type { RegulatorRequests } from './regulator-requests.ts';
import type { RegulatorDeps } from './service-deps.ts';

/** How long before the due date operators are told (once) that a request is still open. */
const DUE_NOTICE_MS = 3 * 24 * 3600 * 1000;

/**
 * One worker pass: builds every bundle waiting to be built (one at a time, each page by page), then
 * tells the operators about open requests due within DUE_NOTICE_MS. A bundle that fails is marked
 * failed with the reason; it is not retried on its own (an operator reads why).
 */
export async function regulatorTick(
  d: RegulatorDeps,
  requests: RegulatorRequests,
  now: Date = d.clock.now(),
): Promise<{ built: number; failed: number; noticed: number }> {
  let built = 0;
  let failed = 0;
  for (let row = await d.store.claimPendingExport(); row; row = await d.store.claimPendingExport()) {
    try {
      const scope = await requests.resolveScope(JSON.parse(row.scope), {
        from: row.range_from,
        to: row.range_to,
      });
      const m = await buildBundle(d, row, scope);
      await d.audit(
        systemContext('regulator-worker'),
        'regulator_request.export_built',
        {
          type: 'regulator_request',
          id: row.id,
        },
        { details: { files: m.files.length, keyId: m.keyId } },
      );
      built += 1;
    } catch (err) {
      failed += 1;
      await d.store.updateRequest(row.id, {
        export_state: 'failed',
        export_error: (err as Error).message.slice(0, 500),
      });
    }
  }
  let noticed = 0;
  const due = await d.store.dueUnnoticed(new Date(now.getTime() + DUE_NOTICE_MS).toISOString());
  if (due.length) {
    const operators = await d.reader.operatorIds();
    for (const r of due) {
      await d.notifications.notify(operators, {
        kind: 'regulator_request.due',
        title: `Regulator request ${r.reference} (${r.authority}) is due ${r.due_at.slice(0, 10)}`,
        body: `Status: ${r.status}. Due ${r.due_at}.`,
        link: '/operator/regulator',
      });
      await d.store.updateRequest(r.id, { due_noticed_at: now.toISOString() });
      noticed += 1;
    }
  }
  return { built, failed, noticed };
}

/** Runs `regulatorTick` every `intervalMs` (default 5 s) once started (platform/periodic.ts). */
export function regulatorWorker(
  d: RegulatorDeps & { log?: Logger; clock: Clock },
  requests: RegulatorRequests,
  intervalMs = 5_000,
): { start(): void; stop(): void } {
  return periodic(
    () => regulatorTick(d, requests),
    intervalMs,
    (err) => d.log?.error({ err: err.message }, 'regulator worker tick failed'),
  );
}

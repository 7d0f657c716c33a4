import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { TerminationService } from './termination-service.ts';
import type { TermsService } from './terms-service.ts';

/** One worker pass: carries out due terminations and announces declines that took effect. */
export async function termsTick(
  deps: { terms: TermsService; terminations: TerminationService; clock: Clock },
  now: Date = deps.clock.now(),
): Promise<{ terminated: number; declinesTakenEffect: number }> {
  const terminated = await deps.terminations.processDueTerminations(now);
  const declinesTakenEffect = await deps.terms.processDeclineEffects(now);
  return { terminated, declinesTakenEffect };
}

/**
 * Runs `termsTick` every `intervalMs` (default a minute) from `start` (main.ts: once the server
 * listens, in the roles that do background work) until `stop`; a pass still running when the next
 * is due is not started twice. Tests never listen, so they drive `termsTick` with a fake clock.
 */
export function termsWorker(
  deps: { terms: TermsService; terminations: TerminationService; clock: Clock; log?: Logger },
  intervalMs = 60_000,
): { start(): void; stop(): void } {
  let timer: ReturnType<typeof setInterval> | null = null;
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await termsTick(deps);
    } catch (err) {
      deps.log?.error({ err: (err as Error).message }, 'terms worker tick failed');
    } finally {
      running = false;
    }
  };
  return {
    start() {
      if (timer) return;
      timer = setInterval(() => void run(), intervalMs);
      timer.unref();
      void run();
    },
    stop() {
      if (timer) clearInterval(timer);
      timer = null;
    },
  };
}

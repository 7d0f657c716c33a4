import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { Logger } from '../../platform/logger.ts';
import type { OrgAccess, OrgTerminationHandler, UserDirectory } from '../../platform/ports.ts';
import type { AuditLog } from '../audit/index.ts';
import type { Mailer } from '../notifications/mailer.ts';
import type { NotificationService } from '../notifications/notification-service.ts';
import { TerminationService } from './termination-service.ts';
import { CachedTermsEnforcer } from './terms-enforcer.ts';
import { TermsService } from './terms-service.ts';

/** The terms module's services, built together (main.ts and tests use this). */
export type TermsModule = {
  terms: TermsService;
  terminations: TerminationService;
  enforcer: CachedTermsEnforcer;
  /** One worker pass: carries out due terminations and announces declines that took effect. */
  tick(now?: Date): Promise<{ terminated: number; declinesTakenEffect: number }>;
};

export function createTermsModule(deps: {
  db: Kysely<any>;
  clock: Clock;
  audit: AuditLog;
  notifications: NotificationService;
  mailer: Mailer;
  orgAccess: OrgAccess;
  users?: UserDirectory | null;
  handlers?: OrgTerminationHandler[];
  log?: Logger;
  publicUrl?: string;
  cacheTtlMs?: number;
}): TermsModule {
  const terms = new TermsService(deps);
  const terminations = new TerminationService({ ...deps, terms });
  const enforcer = new CachedTermsEnforcer({ ...deps, terms, terminations, ttlMs: deps.cacheTtlMs });
  return {
    terms,
    terminations,
    enforcer,
    async tick(now = deps.clock.now()) {
      const terminated = await terminations.processDueTerminations(now);
      const declinesTakenEffect = await terms.processDeclineEffects(now);
      return { terminated, declinesTakenEffect };
    },
  };
}

/**
 * Runs the module's worker tick every `intervalMs` (default a minute) once the server listens, and
 * stops with it. Tests never listen, so they drive `tick()` with a fake clock instead.
 */
export function registerTermsWorker(
  app: { addHook(name: 'onListen' | 'onClose', fn: () => Promise<void>): unknown },
  mod: TermsModule,
  opts: { log?: Logger; intervalMs?: number } = {},
): void {
  let timer: ReturnType<typeof setInterval> | null = null;
  let running = false;
  const run = async () => {
    if (running) return;
    running = true;
    try {
      await mod.tick();
    } catch (err) {
      opts.log?.error({ err: (err as Error).message }, 'terms worker tick failed');
    } finally {
      running = false;
    }
  };
  app.addHook('onListen', async () => {
    if (timer) return;
    timer = setInterval(() => void run(), opts.intervalMs ?? 60_000);
    timer.unref();
    void run();
  });
  app.addHook('onClose', async () => {
    if (timer) clearInterval(timer);
    timer = null;
    await mod.enforcer.close();
  });
}

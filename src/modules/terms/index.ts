import type { Kysely } from 'kysely';
import type { Clock } from '../../platform/clock.ts';
import type { EventEmitter } from '../../platform/events.ts';
import type { Logger } from '../../platform/logger.ts';
import { defineModule } from '../../platform/module.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import type { AuditLog } from '../audit/index.ts';
import type { TermsVersions, UserDirectory } from '../identity/index.ts';
import type { MailOutbox, Notices } from '../notifications/index.ts';
import type { OrgAccess } from '../organizations/index.ts';
import { termsContracts } from './contracts.ts';
import { termsErrors } from './errors.ts';
// The events this module emits (their payload types join platform's DomainEvents).
import './events.ts';
import { migrations } from './migrations.ts';
import type { TermsGate } from './ports.ts';
import { termsRoutes } from './routes.ts';
import type { TermsTables } from './tables.ts';
import { TerminationService } from './termination-service.ts';
import { CachedTermsEnforcer } from './terms-enforcer.ts';
import { TermsService } from './terms-service.ts';
import { termsWorker } from './worker.ts';

/**
 * Terms of use and the end of an organisation's use of the platform: documents and their
 * versions, publication under the notice rules, acceptance and its proof, the gateway's per-call
 * check (`TermsEnforcer`), the product gate for subscriptions (`TermsGate`) and terminations.
 *
 * - Reacts to `identity.signed_up` (the new account's acceptance of the general terms in force is
 *   recorded) and `organizations.created` (the creator accepts the terms in force on the new
 *   organisation's behalf).
 * - Emits `terms.organization_terminated` (events.ts) when a termination takes effect; a
 *   subscriber's failure leaves the termination pending and the whole event is delivered again.
 * - Answers identity's `TermsVersions` (the general terms version in force at sign-up), which
 *   main.ts provides through a late port since identity is built first.
 * - Its worker carries out due terminations and announces declines that took effect, every minute.
 */
export { termsErrors } from './errors.ts';
export type { TermsEnforcer, TermsGate } from './ports.ts';
/** The tables the module's migrations build (ADR 0008). */
export { type TermsTables, termsTables } from './tables.ts';
export type { TerminationService } from './termination-service.ts';
export type { CachedTermsEnforcer } from './terms-enforcer.ts';
/** The base seed: the general terms and the bills product's additional terms (src/seed.ts runs it). */
export { termsSeeder } from './terms-seed.ts';
export type { TermsService } from './terms-service.ts';

export type TermsDeps = {
  db: Kysely<TermsTables>;
  clock: Clock;
  audit: AuditLog;
  notifications: Notices;
  mailer: MailOutbox;
  orgAccess: OrgAccess;
  users: UserDirectory;
  /** Carries `terms.organization_terminated`. */
  events: EventEmitter;
  /** The enforcer shares cache invalidations with other processes over it. */
  sharedState: SharedState;
  log?: Logger;
  /** The portal's public URL: links in e-mails are absolute. */
  publicUrl?: string;
  /** How long the enforcer keeps an answer at most (default 30 s). */
  cacheTtlMs?: number;
  /** The worker's period (default a minute). */
  workerIntervalMs?: number;
};

export type TermsPorts = {
  /** The service itself (tests, the seed and the CLI use more than the narrow ports). */
  terms: TermsService;
  termsGate: TermsGate;
  /** Terminations (tests drive `processDueTerminations` with a fake clock). */
  terminations: TerminationService;
  /** The gateway's per-call check (tests also drop its cache with `invalidate`). */
  termsEnforcer: CachedTermsEnforcer;
  /** Identity's question at sign-up (main.ts provides identity's late port with it). */
  termsVersions: TermsVersions;
};

export const termsModule = defineModule<TermsDeps, TermsPorts>({
  name: 'terms',
  migrations,
  errors: termsErrors,
  contracts: termsContracts,
  subscribes: ['identity.signed_up', 'organizations.created'],
  async create(deps) {
    const terms = new TermsService(deps);
    const terminations = new TerminationService({ ...deps, terms });
    const termsEnforcer = new CachedTermsEnforcer({ ...deps, terms, terminations, ttlMs: deps.cacheTtlMs });
    await termsEnforcer.connect(deps.sharedState);
    const termsVersions: TermsVersions = {
      async generalVersionInForce() {
        const applicable = await terms.getApplicableTerms(null);
        return applicable.documents.find((d) => d.kind === 'general')?.inForce?.id ?? null;
      },
    };
    return {
      ports: { terms, termsGate: terms, terminations, termsEnforcer, termsVersions },
      routes: termsRoutes({ terms, terminations }),
      on: {
        // Sign-up leaves proof of the new account's acceptance of the general terms in force.
        'identity.signed_up': async ({ userId, ctx }) => {
          await terms.recordSignUpAcceptance(userId, ctx);
        },
        // A new organisation accepts the terms in force, by its creator, on its own behalf.
        'organizations.created': async ({ creator, orgId, ctx: meta }) => {
          await terms.acceptInForce(creator, { onBehalfOf: 'organization', orgId }, meta);
        },
      },
      worker: termsWorker({ terms, terminations, clock: deps.clock, log: deps.log }, deps.workerIntervalMs),
      close: () => termsEnforcer.close(),
    };
  },
});

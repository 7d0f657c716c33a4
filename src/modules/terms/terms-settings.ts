import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { TermsAudit } from './audit-actions.ts';
import type { settingsSchema } from './contracts.ts';
import type { TermsStore } from './terms-store.ts';

/**
 * The operator's terms settings:
 * standardNoticeDays: notice for standard changes (≥ 15); terminationNoticeDays: written notice an
 * organisation gives before its termination date (≥ 1); retentionDays: how long a terminated
 * organisation's data is kept read-only.
 */
export type TermsSettings = z.infer<typeof settingsSchema>;

/** What the published terms promise: standard changes take effect no sooner than this. */
const MIN_STANDARD_NOTICE_DAYS = 15;

const defaultTermsSettings: TermsSettings = {
  standardNoticeDays: 15,
  terminationNoticeDays: 30,
  retentionDays: 365,
};

const settingBounds: Record<keyof TermsSettings, { min: number; max: number }> = {
  standardNoticeDays: { min: MIN_STANDARD_NOTICE_DAYS, max: 365 },
  terminationNoticeDays: { min: 1, max: 365 },
  retentionDays: { min: 30, max: 3650 },
};

export class TermsSettingsService {
  readonly #store: TermsStore;
  readonly #clock: Clock;
  readonly #audit: TermsAudit;
  #settings: TermsSettings | null = null;
  #settingsLoadedAtMs = 0;

  constructor(deps: { store: TermsStore; clock: Clock; audit: TermsAudit }) {
    this.#store = deps.store;
    this.#clock = deps.clock;
    this.#audit = deps.audit;
  }

  async getSettings(): Promise<TermsSettings> {
    // Other processes' changes are picked up within a minute.
    const nowMs = this.#clock.nowMs();
    if (this.#settings && nowMs >= this.#settingsLoadedAtMs && nowMs - this.#settingsLoadedAtMs < 60_000) {
      return this.#settings;
    }
    const raw = await this.#store.getSettings();
    const s: TermsSettings = { ...defaultTermsSettings };
    for (const k of Object.keys(defaultTermsSettings) as (keyof TermsSettings)[]) {
      const n = Number(raw[k]);
      if (raw[k] !== undefined && Number.isInteger(n)) s[k] = Math.max(settingBounds[k].min, n);
    }
    this.#settings = s;
    this.#settingsLoadedAtMs = nowMs;
    return s;
  }

  async updateSettings(
    principal: Principal,
    patch: Partial<TermsSettings>,
    ctx: RequestContext,
  ): Promise<TermsSettings> {
    if (!principal.isOperator) throw new AppError('forbidden');
    const current = await this.getSettings();
    const next = { ...current };
    for (const [k, v] of Object.entries(patch) as [keyof TermsSettings, number | undefined][]) {
      if (v === undefined) continue;
      const b = settingBounds[k];
      if (!b) continue;
      if (!Number.isInteger(v) || v < b.min || v > b.max) {
        throw new AppError('terms_setting_invalid', {
          message:
            k === 'standardNoticeDays'
              ? `The notice for standard changes must be from ${b.min} to ${b.max} days: the published terms promise at least ${MIN_STANDARD_NOTICE_DAYS}.`
              : `${k} must be a whole number from ${b.min} to ${b.max}.`,
          details: { field: k, min: b.min, max: b.max },
        });
      }
      next[k] = v;
    }
    const at = this.#clock.now().toISOString();
    await this.#store.inTransaction(async (tx) => {
      for (const k of Object.keys(next) as (keyof TermsSettings)[]) {
        if (next[k] !== current[k])
          await this.#store.putSetting(k, String(next[k]), at, principal.userId, tx);
      }
      await this.#audit(ctx, 'terms.settings_update', null, {
        details: { before: current, after: next },
        tx,
      });
    });
    this.#settings = next;
    this.#settingsLoadedAtMs = this.#clock.nowMs();
    return next;
  }
}

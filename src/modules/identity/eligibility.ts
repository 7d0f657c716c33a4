import { parseCsv, writeCsv } from '../../platform/csv.ts';
import { isUniqueViolation } from '../../platform/db/database.ts';
import { AppError } from '../../platform/errors.ts';
import type { Principal } from '../../platform/http/route.ts';
import { actorOf, type RequestContext } from '../../platform/request-context.ts';
import type { IdentityKit } from './identity-kit.ts';
import { normalizeScreeningName } from './screening-names.ts';

/** More entries than an import (at most 900 000 characters of CSV) can create. */
const SCREENING_EXPORT_LIMIT = 1_000_000;

/**
 * Who may hold an account, as operators set it: barred countries, the screening list (a name that
 * matches holds the account for review), e-mail domains approved without review, and the identity
 * settings (how often users re-confirm their details). Every change is audited with it.
 */
export class Eligibility {
  readonly #kit: IdentityKit;

  constructor(kit: IdentityKit) {
    this.#kit = kit;
  }

  // ------------------------------------------------------------------------------------ settings

  async reconfirmMonths(): Promise<number> {
    const value = await this.#kit.store.setting('reconfirm_months');
    return value !== null ? Number(value) : 12;
  }

  async getSettings(): Promise<{ reconfirmMonths: number }> {
    return { reconfirmMonths: await this.reconfirmMonths() };
  }

  async updateSettings(operator: Principal, s: { reconfirmMonths: number }, ctx: RequestContext) {
    await this.#kit.store.transaction(async (store, tx) => {
      await store.replaceSetting('reconfirm_months', String(s.reconfirmMonths));
      await this.#kit.audit(
        { ...ctx, actor: actorOf(operator), userAgent: null },
        'identity.settings_changed',
        null,
        { details: s, tx },
      );
    });
    return this.getSettings();
  }

  // ------------------------------------------------------------------------------------ barred countries

  /** Which of these (upper-case) codes are barred. */
  barredAmong(codes: string[]): Promise<string[]> {
    return this.#kit.store.barredAmong(codes);
  }

  async listBarredCountries(): Promise<Array<{ code: string; note: string | null }>> {
    const rows = await this.#kit.store.listBarredCountries();
    return rows.map((r) => ({ code: r.code, note: r.note }));
  }

  async setBarredCountries(
    operator: Principal,
    list: Array<{ code: string; note?: string | null }>,
    ctx: RequestContext,
  ) {
    const now = this.#kit.nowIso();
    const unique = [...new Map(list.map((c) => [c.code.toUpperCase(), c])).entries()];
    await this.#kit.store.transaction(async (store, tx) => {
      await store.replaceBarredCountries(
        unique.map(([code, c]) => ({ code, note: c.note ?? null, created_at: now })),
      );
      await this.#kit.audit(
        { ...ctx, actor: actorOf(operator), userAgent: null },
        'identity.barred_countries_changed',
        null,
        { details: { codes: unique.map(([c]) => c) }, tx },
      );
    });
    return this.listBarredCountries();
  }

  // ------------------------------------------------------------------------------------ screening

  /** The listed name this name matches, or null. */
  async screen(name: string): Promise<string | null> {
    const n = normalizeScreeningName(name);
    if (!n) return null;
    return this.#kit.store.screeningMatch(n);
  }

  /** CSV with a header row containing `name` (and optionally `reference`). */
  async importScreeningList(
    operator: Principal | null,
    csv: string,
    opts: { replace: boolean },
    ctx: RequestContext,
  ): Promise<{ imported: number; total: number }> {
    const rows = parseCsv(csv);
    if (rows.length === 0) throw new AppError('validation_failed', { message: 'The CSV is empty.' });
    const header = rows[0].map((h) => h.trim().toLowerCase());
    let nameCol = header.indexOf('name');
    const refCol = header.indexOf('reference');
    const body = nameCol === -1 ? rows : rows.slice(1);
    if (nameCol === -1) nameCol = 0;
    const entries = new Map<string, { name: string; reference: string | null }>();
    for (const r of body) {
      const name = (r[nameCol] ?? '').trim();
      const n = normalizeScreeningName(name);
      if (n)
        entries.set(n, {
          name: name.slice(0, 300),
          reference: refCol >= 0 ? (r[refCol] ?? '').trim().slice(0, 200) || null : null,
        });
    }
    const now = this.#kit.nowIso();
    await this.#kit.store.transaction(async (store, tx) => {
      if (opts.replace) await store.deleteAllScreeningEntries();
      else if (entries.size) await store.deleteScreeningEntries([...entries.keys()]);
      const values = [...entries].map(([n, e]) => ({
        normalized_name: n,
        name: e.name,
        reference: e.reference,
        created_at: now,
      }));
      await store.insertScreeningEntries(values);
      await this.#kit.audit(
        { ...ctx, actor: actorOf(operator), userAgent: null },
        'identity.screening_list_imported',
        null,
        { details: { imported: entries.size, replace: opts.replace }, tx },
      );
    });
    const total = await this.#kit.store.countScreeningEntries();
    return { imported: entries.size, total };
  }

  async listScreeningEntries(
    limit = 500,
  ): Promise<Array<{ name: string; reference: string | null; createdAt: string }>> {
    const rows = await this.#kit.store.listScreeningEntries(limit);
    return rows.map((r) => ({ name: r.name, reference: r.reference, createdAt: r.created_at }));
  }

  /**
   * The whole list as CSV (`name,reference`, ordered by name), in the shape the import reads: an
   * exported list imported back with `replace` gives the same list. Audited, like every export.
   */
  async exportScreeningListCsv(operator: Principal, ctx: RequestContext): Promise<string> {
    const rows = await this.#kit.store.listScreeningEntries(SCREENING_EXPORT_LIMIT);
    await this.#kit.audit(
      { ...ctx, actor: actorOf(operator), userAgent: null },
      'identity.screening_list_exported',
      null,
      { details: { format: 'csv', rows: rows.length } },
    );
    return writeCsv([['name', 'reference'], ...rows.map((r) => [r.name, r.reference])]);
  }

  // ------------------------------------------------------------------------------------ auto-approval

  async listAutoApproveRules(): Promise<
    Array<{ emailDomain: string; note: string | null; createdAt: string }>
  > {
    const rows = await this.#kit.store.listAutoApproveRules();
    return rows.map((r) => ({ emailDomain: r.email_domain, note: r.note, createdAt: r.created_at }));
  }

  async addAutoApproveRule(
    operator: Principal | null,
    domainIn: string,
    note: string | null,
    ctx: RequestContext,
  ) {
    const domain = domainIn.trim().toLowerCase().replace(/^@/, '');
    try {
      await this.#kit.store.transaction(async (store, tx) => {
        await store.insertAutoApproveRule({
          email_domain: domain,
          note,
          created_by: operator?.userId ?? null,
          created_at: this.#kit.nowIso(),
        });
        await this.#kit.audit(
          { ...ctx, actor: actorOf(operator), userAgent: null },
          'identity.auto_approve_rule_added',
          null,
          { details: { emailDomain: domain }, tx },
        );
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw new AppError('already_exists');
      throw err;
    }
    return { emailDomain: domain, note, createdAt: this.#kit.nowIso() };
  }

  async removeAutoApproveRule(operator: Principal, domain: string, ctx: RequestContext): Promise<void> {
    await this.#kit.store.transaction(async (store, tx) => {
      if ((await store.deleteAutoApproveRule(domain.toLowerCase())) !== 1) throw new AppError('not_found');
      await this.#kit.audit(
        { ...ctx, actor: actorOf(operator), userAgent: null },
        'identity.auto_approve_rule_removed',
        null,
        { details: { emailDomain: domain }, tx },
      );
    });
  }
}

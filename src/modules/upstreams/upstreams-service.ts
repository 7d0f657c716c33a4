import type { Kysely } from 'kysely';
import type { z } from 'zod';
import type { Clock } from '../../platform/clock.ts';
import { AppError } from '../../platform/errors.ts';
import type { Keyring } from '../../platform/master-key.ts';
import type { RequestContext } from '../../platform/request-context.ts';
import type { SharedState } from '../../platform/shared-state/shared-state.ts';
import { type AuditLog, auditTrail } from '../audit/index.ts';
import {
  UPSTREAMS_CHANGED_CHANNEL,
  type UpstreamDirectory,
  type UpstreamSettings,
} from '../gateway/index.ts';
import { upstreamsAuditActions } from './audit-actions.ts';
import type { upstreamView } from './contracts.ts';
import type { UpstreamsTables } from './tables.ts';
import { certificateSummary, checkSettings, type UpstreamPatch } from './upstream-settings.ts';
import { type UpstreamRow, UpstreamsStore } from './upstreams-store.ts';

export type UpstreamView = z.infer<typeof upstreamView>;

export type UpstreamsDeps = {
  db: Kysely<UpstreamsTables>;
  clock: Clock;
  keyring: Keyring;
  audit: AuditLog;
  /** Change messages to every gateway process (UPSTREAMS_CHANGED_CHANNEL). */
  sharedState: Pick<SharedState, 'publish'>;
  /** Is there a catalogue product of this slug? (the catalog module) */
  productExists(slug: string): Promise<boolean>;
};

const KEY_PURPOSE = 'upstream-tls-key';

/**
 * The production upstreams, one per product: what operators see and change (audited, every change
 * announced to the gateways), and the gateway's UpstreamDirectory (settings with the mutual-TLS
 * key unsealed, in memory only).
 */
export class UpstreamsService implements UpstreamDirectory {
  readonly #store: UpstreamsStore;
  readonly #d: UpstreamsDeps;
  readonly #audit: ReturnType<typeof auditTrail<typeof upstreamsAuditActions>>;

  constructor(d: UpstreamsDeps) {
    this.#d = d;
    this.#store = new UpstreamsStore(d.db);
    this.#audit = auditTrail(d.audit, upstreamsAuditActions);
  }

  async list(): Promise<UpstreamView[]> {
    return (await this.#store.list()).map(viewOf);
  }

  async update(productSlug: string, patch: UpstreamPatch, ctx: RequestContext): Promise<UpstreamView> {
    if (!(await this.#d.productExists(productSlug)))
      throw new AppError('not_found', { message: `No product "${productSlug}" in the catalogue.` });
    const row = await this.#store.find(productSlug);
    const current = row ? viewOf(row) : null;
    const next = checkSettings(patch, current);
    const tls =
      next.tls === undefined
        ? { cert: row?.tls_cert_pem ?? null, key: row?.tls_key_sealed ?? null, ca: row?.tls_ca_pem ?? null }
        : next.tls === null
          ? { cert: null, key: null, ca: null }
          : {
              cert: next.tls.certPem,
              key: this.#d.keyring.encrypt(next.tls.keyPem, KEY_PURPOSE),
              ca: next.tls.caPem,
            };
    const saved: UpstreamRow = {
      product_slug: productSlug,
      base_url: next.baseUrl,
      connect_timeout_ms: next.connectTimeoutMs,
      response_timeout_ms: next.responseTimeoutMs,
      max_response_bytes: next.maxResponseBytes,
      header_allow_list: JSON.stringify(next.headerAllowList),
      tls_cert_pem: tls.cert,
      tls_key_sealed: tls.key,
      tls_ca_pem: tls.ca,
      enabled: next.enabled ? 1 : 0,
      version: (row?.version ?? 0) + 1,
      updated_by: ctx.actor.id,
      updated_at: this.#d.clock.now().toISOString(),
    };
    await this.#store.save(saved);
    const view = viewOf(saved);
    await this.#audit(
      ctx,
      'upstream.update',
      { type: 'product', id: productSlug },
      // The key is never in the trail: the view says only that one is stored.
      { details: { before: current, after: view } },
    );
    // Gateways also re-read every 30 s: a lost message delays a change, never loses it.
    await this.#d.sharedState.publish(UPSTREAMS_CHANGED_CHANNEL, productSlug).catch(() => {});
    return view;
  }

  /** UpstreamDirectory: every upstream with its key unsealed, for the gateways' pools. */
  async listUpstreamSettings(): Promise<UpstreamSettings[]> {
    return (await this.#store.list()).map((r) => ({
      ...settingsOf(r),
      tls:
        r.tls_cert_pem && r.tls_key_sealed
          ? {
              certPem: r.tls_cert_pem,
              keyPem: this.#d.keyring.decrypt(r.tls_key_sealed, KEY_PURPOSE),
              caPem: r.tls_ca_pem,
            }
          : null,
      enabled: Boolean(r.enabled),
      version: String(r.version),
    }));
  }
}

/** The values operators and gateways both see. */
function settingsOf(r: UpstreamRow) {
  return {
    productSlug: r.product_slug,
    baseUrl: r.base_url,
    connectTimeoutMs: r.connect_timeout_ms,
    responseTimeoutMs: r.response_timeout_ms,
    maxResponseBytes: r.max_response_bytes,
    headerAllowList: JSON.parse(r.header_allow_list) as string[],
  };
}

function viewOf(r: UpstreamRow): UpstreamView {
  return {
    ...settingsOf(r),
    tls: r.tls_cert_pem
      ? { ...certificateSummary(r.tls_cert_pem), privateKeyStored: true, caConfigured: r.tls_ca_pem !== null }
      : null,
    enabled: Boolean(r.enabled),
    version: r.version,
    updatedAt: r.updated_at,
    updatedBy: r.updated_by,
  };
}

import { createPrivateKey, X509Certificate } from 'node:crypto';
import type { z } from 'zod';
import { AppError } from '../../platform/errors.ts';
import { NEVER_FORWARDED } from '../gateway/index.ts';
import type { upstreamPatch } from './contracts.ts';

/**
 * What an upstream setting accepts, and its default: the one place the bounds are written (the
 * console page shows them from the 422's message). A value out of bounds is a 422
 * `upstream_setting_invalid` whose `details.field` names it.
 */
const UPSTREAM_BOUNDS = {
  connectTimeoutMs: { min: 50, max: 30_000, default: 2000 },
  responseTimeoutMs: { min: 100, max: 120_000, default: 10_000 },
  maxResponseBytes: { min: 256, max: 16 * 1024 * 1024, default: 1024 * 1024 },
} as const;

/** The caller's headers passed on when an operator names none. */
const DEFAULT_HEADER_ALLOW_LIST = ['content-type', 'accept', 'idempotency-key'];

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,100}$/;

export type UpstreamPatch = z.output<typeof upstreamPatch>;

/** The checked values of an upstream after a patch (`current` is what is stored, if anything). */
export type CheckedSettings = {
  baseUrl: string;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  maxResponseBytes: number;
  headerAllowList: string[];
  /** undefined: unchanged; null: removed; else the new certificate, key and CA. */
  tls: { certPem: string; keyPem: string; caPem: string | null } | null | undefined;
  enabled: boolean;
};

function invalid(field: string, message: string): AppError {
  return new AppError('upstream_setting_invalid', {
    message: `${field}: ${message}`,
    details: { field, message },
  });
}

function checkBaseUrl(value: string | undefined): string {
  if (value === undefined) throw invalid('baseUrl', 'required for a product without an upstream');
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw invalid('baseUrl', 'must be an absolute http:// or https:// URL');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw invalid('baseUrl', 'must be an absolute http:// or https:// URL');
  if (u.username || u.password) throw invalid('baseUrl', 'must not carry a user name or password');
  if (u.search || u.hash) throw invalid('baseUrl', 'must not carry a query or fragment');
  return u.toString().replace(/\/$/, '');
}

function checkInt(
  field: keyof typeof UPSTREAM_BOUNDS,
  value: number | undefined,
  current: number | undefined,
) {
  const b = UPSTREAM_BOUNDS[field];
  const v = value ?? current ?? b.default;
  if (!Number.isInteger(v) || v < b.min || v > b.max)
    throw invalid(field, `must be a whole number from ${b.min} to ${b.max}`);
  return v;
}

function checkHeaders(list: string[]): string[] {
  const out: string[] = [];
  for (const raw of list) {
    const h = raw.trim().toLowerCase();
    if (!HEADER_NAME.test(h)) throw invalid('headerAllowList', `"${raw}" is not a header name`);
    if (NEVER_FORWARDED.has(h))
      throw invalid('headerAllowList', `"${h}" is never passed on (credentials and connection headers)`);
    if (!out.includes(h)) out.push(h);
  }
  return out;
}

function checkTls(t: NonNullable<UpstreamPatch['tls']>) {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(t.certificatePem);
  } catch {
    throw invalid('tls.certificatePem', 'must be a PEM X.509 certificate');
  }
  let key: ReturnType<typeof createPrivateKey>;
  try {
    key = createPrivateKey(t.privateKeyPem);
  } catch {
    throw invalid('tls.privateKeyPem', 'must be an unencrypted PEM private key');
  }
  if (!cert.checkPrivateKey(key)) throw invalid('tls.privateKeyPem', 'does not belong to the certificate');
  if (t.caPem) {
    try {
      new X509Certificate(t.caPem);
    } catch {
      throw invalid('tls.caPem', 'must be a PEM X.509 certificate');
    }
  }
  return { certPem: t.certificatePem, keyPem: t.privateKeyPem, caPem: t.caPem ?? null };
}

/** The patch applied to what is stored, every value checked. */
export function checkSettings(
  patch: UpstreamPatch,
  current: {
    baseUrl: string;
    connectTimeoutMs: number;
    responseTimeoutMs: number;
    maxResponseBytes: number;
    headerAllowList: string[];
    enabled: boolean;
  } | null,
): CheckedSettings {
  const connectTimeoutMs = checkInt('connectTimeoutMs', patch.connectTimeoutMs, current?.connectTimeoutMs);
  const responseTimeoutMs = checkInt(
    'responseTimeoutMs',
    patch.responseTimeoutMs,
    current?.responseTimeoutMs,
  );
  return {
    baseUrl: checkBaseUrl(patch.baseUrl ?? current?.baseUrl),
    connectTimeoutMs,
    responseTimeoutMs,
    maxResponseBytes: checkInt('maxResponseBytes', patch.maxResponseBytes, current?.maxResponseBytes),
    headerAllowList: checkHeaders(
      patch.headerAllowList ?? current?.headerAllowList ?? DEFAULT_HEADER_ALLOW_LIST,
    ),
    tls: patch.tls === undefined ? undefined : patch.tls === null ? null : checkTls(patch.tls),
    enabled: patch.enabled ?? current?.enabled ?? true,
  };
}

/** What operators see of a stored certificate. */
export function certificateSummary(certPem: string) {
  const c = new X509Certificate(certPem);
  return {
    certificateSubject: c.subject.replace(/\n/g, ', '),
    certificateNotAfter: new Date(c.validTo).toISOString(),
    certificateFingerprintSha256: c.fingerprint256,
  };
}

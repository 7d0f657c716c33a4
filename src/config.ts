import { isIP } from 'node:net';
import { z } from 'zod';

/**
 * One schema over the environment. Every setting the program reads is here; a bad value stops
 * the program with one line that names the setting and what it accepts (see `loadConfig`).
 */
const portSchema = z.coerce
  .number({ error: 'must be a whole number from 1 to 65535' })
  .int('must be a whole number from 1 to 65535')
  .min(1, 'must be a whole number from 1 to 65535')
  .max(65535, 'must be a whole number from 1 to 65535');

const urlWithScheme = (schemes: string[], example: string) =>
  z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v))
    .refine(
      (v) => {
        if (v === undefined) return true;
        try {
          const u = new URL(v);
          return schemes.includes(u.protocol.replace(/:$/, '')) && u.hostname !== '';
        } catch {
          return false;
        }
      },
      { message: `must be a URL like ${example}` },
    );

export const roles = ['all', 'portal', 'gateway', 'worker'] as const;
export type Role = (typeof roles)[number];

/**
 * What each role serves over HTTP; every role also answers /healthz, /readyz and /metrics
 * (docs/operations.md, "Roles"). `portal`: the portal API under /api/ (its OpenAPI document and the
 * development mailbox included) and the web app. `gateway`: the gateway's operations and the OAuth2
 * endpoints under /{provider}/{catalog}/. A role serves nothing else, so a gateway exposed to the
 * internet carries no portal surface, and a worker none at all.
 */
export const roleSurfaces: Record<Role, { portal: boolean; gateway: boolean }> = {
  all: { portal: true, gateway: true },
  portal: { portal: true, gateway: false },
  gateway: { portal: false, gateway: true },
  worker: { portal: false, gateway: false },
};

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: portSchema.default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  PUBLIC_URL: urlWithScheme(['http', 'https'], 'https://portal.example.com'),
  /**
   * Where apps (and the portal's try-it console) reach the gateway, when it is not PUBLIC_URL: a
   * gateway role behind its own address. Base URLs shown to developers are built on it.
   */
  GATEWAY_PUBLIC_URL: urlWithScheme(['http', 'https'], 'https://api.example.com'),
  DATA_DIR: z.string().min(1).default('./data'),
  DATABASE_URL: urlWithScheme(['postgres', 'postgresql'], 'postgres://user:pass@localhost:5432/darwaza'),
  REDIS_URL: urlWithScheme(['redis', 'rediss'], 'redis://localhost:6379'),
  SMTP_URL: urlWithScheme(['smtp', 'smtps'], 'smtp://user:pass@mail.example.com:587'),
  MAIL_FROM: z.string().default('Darwaza <no-reply@darwaza.local>'),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  ROLE: z.enum(roles, { error: `must be one of ${roles.join(', ')}` }).default('all'),
  /** Provider name in gateway paths: /{provider}/{catalog}/… (API Connect style). */
  GATEWAY_PROVIDER: z
    .string()
    .regex(/^[a-z0-9][a-z0-9-]{1,40}$/, 'must be lower-case letters, digits and dashes (2-41 chars)')
    .default('darwaza'),
  /**
   * Master key (base64, 32 bytes) for encrypting TOTP seeds and peppering secret hashes. Kept outside
   * the database: when unset it is read from (or created in) DATA_DIR/master.key.
   */
  MASTER_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, {
      message: 'must be 32 bytes encoded as base64 (openssl rand -base64 32)',
    }),
  /**
   * The audit checkpoints' Ed25519 signing key (base64, a 32-byte seed: openssl rand -base64 32).
   * Unset: derived from the master key (docs/audit.md "Keys").
   */
  AUDIT_SIGNING_KEY: z
    .string()
    .optional()
    .refine((v) => v === undefined || Buffer.from(v, 'base64').length === 32, {
      message: 'must be 32 bytes encoded as base64 (openssl rand -base64 32)',
    }),
  /** Earlier checkpoint public keys (base64, 32 bytes each, comma-separated) trusted after a rotation. */
  AUDIT_TRUSTED_KEYS: z
    .string()
    .optional()
    .refine(
      (v) => v === undefined || v.split(',').every((k) => Buffer.from(k.trim(), 'base64').length === 32),
      {
        message: 'must be a comma-separated list of 32-byte public keys encoded as base64',
      },
    ),
  /** Months the audit trail keeps events (pruned only at signed checkpoints; at least 12). */
  AUDIT_RETENTION_MONTHS: z.coerce.number().int().min(12).max(1200).default(12),
  /** Minutes between the worker's full verifications of the audit chain. */
  AUDIT_VERIFY_INTERVAL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  SEED_DEMO: z.enum(['true', 'false', '1', '0']).optional(),
  /** Milliseconds the sandbox holds a call in its lost-answer (time-out) scenarios (bounded: a flood of them cannot hold connections long). */
  SANDBOX_TIMEOUT_MS: z.coerce.number().int().min(0).max(3000).optional(),
  /**
   * Port of the simulated production upstream (`darwaza upstream`) that `serve` starts beside itself
   * in development (role all) and the demo seed points the products' upstreams at; 0: not started.
   */
  UPSTREAM_SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(3100),
  USAGE_FLUSH_MS: z.coerce.number().int().min(10).max(250).default(100),
  /** Days the request log keeps masked request/response bodies (usage rows are kept). */
  REQUEST_LOG_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** Days raw usage rows are kept (0: kept for ever); rollups keep the history (issue 31). */
  USAGE_RETENTION_DAYS: z.coerce.number().min(0).max(3650).default(0),
  /** Days minute rollups are kept (older minutes of a range are read from raw rows). */
  ROLLUP_MINUTE_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(8),
  /** Days hour rollups and sketches are kept; day rollups are kept for ever. */
  ROLLUP_HOUR_RETENTION_DAYS: z.coerce.number().min(1).max(3650).default(400),
  /** Successful calls per app and second whose bodies the request log keeps (errors: always). */
  REQUEST_LOG_BODIES_PER_APP_PER_SECOND: z.coerce.number().int().min(0).max(10_000).default(10),
  /**
   * Largest lease of rate-limit units a gateway takes from Redis at once while a budget is far from
   * exhausted (src/modules/gateway/limit-lease.ts); 0 or 1 checks every call in Redis.
   */
  RATE_LIMIT_LEASE_MAX: z.coerce.number().int().min(0).max(4096).default(512),
  /**
   * How the gateway reads its calls: `lean` (connections that carry only plain HTTP/1.1 gateway
   * calls skip Node's request/response objects; ADR 0005) or `node` (Node's HTTP server for all).
   */
  GATEWAY_HTTP: z.enum(['lean', 'node'], { error: 'must be one of lean, node' }).default('lean'),
  /** Where usage records are written: a worker thread (default) or the serving event loop. */
  USAGE_WRITER: z.enum(['worker', 'inline'], { error: 'must be one of worker, inline' }).default('worker'),
  DB_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  /** Portal API requests per minute per client IP (RateLimit headers describe it). */
  PORTAL_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  /**
   * The proxies whose X-Forwarded-For is believed: addresses, CIDR ranges or the names loopback,
   * linklocal, uniquelocal, comma-separated. Unset: nobody's, so a client's address is the socket's peer.
   */
  TRUST_PROXY: z
    .string()
    .optional()
    .refine((v) => v === undefined || v.split(',').every((x) => isProxySpec(x.trim())), {
      message:
        'must be a comma-separated list of proxy addresses or CIDR ranges (e.g. 10.0.0.2,10.1.0.0/16), or loopback, linklocal, uniquelocal',
    }),
  /**
   * Serves the development mailbox (every mail sent, reset links included: an account-takeover
   * path) on a non-loopback HOST and to any Host header. Never in production.
   */
  DEV_MAILBOX_UNSAFE_PUBLIC: z
    .enum(['true', 'false', '1', '0'], { error: 'must be true or false' })
    .optional(),
});

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  port: number;
  host: string;
  publicUrl: string;
  /** GATEWAY_PUBLIC_URL, or PUBLIC_URL when unset (no trailing slash). */
  gatewayPublicUrl: string;
  dataDir: string;
  /** SANDBOX_TIMEOUT_MS: the sandbox's lost-answer delay (unset: 2 s, 100 ms under NODE_ENV=test). */
  sandboxTimeoutMs: number | undefined;
  /** UPSTREAM_SIM_PORT: the development upstream simulator's port (0: none). */
  upstreamSimPort: number;
  databaseUrl: string | undefined;
  redisUrl: string | undefined;
  smtpUrl: string | undefined;
  mailFrom: string;
  logLevel: string;
  role: Role;
  gatewayProvider: string;
  masterKey: string | undefined;
  /** The audit chain's settings (AUDIT_SIGNING_KEY, AUDIT_TRUSTED_KEYS, AUDIT_RETENTION_MONTHS, …). */
  audit: {
    signingKey?: string;
    trustedKeys?: string;
    retentionMonths: number;
    verifyIntervalMinutes: number;
  };
  seedDemo: boolean | undefined;
  usageFlushMs: number;
  usageWriter: 'worker' | 'inline';
  gatewayHttp: 'lean' | 'node';
  rateLimitLeaseMax: number;
  requestLogRetentionDays: number;
  usageRetention: { rawDays: number; minuteDays: number; hourDays: number };
  requestLogBodiesPerAppPerSecond: number;
  dbPoolSize: number;
  portalRateLimit: number;
  /** TRUST_PROXY as a list; empty: X-Forwarded-For is never believed. */
  trustProxy: string[];
  /** DEV_MAILBOX_UNSAFE_PUBLIC (see src/modules/notifications/dev-mailbox.ts). */
  devMailboxUnsafePublic: boolean;
};

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError whose message is one readable line. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const picked: Record<string, string | undefined> = {};
  for (const key of Object.keys(envSchema.shape)) {
    const v = env[key];
    if (v !== undefined && v !== '') picked[key] = v;
  }
  const parsed = envSchema.safeParse(picked);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const key = String(issue.path[0] ?? 'environment');
    const got = picked[key];
    const shown =
      key.endsWith('_URL') || key === 'MASTER_KEY' || key === 'AUDIT_SIGNING_KEY'
        ? ''
        : ` (got "${String(got)}")`;
    throw new ConfigError(`invalid setting ${key}: ${issue.message}${shown}`);
  }
  const e = parsed.data;
  const publicUrl = (
    e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`
  ).replace(/\/$/, '');
  const devMailboxUnsafePublic =
    e.DEV_MAILBOX_UNSAFE_PUBLIC === 'true' || e.DEV_MAILBOX_UNSAFE_PUBLIC === '1';
  if (devMailboxUnsafePublic && e.NODE_ENV === 'production') {
    throw new ConfigError(
      'invalid setting DEV_MAILBOX_UNSAFE_PUBLIC: the development mailbox cannot be served in production (unset it)',
    );
  }
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl,
    gatewayPublicUrl: (e.GATEWAY_PUBLIC_URL ?? publicUrl).replace(/\/$/, ''),
    dataDir: e.DATA_DIR,
    sandboxTimeoutMs: e.SANDBOX_TIMEOUT_MS,
    upstreamSimPort: e.UPSTREAM_SIM_PORT,
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    smtpUrl: e.SMTP_URL,
    mailFrom: e.MAIL_FROM,
    logLevel: e.LOG_LEVEL,
    role: e.ROLE,
    gatewayProvider: e.GATEWAY_PROVIDER,
    masterKey: e.MASTER_KEY,
    audit: {
      signingKey: e.AUDIT_SIGNING_KEY,
      trustedKeys: e.AUDIT_TRUSTED_KEYS,
      retentionMonths: e.AUDIT_RETENTION_MONTHS,
      verifyIntervalMinutes: e.AUDIT_VERIFY_INTERVAL_MINUTES,
    },
    seedDemo: e.SEED_DEMO === undefined ? undefined : e.SEED_DEMO === 'true' || e.SEED_DEMO === '1',
    usageFlushMs: e.USAGE_FLUSH_MS,
    usageWriter: e.USAGE_WRITER,
    gatewayHttp: e.GATEWAY_HTTP,
    rateLimitLeaseMax: e.RATE_LIMIT_LEASE_MAX,
    requestLogRetentionDays: e.REQUEST_LOG_RETENTION_DAYS,
    usageRetention: {
      rawDays: e.USAGE_RETENTION_DAYS,
      minuteDays: e.ROLLUP_MINUTE_RETENTION_DAYS,
      hourDays: e.ROLLUP_HOUR_RETENTION_DAYS,
    },
    requestLogBodiesPerAppPerSecond: e.REQUEST_LOG_BODIES_PER_APP_PER_SECOND,
    dbPoolSize: e.DB_POOL_SIZE,
    portalRateLimit: e.PORTAL_RATE_LIMIT,
    trustProxy: e.TRUST_PROXY === undefined ? [] : e.TRUST_PROXY.split(',').map((x) => x.trim()),
    devMailboxUnsafePublic,
  };
}

/** One TRUST_PROXY entry: an address, an address/prefix, or a name proxy-addr (Fastify) knows. */
function isProxySpec(x: string): boolean {
  if (x === 'loopback' || x === 'linklocal' || x === 'uniquelocal') return true;
  const [addr, prefix, extra] = x.split('/');
  const family = isIP(addr);
  if (family === 0 || extra !== undefined) return false;
  if (prefix === undefined) return true;
  if (!/^\d{1,3}$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

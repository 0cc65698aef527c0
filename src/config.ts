import { z } from 'zod';
import path from 'node:path';

/** The only reader of process.env: validated once, frozen. */
const schema = z.object({
  DATABASE_URL: z.string().url().optional(),
  PARCOURS_DATA_DIR: z.string().default('./.parcours'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.string().url().optional(),
  PARCOURS_SECRET: z.string().min(32).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SMTP_URL: z.string().optional(),
  SMS_URL: z.string().url().optional(),
  SMS_ACCOUNT_SID: z.string().optional(),
  SMS_AUTH_TOKEN: z.string().optional(),
  SMS_FROM: z.string().optional(),
  // secrets of Twilio SharedKeys signing its webhooks (comma-separated during a rotation)
  SMS_WEBHOOK_SECRET: z.string().optional(),
  PARCOURS_WORKER_BATCH: z.coerce.number().int().min(1).max(10000).default(500),
  PARCOURS_SHUTDOWN_S: z.coerce.number().int().min(1).max(3600).default(10),
  PARCOURS_TRUST_PROXY: z.string().max(1000).optional(),
  PARCOURS_API_RATE_LIMIT: z.coerce.number().int().min(1).max(1_000_000).default(600),
  PARCOURS_METRICS_TOKEN: z.string().min(16).optional(),
  PARCOURS_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  PARCOURS_JOURNEY_BATCH: z.coerce.number().int().min(1).max(10000).default(2000),
  // the embedded database's buffer cache, in this process's memory
  PARCOURS_PGLITE_SHARED_BUFFERS: z.string().regex(/^[1-9][0-9]*(kB|MB|GB)$/, 'a size such as 32MB').default('32MB'),
  // statements of the embedded database slower than this are logged (like log_min_duration_statement)
  PARCOURS_PGLITE_SLOW_MS: z.coerce.number().int().min(0).optional(),
  // outbound webhooks may reach loopback and private addresses (tests, a trusted LAN)
  PARCOURS_WEBHOOKS_ALLOW_PRIVATE: z.enum(['true', 'false', '1', '0']).default('false'),
  // every JSON answer is checked against its OpenAPI schema (development and the test suite)
  PARCOURS_CHECK_RESPONSES: z.enum(['true', 'false', '1', '0']).default('false'),
});

export interface Config {
  databaseUrl?: string;
  dataDir: string;
  port: number;
  host: string;
  publicUrl: string;
  secret?: string;
  logLevel: string;
  smtpUrl?: string;
  sms?: { url: string; accountSid?: string; authToken?: string; from?: string; webhookSecrets?: string[] };
  workerBatch: number;
  /** Seconds a stop (SIGTERM, SIGINT) may take before the process exits anyway. */
  shutdownS: number;
  /** Whose X-Forwarded-For to believe: proxy addresses or CIDRs, or a hop count; none by default. */
  trustProxy: string | number | false;
  /** Authenticated API requests a minute per API key or user. */
  apiRateLimit: number;
  /** /metrics needs this bearer token when set (else: loopback and private networks only). */
  metricsToken?: string;
  /** `parcours worker` serves /metrics, /livez and /readyz on this port when set. */
  metricsPort?: number;
  /** Enrollments a journey engine lane advances per transaction. */
  journeyBatch: number;
  /** PGlite's shared_buffers (PostgreSQL syntax, e.g. 32MB). */
  pgliteSharedBuffers: string;
  /** Embedded statements slower than this (ms) are logged; none when unset. */
  pgliteSlowMs?: number;
  webhooksAllowPrivate: boolean;
  /** Answers that do not match their declared schema fail (500) instead of going out. */
  checkResponses: boolean;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  return Object.freeze({
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.PARCOURS_DATA_DIR),
    port: e.PORT,
    host: e.HOST,
    publicUrl: (e.PUBLIC_URL ?? `http://${e.HOST === '0.0.0.0' ? 'localhost' : e.HOST}:${e.PORT}`).replace(/\/$/, ''),
    secret: e.PARCOURS_SECRET,
    logLevel: e.LOG_LEVEL,
    smtpUrl: e.SMTP_URL,
    sms: e.SMS_URL
      ? {
          url: e.SMS_URL, accountSid: e.SMS_ACCOUNT_SID, authToken: e.SMS_AUTH_TOKEN, from: e.SMS_FROM,
          webhookSecrets: e.SMS_WEBHOOK_SECRET?.split(',').map((x) => x.trim()).filter(Boolean),
        }
      : undefined,
    workerBatch: e.PARCOURS_WORKER_BATCH,
    shutdownS: e.PARCOURS_SHUTDOWN_S,
    trustProxy: !e.PARCOURS_TRUST_PROXY?.trim() ? false : /^\d+$/.test(e.PARCOURS_TRUST_PROXY.trim()) ? Number(e.PARCOURS_TRUST_PROXY.trim()) : e.PARCOURS_TRUST_PROXY.trim(),
    apiRateLimit: e.PARCOURS_API_RATE_LIMIT,
    metricsToken: e.PARCOURS_METRICS_TOKEN,
    metricsPort: e.PARCOURS_METRICS_PORT,
    journeyBatch: e.PARCOURS_JOURNEY_BATCH,
    pgliteSharedBuffers: e.PARCOURS_PGLITE_SHARED_BUFFERS,
    pgliteSlowMs: e.PARCOURS_PGLITE_SLOW_MS,
    webhooksAllowPrivate: e.PARCOURS_WEBHOOKS_ALLOW_PRIVATE === 'true' || e.PARCOURS_WEBHOOKS_ALLOW_PRIVATE === '1',
    checkResponses: e.PARCOURS_CHECK_RESPONSES === 'true' || e.PARCOURS_CHECK_RESPONSES === '1',
  });
}

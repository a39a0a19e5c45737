// Every environment variable Herald reads, with its type, bounds and default: one zod schema
// (`.env.example` documents each; test/unit/env-example.test.ts checks that the two agree).
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_EXTENSIONS, DEFAULT_KEY_PARAMS } from './webhook/change-url-policy';

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no', ''])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const port = z.coerce.number().int().min(0).max(65535);
const optional = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));
/** A comma-separated list; each item trimmed, empty items dropped, checked by `item`. */
const list = (item: z.ZodType<string, string>, fallback: string[]) =>
  z
    .string()
    .optional()
    .transform((v) => (v === undefined || v.trim() === '' ? fallback : v.split(',').map((s) => s.trim())))
    .pipe(z.array(item).min(1));

export const envSchema = z.object({
  TEMPORAL_ADDRESS: optional,
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_API_KEY: optional,
  TEMPORAL_TLS_CERT: optional,
  TEMPORAL_TLS_KEY: optional,
  TEMPORAL_TLS_CA: optional,
  HERALD_TASK_QUEUE: z.string().min(1).default('herald'),
  HERALD_PORT: port.default(3000),
  HERALD_HOST: z.string().min(1).default('127.0.0.1'),
  HERALD_ADMIN_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  HERALD_PUBLISH_KEY: z.string().min(16, 'must be at least 16 characters').optional(),
  HERALD_API_BASE_URL: z
    .url({ protocol: /^https?$/ })
    .default('https://api.example.com')
    .transform((u) => u.replace(/\/+$/, '')),
  HERALD_CHANGE_URL_POLICY: z.enum(['reject', 'strip']).default('reject'),
  HERALD_CHANGE_URL_KEY_PARAMS: list(
    z.string().regex(/^[\w.~-]+$/, 'must be parameter names'),
    DEFAULT_KEY_PARAMS,
  ),
  HERALD_CHANGE_URL_EXTENSIONS: list(
    z
      .string()
      .transform((s) => s.replace(/^\./, '').toLowerCase())
      .pipe(z.string().regex(/^[a-z0-9]+$/, 'must be extensions such as json or .xml')),
    DEFAULT_EXTENSIONS,
  ),
  HERALD_HEADER_PREFIX: z
    .string()
    .regex(/^[a-z0-9-]+$/i, 'must be a valid header-name prefix')
    .default('x-webhook-'),
  HERALD_ALLOW_INSECURE_URLS: bool.optional(),
  HERALD_ENCRYPTION_KEY: optional,
  HERALD_EVENT_CATALOG: z
    .string()
    .min(1)
    .default(resolve(__dirname, '..', 'config', 'events.json')),
  HERALD_DATA_DIR: z.string().min(1).default('.data'),
  HERALD_UI_PORT: port.default(8233),
  HERALD_TEMPORAL_UI_URL: z
    .url({ protocol: /^https?$/ })
    .optional()
    .transform((u) => u?.replace(/\/+$/, '')),
  HERALD_TEMPORAL_PORT: port.default(7233),
  HERALD_METRICS_PORT: port.optional(),
  HERALD_METRICS_SUBSCRIPTION_LABEL: bool.default(true),
  HERALD_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(500),
  HERALD_MAX_CACHED_QUEUED: z.coerce.number().int().min(0).default(20),
  HERALD_SDK_METRICS_ADDRESS: z
    .string()
    .regex(/^[^\s:]+:\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:9465')
    .optional(),
  HERALD_BODY_LIMIT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(4 * 1024 * 1024),
  HERALD_ROUTING_REFRESH_MS: z.coerce.number().int().min(100).default(2000),
  HERALD_GROUP_COMMIT_INTERVAL_MS: z.coerce.number().int().min(0).max(1000).default(50),
  HERALD_SUBSCRIPTION_MAX_BYTES_PER_SEC: z.coerce
    .number()
    .int()
    .min(64 * 1024)
    .default(1024 * 1024),
  HERALD_SUBSCRIPTION_MAX_QUEUE_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  HERALD_SUBSCRIPTION_MAX_LAG_MS: z.coerce.number().int().min(500).max(60_000).default(2_000),
  HERALD_INGEST: z.enum(['inbox', 'direct']).default('direct'),
  HERALD_INBOX_SHARDS: z.coerce.number().int().min(1).max(64).default(1),
  HERALD_INBOX_INTERVAL_MS: z.coerce.number().int().min(0).max(1000).default(0),
  HERALD_INBOX_HANDOFF_MS: z.coerce.number().int().min(0).max(1000).default(20),
  HERALD_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).optional(),
  HERALD_LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Env = z.infer<typeof envSchema>;

// The environment, parsed once at start by one zod schema. A bad variable fails start-up with
// its name; in embedded mode the keys that are missing are generated once under .data/.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { apiBaseUrlProblems, describeProblems, type ChangeUrlPolicy } from './webhook/change-url-policy';
import { envSchema, type Env } from './config-schema';

export { envSchema, type Env } from './config-schema';

export interface HeraldConfig {
  embedded: boolean;
  temporal: {
    address: string | undefined;
    namespace: string;
    apiKey?: string;
    tls?: { cert: string; key: string; ca?: string };
  };
  taskQueue: string;
  http: { host: string; port: number; bodyLimit: number };
  adminKey: string;
  publishKey: string;
  apiBaseUrl: string;
  /** What a change's `url` may carry, and whether a bad one is refused or cleaned (issue 16). */
  changeUrls: ChangeUrlPolicy;
  headerPrefix: string;
  allowInsecureUrls: boolean;
  encryptionKeys: string;
  eventCatalogPath: string;
  dataDir: string;
  uiPort: number;
  /** Base URL of the Temporal Web UI, for the console's workflow links; unset = no links. */
  temporalUiUrl?: string;
  temporalPort: number;
  /** `npm run worker` only: port of its /metrics listener (the API serves /metrics otherwise). */
  metricsPort?: number;
  /** Delivery metrics per subscription (a `subscription` label, the backlog gauge); off: `*`. */
  metricsPerSubscription: boolean;
  /** Worker's workflow cache size (workflows kept in memory between their tasks). */
  maxCachedWorkflows: number;
  /** The same for the queued-deliveries task queue (sealed batches waiting for their turn). */
  maxCachedQueued: number;
  /** host:port of the Temporal SDK's Prometheus exporter (worker metrics); unset = off. */
  sdkMetricsAddress?: string;
  routingRefreshMs: number;
  /** Least time between two changes signals to one subscription from one API process (ms). */
  groupCommitIntervalMs?: number;
  /** Backpressure per subscription and API process: bytes/s signalled, and the longest wait. */
  subscriptionMaxBytesPerSec?: number;
  subscriptionMaxQueueMs?: number;
  /** Longest a subscription's workflow task may wait before its changes are refused (ms). */
  subscriptionMaxLagMs?: number;
  /**
   * How the API records accepted changes: `direct`, one signal per subscription per round; or
   * `inbox`, one signal per inbox shard per round, handed on to the subscriptions by the inbox
   * workflows (issue 27). Optional so hand-built configs keep the direct path.
   */
  ingest?: { mode: Env['HERALD_INGEST']; shards: number; intervalMs: number; handoffMs?: number };
  logLevel: Env['HERALD_LOG_LEVEL'];
  /**
   * Days Temporal keeps a closed workflow's history (issue 29): set on the namespace by `setup`
   * and by the embedded server; unset = 7 days for a namespace Herald creates, an existing one unchanged.
   */
  retentionDays?: number;
  /** Which values were generated and where they are kept, for the start-up banner. */
  generatedKeysFile?: string;
}

export class ConfigError extends Error {}

/** Parses the environment; throws ConfigError naming every bad variable. */
export function parseEnv(env: NodeJS.ProcessEnv): Env {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  return parsed.data;
}

interface StoredKeys {
  adminKey: string;
  publishKey: string;
  encryptionKey: string;
}

const newKey = (prefix: string) => `${prefix}_${randomBytes(24).toString('base64url')}`;

function loadOrCreateKeys(file: string): StoredKeys {
  const stored: Partial<StoredKeys> = existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : {};
  const keys: StoredKeys = {
    adminKey: stored.adminKey ?? newKey('hk_admin'),
    publishKey: stored.publishKey ?? newKey('hk_pub'),
    encryptionKey: stored.encryptionKey ?? `k1:${randomBytes(32).toString('base64')}`,
  };
  if (JSON.stringify(keys) !== JSON.stringify(stored)) {
    writeFileSync(file, JSON.stringify(keys, null, 2) + '\n', { mode: 0o600 });
  }
  return keys;
}

/** Resolves the full configuration; in embedded mode generates and keeps missing keys. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): HeraldConfig {
  const e = parseEnv(env);
  const embedded = !e.TEMPORAL_ADDRESS;
  const dataDir = resolve(e.HERALD_DATA_DIR);
  let keys: Partial<StoredKeys> = {
    adminKey: e.HERALD_ADMIN_KEY,
    publishKey: e.HERALD_PUBLISH_KEY,
    encryptionKey: e.HERALD_ENCRYPTION_KEY,
  };
  let generatedKeysFile: string | undefined;
  if (embedded && (!keys.adminKey || !keys.publishKey || !keys.encryptionKey)) {
    mkdirSync(dataDir, { recursive: true });
    generatedKeysFile = join(dataDir, 'keys.json');
    const stored = loadOrCreateKeys(generatedKeysFile);
    keys = {
      adminKey: keys.adminKey ?? stored.adminKey,
      publishKey: keys.publishKey ?? stored.publishKey,
      encryptionKey: keys.encryptionKey ?? stored.encryptionKey,
    };
  }
  const missing = Object.entries({
    HERALD_ADMIN_KEY: keys.adminKey,
    HERALD_PUBLISH_KEY: keys.publishKey,
    HERALD_ENCRYPTION_KEY: keys.encryptionKey,
  })
    .filter(([, value]) => !value)
    .map(([name]) => name);
  if (missing.length) {
    throw new ConfigError(
      `Invalid configuration:\n  ${missing.map((m) => `${m}: required when TEMPORAL_ADDRESS is set`).join('\n  ')}`,
    );
  }
  const changeUrls: ChangeUrlPolicy = {
    mode: e.HERALD_CHANGE_URL_POLICY,
    keyParams: e.HERALD_CHANGE_URL_KEY_PARAMS,
    extensions: e.HERALD_CHANGE_URL_EXTENSIONS,
  };
  const baseProblems = apiBaseUrlProblems(e.HERALD_API_BASE_URL, changeUrls);
  if (baseProblems.length) {
    throw new ConfigError(`Invalid configuration:\n  HERALD_API_BASE_URL: ${describeProblems(baseProblems)}`);
  }
  if ((e.TEMPORAL_TLS_CERT && !e.TEMPORAL_TLS_KEY) || (!e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY)) {
    throw new ConfigError(
      'Invalid configuration:\n  TEMPORAL_TLS_KEY: TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together',
    );
  }
  return {
    embedded,
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      apiKey: e.TEMPORAL_API_KEY,
      tls:
        e.TEMPORAL_TLS_CERT && e.TEMPORAL_TLS_KEY
          ? { cert: e.TEMPORAL_TLS_CERT, key: e.TEMPORAL_TLS_KEY, ca: e.TEMPORAL_TLS_CA }
          : undefined,
    },
    taskQueue: e.HERALD_TASK_QUEUE,
    http: { host: e.HERALD_HOST, port: e.HERALD_PORT, bodyLimit: e.HERALD_BODY_LIMIT_BYTES },
    adminKey: keys.adminKey!,
    publishKey: keys.publishKey!,
    apiBaseUrl: e.HERALD_API_BASE_URL,
    changeUrls,
    headerPrefix: e.HERALD_HEADER_PREFIX,
    // Embedded mode is for local development, so it allows http://localhost receivers unless told not to.
    allowInsecureUrls: e.HERALD_ALLOW_INSECURE_URLS ?? embedded,
    encryptionKeys: keys.encryptionKey!,
    eventCatalogPath: resolve(e.HERALD_EVENT_CATALOG),
    dataDir,
    uiPort: e.HERALD_UI_PORT,
    // The embedded server's UI is on this machine; elsewhere only the operator knows its address.
    temporalUiUrl:
      e.HERALD_TEMPORAL_UI_URL ?? (embedded ? `http://127.0.0.1:${e.HERALD_UI_PORT}` : undefined),
    temporalPort: e.HERALD_TEMPORAL_PORT,
    metricsPort: e.HERALD_METRICS_PORT,
    metricsPerSubscription: e.HERALD_METRICS_SUBSCRIPTION_LABEL,
    maxCachedWorkflows: e.HERALD_MAX_CACHED_WORKFLOWS,
    maxCachedQueued: e.HERALD_MAX_CACHED_QUEUED,
    sdkMetricsAddress: e.HERALD_SDK_METRICS_ADDRESS,
    routingRefreshMs: e.HERALD_ROUTING_REFRESH_MS,
    groupCommitIntervalMs: e.HERALD_GROUP_COMMIT_INTERVAL_MS,
    subscriptionMaxBytesPerSec: e.HERALD_SUBSCRIPTION_MAX_BYTES_PER_SEC,
    subscriptionMaxQueueMs: e.HERALD_SUBSCRIPTION_MAX_QUEUE_MS,
    subscriptionMaxLagMs: e.HERALD_SUBSCRIPTION_MAX_LAG_MS,
    ingest: {
      mode: e.HERALD_INGEST,
      shards: e.HERALD_INBOX_SHARDS,
      intervalMs: e.HERALD_INBOX_INTERVAL_MS,
      handoffMs: e.HERALD_INBOX_HANDOFF_MS,
    },
    logLevel: e.HERALD_LOG_LEVEL,
    retentionDays: e.HERALD_RETENTION_DAYS,
    generatedKeysFile,
  };
}

import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import type { HeraldConfig } from '../../src/config';
import { DEFAULT_CHANGE_URL_POLICY } from '../../src/webhook/change-url-policy';

export const TEST_ADMIN_KEY = 'test-admin-key-0123456789';
export const TEST_PUBLISH_KEY = 'test-publish-key-0123456789';

/** A complete configuration for tests: fixed keys, insecure URLs allowed (receivers on 127.0.0.1). */
export function testConfig(overrides: Partial<HeraldConfig> = {}): HeraldConfig {
  return {
    embedded: false,
    temporal: { address: undefined, namespace: 'default' },
    taskQueue: `herald-test-${randomBytes(4).toString('hex')}`,
    http: { host: '127.0.0.1', port: 0, bodyLimit: 4 * 1024 * 1024 },
    adminKey: TEST_ADMIN_KEY,
    publishKey: TEST_PUBLISH_KEY,
    apiBaseUrl: 'https://api.example.com',
    changeUrls: DEFAULT_CHANGE_URL_POLICY,
    headerPrefix: 'x-webhook-',
    allowInsecureUrls: true,
    encryptionKeys: `t1:${Buffer.alloc(32, 7).toString('base64')}`,
    eventCatalogPath: resolve(__dirname, '..', '..', 'config', 'events.json'),
    dataDir: resolve(__dirname, '..', '..', '.data', 'test'),
    uiPort: 0,
    metricsPerSubscription: true,
    temporalPort: 0,
    routingRefreshMs: 500,
    maxCachedWorkflows: 500,
    maxCachedQueued: 20,
    logLevel: 'silent',
    ...overrides,
  };
}

// Configuration: one zod schema over the environment, errors that name the variable, and
// keys generated once (and then kept) in embedded mode.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config';

const KEY = 'k1:' + Buffer.alloc(32, 3).toString('base64');
const external = {
  TEMPORAL_ADDRESS: 'temporal.internal:7233',
  HERALD_ADMIN_KEY: 'admin-key-0123456789',
  HERALD_PUBLISH_KEY: 'publish-key-0123456789',
  HERALD_ENCRYPTION_KEY: KEY,
};

function failsWith(env: NodeJS.ProcessEnv, name: string) {
  assert.throws(
    () => loadConfig(env),
    (err: unknown) => err instanceof ConfigError && err.message.includes(name),
  );
}

describe('config', () => {
  it('applies the contract defaults', () => {
    const c = loadConfig(external);
    assert.equal(c.embedded, false);
    assert.equal(c.http.port, 3000);
    assert.equal(c.http.host, '127.0.0.1');
    assert.equal(c.temporal.namespace, 'default');
    assert.equal(c.apiBaseUrl, 'https://api.example.com');
    assert.equal(c.headerPrefix, 'x-webhook-');
    assert.equal(c.allowInsecureUrls, false, 'insecure URLs are off outside embedded mode');
    assert.ok(c.eventCatalogPath.endsWith(join('config', 'events.json')));
  });
  it('names the bad variable', () => {
    failsWith({ ...external, HERALD_PORT: 'eighty' }, 'HERALD_PORT');
    failsWith({ ...external, HERALD_PORT: '70000' }, 'HERALD_PORT');
    failsWith({ ...external, HERALD_ALLOW_INSECURE_URLS: 'maybe' }, 'HERALD_ALLOW_INSECURE_URLS');
    failsWith({ ...external, HERALD_API_BASE_URL: 'not a url' }, 'HERALD_API_BASE_URL');
    failsWith({ ...external, HERALD_HEADER_PREFIX: 'bad prefix!' }, 'HERALD_HEADER_PREFIX');
    failsWith({ ...external, HERALD_ADMIN_KEY: 'short' }, 'HERALD_ADMIN_KEY');
    failsWith({ ...external, HERALD_LOG_LEVEL: 'loud' }, 'HERALD_LOG_LEVEL');
    failsWith({ ...external, TEMPORAL_TLS_CERT: '/x.pem' }, 'TEMPORAL_TLS_KEY');
  });
  it('checks HERALD_API_BASE_URL like a change url, in either mode, and parses the url policy', () => {
    failsWith(
      { ...external, HERALD_API_BASE_URL: 'https://api.example.org/?api_key=1' },
      'HERALD_API_BASE_URL',
    );
    failsWith({ ...external, HERALD_API_BASE_URL: 'https://me:pw@api.example.org' }, 'HERALD_API_BASE_URL');
    failsWith({ ...external, HERALD_API_BASE_URL: 'https://api.example.org/v1.json' }, 'HERALD_API_BASE_URL');
    failsWith(
      { ...external, HERALD_CHANGE_URL_POLICY: 'strip', HERALD_API_BASE_URL: 'https://a.example/?token=x' },
      'HERALD_API_BASE_URL',
    );
    failsWith({ ...external, HERALD_API_BASE_URL: 'https://api.example.org/?page=1' }, 'HERALD_API_BASE_URL');
    failsWith({ ...external, HERALD_CHANGE_URL_POLICY: 'drop' }, 'HERALD_CHANGE_URL_POLICY');
    failsWith({ ...external, HERALD_CHANGE_URL_EXTENSIONS: 'json,x/y' }, 'HERALD_CHANGE_URL_EXTENSIONS');
    assert.equal(loadConfig(external).changeUrls.mode, 'reject');
    const c = loadConfig({
      ...external,
      HERALD_CHANGE_URL_POLICY: 'strip',
      HERALD_CHANGE_URL_KEY_PARAMS: ' ticket, api_key ',
      HERALD_CHANGE_URL_EXTENSIONS: '.JSON,php',
    });
    assert.deepEqual(c.changeUrls, {
      mode: 'strip',
      keyParams: ['ticket', 'api_key'],
      extensions: ['json', 'php'],
    });
  });
  it('requires the keys when TEMPORAL_ADDRESS is set', () => {
    failsWith({ TEMPORAL_ADDRESS: 'x:7233' }, 'HERALD_ADMIN_KEY');
    failsWith({ ...external, HERALD_ENCRYPTION_KEY: '' }, 'HERALD_ENCRYPTION_KEY');
  });
  it('generates keys once in embedded mode, keeps them private, and reuses them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'herald-config-'));
    try {
      const first = loadConfig({ HERALD_DATA_DIR: dir });
      assert.equal(first.embedded, true);
      assert.equal(first.allowInsecureUrls, true, 'embedded mode allows local receivers unless told not to');
      assert.equal(first.generatedKeysFile, join(dir, 'keys.json'));
      assert.equal(statSync(first.generatedKeysFile!).mode & 0o777, 0o600);
      const second = loadConfig({ HERALD_DATA_DIR: dir, HERALD_ALLOW_INSECURE_URLS: 'false' });
      assert.equal(second.adminKey, first.adminKey);
      assert.equal(second.publishKey, first.publishKey);
      assert.equal(second.encryptionKeys, first.encryptionKeys);
      assert.equal(second.allowInsecureUrls, false);
      const given = loadConfig({ HERALD_DATA_DIR: dir, HERALD_ADMIN_KEY: 'my-own-admin-key-123' });
      assert.equal(given.adminKey, 'my-own-admin-key-123');
      assert.equal(JSON.parse(readFileSync(first.generatedKeysFile!, 'utf8')).adminKey, first.adminKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

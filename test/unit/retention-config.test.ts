// HERALD_RETENTION_DAYS (issue 29): whole days, 1 to 3650; unset leaves the namespace's own.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../../src/config';

void describe('HERALD_RETENTION_DAYS', () => {
  void it('is read as whole days, 1 to 3650', () => {
    const env = { HERALD_ADMIN_KEY: 'a'.repeat(32), HERALD_PUBLISH_KEY: 'p'.repeat(32) };
    const base = {
      ...env,
      TEMPORAL_ADDRESS: '127.0.0.1:1',
      HERALD_ENCRYPTION_KEY: `k:${Buffer.alloc(32).toString('base64')}`,
    };
    assert.equal(loadConfig({ ...base, HERALD_RETENTION_DAYS: '30' }).retentionDays, 30);
    assert.equal(loadConfig(base).retentionDays, undefined);
    for (const bad of ['0', '3651', '1.5', 'week'])
      assert.throws(() => loadConfig({ ...base, HERALD_RETENTION_DAYS: bad }), /HERALD_RETENTION_DAYS/);
  });
});

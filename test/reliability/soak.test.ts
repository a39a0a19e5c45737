// The soak of issue 9 §7 in CI: one minute of steady publishing against flaky receivers,
// then a drain; zero keys may differ from the model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runSoak } from './soak';

void describe('reliability: soak (1 minute, flaky receivers)', { timeout: 300_000 }, () => {
  void it('every key at every receiver ends in its final state', async () => {
    const result = await runSoak({ minutes: 1 });
    assert.deepEqual(result.lost, []);
    assert.equal(result.loss, 0);
    assert.ok(result.changes > 1000, `steady load: ${result.changes} changes`);
    assert.ok(result.failedAttempts > 0, 'the receivers did fail');
  });
});

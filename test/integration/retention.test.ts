// HERALD_RETENTION_DAYS (issue 29): `setup` sets an existing namespace's retention when it is
// given (--retention or HERALD_RETENTION_DAYS), and leaves it as it is otherwise.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeNamespace, setRetention, setupTemporal } from '../../src/temporal/setup';
import { startTemporal, type TemporalHarness } from '../helpers/temporal';

const DAY = 86_400_000;

void describe('namespace retention', () => {
  let t: TemporalHarness;
  before(async () => {
    t = await startTemporal();
  });
  after(async () => t?.teardown());

  void it('is set by setup when asked, and left alone when not', async () => {
    const lines: string[] = [];
    const log = (l: string) => void lines.push(l);
    await setupTemporal(t.client, t.address, {
      createNamespace: false,
      retentionMs: 3 * DAY,
      updateRetention: true,
      log,
    });
    assert.equal((await describeNamespace(t.client))?.retentionMs, 3 * DAY);
    assert.ok(
      lines.some((l) => /retention set to 3d/.test(l)),
      lines.join('\n'),
    );
    await setupTemporal(t.client, t.address, { createNamespace: false, retentionMs: 9 * DAY, log });
    assert.equal((await describeNamespace(t.client))?.retentionMs, 3 * DAY, 'not given: unchanged');
    await setRetention(t.client, 2 * DAY);
    assert.equal((await describeNamespace(t.client))?.retentionMs, 2 * DAY);
  });
});

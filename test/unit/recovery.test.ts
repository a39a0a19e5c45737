// Recover's pure parts: which failed deliveries a range takes, and how their changes are split
// into updates under the payload limit, newest chunk first (each goes in older than the last).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PendingChanges } from '../../core/merge';
import { failedInRange, recoverChunks } from '../../src/service/recovery';
import type { DeliverySummary } from '../../core/delivery-types';
import { update } from '../helpers/subscriptions';

const summary = (
  sequence: number,
  status: DeliverySummary['status'],
  startedAt: string,
): DeliverySummary => ({
  deliveryId: `d${sequence}`,
  sequence,
  status,
  changeCount: 1,
  startedAt,
  attempts: [],
});

void describe('recover', () => {
  it('takes the failed deliveries started in [since, until), oldest first', () => {
    const all = [
      summary(5, 'failed', '2026-12-07T12:05:00Z'),
      summary(4, 'delivered', '2026-12-07T12:04:00Z'),
      summary(3, 'failed', '2026-12-07T12:03:00Z'),
      summary(2, 'in_flight', '2026-12-07T12:02:00Z'),
      summary(1, 'failed', '2026-12-07T12:01:00Z'),
    ];
    const pick = (since: string, until?: string) =>
      failedInRange(all, { since, ...(until ? { until } : {}) }, '2026-12-07T13:00:00Z').map(
        (s) => s.sequence,
      );
    assert.deepEqual(pick('2026-12-07T12:00:00Z'), [1, 3, 5]);
    assert.deepEqual(pick('2026-12-07T12:01:00Z', '2026-12-07T12:05:00Z'), [1, 3]);
    assert.deepEqual(pick('2026-12-07T12:06:00Z'), []);
  });

  it('splits under the byte bound, and putting the chunks back in turn keeps delivery order', () => {
    const changes = Array.from({ length: 50 }, (_, i) => update('training', i % 20, i));
    const chunks = recoverChunks(changes, 300);
    assert.ok(chunks.length > 3);
    for (const c of chunks) assert.ok(JSON.stringify(c).length <= 300 + 60 || c.length === 1);
    assert.deepEqual(chunks.slice().reverse().flat(), changes);
    const pending = new PendingChanges();
    pending.add(update('training', 7, 999), 0);
    for (const chunk of chunks) pending.addOlder(chunk, 1);
    const out = new Map(pending.take(100, 1e9).map((c) => [c.id, c.data]));
    assert.equal(out.size, 20, 'each key once');
    // Each key's newest failed change, and the pending one over all of them.
    assert.deepEqual(out.get(3), { v: 43 });
    assert.deepEqual(out.get(19), { v: 39 });
    assert.deepEqual(out.get(7), { v: 999 });
  });
});

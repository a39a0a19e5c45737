// delivery.maxPerMinute on the subscription entity, on a fake clock: batches leave at least
// 60 s / maxPerMinute apart, changes merge meanwhile, sealed batches wait their turn too, and an
// unpaced subscription decides exactly as before.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SubscriptionEntity } from '../../core/subscription';
import { subscriptionConfig, update } from '../helpers/subscriptions';

const T0 = Date.parse('2026-12-07T12:00:00Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

function entity(maxPerMinute?: number) {
  const config = subscriptionConfig('https://partner.example/hook', {
    batching: { debounceMs: 0, maxWaitMs: 0, maxBatchSize: 2 },
  });
  if (maxPerMinute) config.delivery = { disableAfterMs: 0, maxPerMinute };
  return new SubscriptionEntity(config);
}
const delivered = (s: SubscriptionEntity, sequence: number, ms: number) =>
  s.finish({ deliveryId: `d${sequence}`, sequence, status: 'delivered', changes: [], attempts: [] }, at(ms));

void describe('pacing (delivery.maxPerMinute)', () => {
  it('spaces batches 60 s / maxPerMinute apart and merges what arrives meanwhile', () => {
    const s = entity(6); // one batch every 10 s
    s.receive([update('training', 1, 1)], T0);
    assert.equal(s.msUntilFlush(T0), 0, 'the first batch is not held');
    s.startBatch('d1', at(0));
    delivered(s, 1, 200);
    s.receive([update('training', 2, 1)], T0 + 1_000);
    s.receive([update('training', 2, 2)], T0 + 2_000);
    assert.equal(s.msUntilFlush(T0 + 2_000), 8_000);
    assert.equal(s.pending.size, 1, 'the two changes to one key merged while paced');
    // A full batch still waits for its turn.
    s.receive([update('training', 3, 1), update('training', 4, 1)], T0 + 3_000);
    assert.equal(s.msUntilFlush(T0 + 3_000), 7_000);
    assert.equal(s.msUntilFlush(T0 + 10_000), 0);
    s.startBatch('d2', at(10_000));
    delivered(s, 2, 10_100);
    assert.equal(s.msUntilFlush(T0 + 10_100), 9_900);
  });

  it('holds sealed batches to the same pace', () => {
    const s = entity(60); // one a second
    s.receive([update('training', 1, 1)], T0);
    s.startBatch('d1', at(0));
    for (let i = 0; i < 6_000; i++) s.receive([update('training', 10 + i, 1)], T0 + 10);
    while (s.needsSeal()) s.seal();
    delivered(s, 1, 100);
    assert.equal(
      s.nextQueued(at(500), (n) => `d${n}`),
      null,
      'not before its turn',
    );
    assert.equal(s.msUntilFlush(T0 + 500), 500);
    assert.notEqual(
      s.nextQueued(at(1_000), (n) => `d${n}`),
      null,
    );
  });

  it('carries the last batch time across continue-as-new only when paced', () => {
    const paced = entity(6);
    paced.receive([update('training', 1, 1)], T0);
    paced.startBatch('d1', at(0));
    assert.equal(paced.carry().lastPostAt, T0);
    const next = new SubscriptionEntity(paced.config, paced.carry());
    delivered(next, 1, 100);
    next.receive([update('training', 2, 1)], T0 + 1_000);
    assert.equal(next.msUntilFlush(T0 + 1_000), 9_000);

    const free = entity();
    free.receive([update('training', 1, 1)], T0);
    free.startBatch('d1', at(0));
    assert.equal('lastPostAt' in free.carry(), false);
    delivered(free, 1, 100);
    free.receive([update('training', 2, 1)], T0 + 1_000);
    assert.equal(free.msUntilFlush(T0 + 1_000), 0);
  });
});

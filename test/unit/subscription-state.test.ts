// The subscription entity's batching decisions and secret rotation, on a fake clock.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { SubscriptionEntity } from '../../core/subscription';
import { ROTATION_OVERLAP_MS } from '../../core/subscription-config';
import { subscriptionConfig, update } from '../helpers/subscriptions';

const entity = (batching = {}) =>
  new SubscriptionEntity(
    subscriptionConfig('https://partner.example/hook', {
      batching: { debounceMs: 100, maxWaitMs: 1_000, maxBatchSize: 3, ...batching },
    }),
  );

describe('SubscriptionEntity batching', () => {
  it('waits for nothing while empty, then debounceMs after the last change', () => {
    const s = entity();
    assert.equal(s.msUntilFlush(0), undefined);
    s.receive([update('training', 1, 1)], 1_000);
    assert.equal(s.msUntilFlush(1_000), 100);
    s.receive([update('training', 2, 1)], 1_050);
    assert.equal(s.msUntilFlush(1_060), 90);
    assert.equal(s.msUntilFlush(1_200), 0);
  });
  it('caps the wait at maxWaitMs after the oldest waiting change, under a steady stream', () => {
    const s = entity();
    for (let t = 0; t <= 990; t += 30) s.receive([update('training', t % 2, t)], t);
    assert.equal(s.msUntilFlush(990), 10);
  });
  it('flushes at once at maxBatchSize keys, the oldest first', () => {
    const s = entity();
    s.receive(
      [1, 2, 3, 4].map((i) => update('training', i, i)),
      0,
    );
    assert.equal(s.msUntilFlush(0), 0);
    const batch = s.startBatch('dlv_1', 'now');
    assert.deepEqual(
      batch.changes.map((c) => c.id),
      [1, 2, 3],
    );
    assert.equal(s.pending.size, 1);
  });
  it('sends nothing while paused or while a delivery is in flight, and resumes after', () => {
    const s = entity();
    s.receive([update('training', 1, 1)], 0);
    s.paused = true;
    assert.equal(s.msUntilFlush(5_000), undefined);
    s.paused = false;
    const { sequence } = s.startBatch('dlv_1', 'now');
    s.receive([update('training', 2, 1)], 10);
    assert.equal(s.msUntilFlush(5_000), undefined);
    assert.equal(
      s.finish(
        {
          deliveryId: 'dlv_1',
          sequence,
          status: 'delivered',
          changes: [update('training', 1, 1)],
          attempts: [],
        },
        'later',
      ),
      true,
    );
    assert.equal(s.msUntilFlush(5_000), 0);
    assert.equal(s.counters.deliveriesDelivered, 1);
    assert.equal(s.deliveries[0]!.status, 'delivered');
  });
  it('ignores a finish report that is not about the delivery in flight', () => {
    const s = entity();
    s.receive([update('training', 1, 1)], 0);
    s.startBatch('dlv_1', 'now');
    assert.equal(
      s.finish({ deliveryId: 'dlv_9', sequence: 9, status: 'failed', changes: [], attempts: [] }, 'x'),
      false,
    );
    assert.notEqual(s.inFlight, null);
  });
  it('keeps at most 100 delivery summaries, newest first', () => {
    const s = entity({ maxBatchSize: 1 });
    for (let i = 1; i <= 120; i++) {
      s.receive([update('training', i, i)], i);
      const b = s.startBatch(`dlv_${i}`, 'now');
      s.finish(
        {
          deliveryId: `dlv_${i}`,
          sequence: b.sequence,
          status: 'delivered',
          changes: b.changes,
          attempts: [],
        },
        'x',
      );
    }
    assert.equal(s.deliveries.length, 100);
    assert.equal(s.deliveries[0]!.sequence, 120);
  });
});

describe('SubscriptionEntity secrets', () => {
  it('rotation keeps the previous secret for 24 h and drops older ones', () => {
    const s = entity();
    const first = s.config.secrets[0]!.secret;
    const t0 = Date.UTC(2026, 0, 1);
    s.rotate('whsec_second', new Date(t0).toISOString());
    assert.deepEqual(
      s.config.secrets.map((x) => x.secret),
      ['whsec_second', first],
    );
    assert.equal(Date.parse(s.config.secrets[1]!.expiresAt!), t0 + ROTATION_OVERLAP_MS);
    s.rotate('whsec_third', new Date(t0 + 1000).toISOString());
    assert.deepEqual(
      s.config.secrets.map((x) => x.secret),
      ['whsec_third', 'whsec_second'],
    );
    // Only the secret just replaced keeps signing; one replaced earlier is gone.
    s.rotate('whsec_fourth', new Date(t0 + 2 * ROTATION_OVERLAP_MS).toISOString());
    assert.deepEqual(
      s.config.secrets.map((x) => x.secret),
      ['whsec_fourth', 'whsec_third'],
    );
  });
  it('never shows a token or secret in its public view or status', () => {
    const s = entity();
    const text = JSON.stringify([s.publicView(), s.status()]);
    assert.ok(!text.includes(s.config.token));
    assert.ok(!text.includes(s.config.secrets[0]!.secret));
  });
  it('carries everything across continue-as-new', () => {
    const s = entity();
    s.receive([update('training', 1, 1), update('training', 2, 2)], 5);
    s.startBatch('dlv_1', 'now');
    s.receive([update('training', 3, 3)], 7);
    const next = new SubscriptionEntity(s.config, JSON.parse(JSON.stringify(s.carry())));
    assert.deepEqual(next.pending.changes(), s.pending.changes());
    assert.deepEqual(next.inFlight, s.inFlight);
    assert.equal(next.nextSequence, s.nextSequence);
    assert.equal(next.counters.continuedAsNew, 1);
    assert.equal(next.counters.changesReceived, 3);
  });
});

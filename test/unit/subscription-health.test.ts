// Disabling a failing subscription and the operational events it queues (core/), on a fake
// clock: 410 at once, failing past disableAfterMs, held changes older than pending ones,
// resume, and the routing rule that "*" does not include operational events.
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { PendingChanges } from '../../core/merge';
import { isOperationalEvent, operationalChange } from '../../core/operational-events';
import { SubscriptionEntity } from '../../core/subscription';
import { applyPatch } from '../../core/subscription-config';
import { SubscriptionHealth } from '../../core/subscription-health';
import type { AttemptRecord, DeliveryResult } from '../../core/delivery-types';
import { RoutingTable } from '../../src/service/routing-table';
import { receives } from '../../src/service/routing-rules';
import { publicSubscription, subscriptionConfig, update } from '../helpers/subscriptions';

const at = (ms: number) => new Date(ms).toISOString();
const attempt = (n: number, ms: number, statusCode?: number): AttemptRecord => ({
  attempt: n,
  at: at(ms),
  durationMs: 5,
  ...(statusCode === undefined ? {} : { statusCode }),
});

function entity(disableAfterMs = 10_000) {
  const config = subscriptionConfig('https://partner.example/hook');
  const s = new SubscriptionEntity({ ...config, delivery: { disableAfterMs } });
  s.lifecycle = true;
  return s;
}

/** Starts a batch of the pending changes and ends it with `status` after `attempts`. */
function deliver(
  s: SubscriptionEntity,
  status: DeliveryResult['status'],
  attempts: AttemptRecord[],
  endMs: number,
) {
  const batch = s.startBatch(`dlv_${s.nextSequence}`, at(endMs));
  s.finish(
    {
      deliveryId: `dlv_${batch.sequence}`,
      sequence: batch.sequence,
      status,
      changes: batch.changes,
      attempts,
    },
    at(endMs),
  );
  return batch;
}

describe('disabling a failing subscription', () => {
  it('disables at once on 410 Gone and holds the batch, older than what is pending', () => {
    const s = entity();
    s.receive([update('training', 1, 1), update('training', 2, 1)], 0);
    s.startBatch('dlv_1', at(0));
    s.receive([update('training', 2, 2), update('training', 3, 1)], 50);
    s.finish(
      {
        deliveryId: 'dlv_1',
        sequence: 1,
        status: 'failed',
        changes: [update('training', 1, 1), update('training', 2, 1)],
        attempts: [attempt(1, 10, 410)],
      },
      at(100),
    );
    assert.equal(s.state, 'disabled');
    assert.deepEqual(s.publicView().disabledReason, 'gone');
    assert.equal(s.publicView().lastStatusCode, 410);
    // training 1 back first; training 2's newer pending change wins and keeps its place.
    assert.deepEqual(
      s.pending.changes().map((c) => [c.id, c.data?.v]),
      [
        [1, 1],
        [2, 2],
        [3, 1],
      ],
    );
    assert.equal(s.msUntilFlush(10_000), undefined, 'nothing leaves while disabled');
    assert.deepEqual(
      s.health.outbox.map((c) => c.event),
      ['subscription.disabled'],
      'no delivery.failed: the batch is held, not dead-lettered',
    );
  });

  it('disables once every delivery has failed for disableAfterMs, counted from the first failure', () => {
    const s = entity(10_000);
    s.receive([update('training', 1, 1)], 0);
    deliver(s, 'failed', [attempt(1, 1_000, 500), attempt(2, 3_000, 503)], 4_000);
    assert.equal(s.state, 'active', 'failing for 3 s only: dead-lettered');
    assert.deepEqual(
      s.health.outbox.map((c) => c.event),
      ['delivery.failed'],
    );
    s.receive([update('training', 2, 1)], 5_000);
    s.startBatch('dlv_2', at(5_000));
    s.handOver(attempt(1, 5_000, 500));
    assert.equal(s.health.msUntilDisable(s.config, 6_000), 5_000, 'due 10 s after the first failure');
    s.finish(
      {
        deliveryId: 'dlv_2',
        sequence: 2,
        status: 'failed',
        changes: [update('training', 2, 1)],
        attempts: [attempt(1, 5_000, 500), attempt(2, 10_500, 502)],
      },
      at(11_000),
    );
    assert.equal(s.state, 'disabled');
    assert.equal(s.publicView().disabledReason, 'failing');
    assert.equal(s.publicView().lastStatusCode, 502);
    assert.equal(s.pending.size, 1, 'the failed batch is held');
  });

  it('a delivered batch starts the failure clock afresh; 0 never disables', () => {
    const s = entity(10_000);
    s.receive([update('training', 1, 1)], 0);
    deliver(s, 'failed', [attempt(1, 0, 500)], 1_000);
    s.receive([update('training', 2, 1)], 2_000);
    deliver(s, 'delivered', [attempt(1, 2_000, 200)], 2_000);
    assert.equal(s.health.failingSince, undefined);
    s.receive([update('training', 3, 1)], 20_000);
    deliver(s, 'failed', [attempt(1, 20_000, 500)], 25_000);
    assert.equal(s.state, 'active');

    const never = entity(0);
    never.receive([update('training', 1, 1)], 0);
    deliver(never, 'failed', [attempt(1, 0, 500)], 1e9);
    assert.equal(never.state, 'active');
    assert.equal(never.health.msUntilDisable(never.config, 1e9), undefined);
  });

  it('resume enables it, queues subscription.enabled and sends the held changes', () => {
    const s = entity();
    s.receive([update('training', 1, 1)], 0);
    deliver(s, 'failed', [attempt(1, 0, 410)], 100);
    s.paused = true;
    s.receive([update('training', 1, 2)], 200);
    s.resume(at(300));
    assert.equal(s.state, 'active');
    assert.equal(s.publicView().disabledReason, undefined);
    assert.deepEqual(
      s.health.outbox.map((c) => c.event),
      ['subscription.disabled', 'subscription.enabled'],
    );
    assert.equal(s.msUntilFlush(10_000), 0);
    assert.deepEqual(
      s.pending.changes().map((c) => c.data?.v),
      [2],
      'merged: the newer change won',
    );
  });

  it('is carried across continue-as-new', () => {
    const s = entity();
    s.receive([update('training', 1, 1)], 0);
    deliver(s, 'failed', [attempt(1, 0, 410)], 100);
    const next = new SubscriptionEntity(s.config, JSON.parse(JSON.stringify(s.carry())));
    assert.equal(next.state, 'disabled');
    assert.equal(next.health.outbox.length, 1);
    assert.equal(next.pending.size, 1);
  });

  it('does nothing of this in a run recorded before it (lifecycle off)', () => {
    const s = entity();
    s.lifecycle = false;
    s.receive([update('training', 1, 1)], 0);
    deliver(s, 'failed', [attempt(1, 0, 410)], 100);
    assert.equal(s.state, 'active');
    assert.equal(s.pending.size, 0);
    assert.equal(s.carry().health, undefined);
  });
});

describe('operational events', () => {
  const config = { id: 'sub_1', name: 'Partner', tenant: 'acme' };
  it('are keyed per subscription and event, and per delivery for delivery.failed', () => {
    const disabled = operationalChange('subscription.disabled', config, {
      reason: 'gone',
      at: at(0),
      lastStatusCode: 410,
    });
    assert.deepEqual(disabled, {
      action: 'update',
      object: 'subscription',
      id: 'sub_1:disabled',
      event: 'subscription.disabled',
      tenant: 'acme',
      data: { id: 'sub_1', name: 'Partner', tenant: 'acme', reason: 'gone', at: at(0), lastStatusCode: 410 },
    });
    const failed = operationalChange('delivery.failed', config, {
      reason: 'attempts_exhausted',
      at: at(0),
      deliveryId: 'dlv_9',
    });
    assert.equal(failed.object, 'delivery');
    assert.equal(failed.id, 'dlv_9');
    const h = new SubscriptionHealth();
    h.restored(config, at(5), at(1));
    assert.deepEqual(
      h.outbox.map((c) => [c.event, c.data.at]),
      [
        ['subscription.broken', at(1)],
        ['subscription.restored', at(5)],
      ],
    );
  });

  it('reach subscriptions that name them, never "*" ones, within their tenant', async () => {
    assert.ok(isOperationalEvent('delivery.failed'));
    const star = publicSubscription('s_star', ['*'], { tenant: 'acme' });
    const named = publicSubscription('s_named', ['subscription.disabled'], { tenant: 'acme' });
    const other = publicSubscription('s_other', ['subscription.disabled'], { tenant: 'zeta' });
    const all = publicSubscription('s_all', ['subscription.disabled'], { tenant: '*' });
    const change = { ...operationalChange('subscription.disabled', config, { reason: 'gone', at: at(0) }) };
    const table = new RoutingTable({ list: async () => [star, named, other, all], refreshMs: 60_000 });
    await table.refresh();
    const ids = table
      .match(change.event, change.tenant)
      .map((s) => s.id)
      .sort();
    assert.deepEqual(ids, ['s_all', 's_named']);
    assert.deepEqual(
      [star, named, other, all]
        .filter((s) => receives(s, change))
        .map((s) => s.id)
        .sort(),
      ids,
    );
    assert.ok(
      receives(star, { ...change, event: 'training.update' }),
      '"*" still means every publisher event',
    );
  });
});

describe('the delivery settings', () => {
  it('PATCH sets them over the defaults and null takes maxPerMinute away', () => {
    const config = subscriptionConfig('https://partner.example/hook');
    const paced = applyPatch(config, { delivery: { maxPerMinute: 30 }, now: at(0) });
    assert.deepEqual(paced.delivery, { disableAfterMs: 432_000_000, maxPerMinute: 30 });
    const unpaced = applyPatch(paced, { delivery: { maxPerMinute: null, disableAfterMs: 0 }, now: at(1) });
    assert.deepEqual(unpaced.delivery, { disableAfterMs: 0 });
  });

  it('putting changes back merges them under the pending ones of the same key', () => {
    const p = new PendingChanges();
    p.add({ action: 'update', object: 'training', id: 1, data: { v: 2 } }, 10);
    p.addOlder(
      [{ action: 'import', object: 'training', id: 1, data: { v: 1 } }, update('training', 5, 1)],
      20,
    );
    assert.deepEqual(
      p.changes().map((c) => [c.id, c.action, c.data?.v]),
      [
        [5, 'update', 1],
        [1, 'import', 2],
      ],
    );
    assert.equal(
      p.bytes,
      p.toJSON().reduce((n, e) => n + e.bytes!, 0),
    );
  });
});

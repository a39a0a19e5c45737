// The subscription workflow against a real Temporal dev server and a real receiver.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startTemporal, type TemporalHarness } from '../helpers/temporal';
import { startReceiver, type Receiver } from '../helpers/receiver';
import {
  finalStateByKey,
  startSubscription,
  subscriptionConfig,
  update,
  waitUntil,
} from '../helpers/subscriptions';
import {
  changesSignal,
  deleteUpdate,
  deliveriesQuery,
  pauseUpdate,
  resumeUpdate,
  statusQuery,
} from '../../workflows/messages';
import { deliveryWorkflowId } from '../../core/ids';
import type { Change } from '../../core/types';

const bodies = (r: Receiver) => r.requests.map((q) => q.json as { changes: Change[] });

describe('subscription workflow (dev server)', () => {
  let t: TemporalHarness;
  let receiver: Receiver;
  before(async () => {
    t = await startTemporal();
    await t.startWorker();
  });
  after(async () => {
    await t?.teardown();
  });

  it('merges by key and delivers one batch ordered by each key latest change', async () => {
    receiver = await startReceiver();
    const cfg = subscriptionConfig(receiver.url, { batching: { debounceMs: 400 } });
    const h = await startSubscription(t.client, t.taskQueue, cfg);
    await h.signal(changesSignal, {
      changes: [
        update('training', 1, 1),
        update('training', 2, 1),
        { action: 'destroy', object: 'training', id: 1 },
        { action: 'import', object: 'institute', id: 5, data: { v: 1 } },
      ],
    });
    await h.signal(changesSignal, { changes: [update('institute', 5, 2)] });
    await receiver.waitForRequests(1, 10_000);
    await new Promise((r) => setTimeout(r, 800));
    assert.equal(receiver.requests.length, 1);
    assert.deepEqual(bodies(receiver)[0]!.changes, [
      update('training', 2, 1),
      { action: 'destroy', object: 'training', id: 1 },
      { action: 'import', object: 'institute', id: 5, data: { v: 2 } },
    ]);
    await waitUntil(() => true, 0);
    const status = await h.query(statusQuery);
    assert.equal(status.counters.deliveriesDelivered, 1);
    assert.equal(status.pendingChanges, 0);
    await receiver.close();
  });

  it('sends at maxWaitMs under a steady stream that never pauses for debounceMs', async () => {
    receiver = await startReceiver();
    const cfg = subscriptionConfig(receiver.url, { batching: { debounceMs: 600, maxWaitMs: 1_500 } });
    const h = await startSubscription(t.client, t.taskQueue, cfg);
    const started = Date.now();
    for (let i = 0; i < 20; i++) {
      await h.signal(changesSignal, { changes: [update('training', i, i)] });
      await new Promise((r) => setTimeout(r, 200));
    }
    const during = receiver.requests.filter((q) => q.at < started + 4_000).length;

    assert.ok(during >= 2, `expected >= 2 POSTs during a 4 s stream with maxWait 1.5 s, got ${during}`);
    await waitUntil(() => finalStateByKey(bodies(receiver)).size === 20, 10_000, 'all 20 keys');
    await receiver.close();
  });

  it('sends the oldest maxBatchSize keys at once and the rest after the debounce', async () => {
    receiver = await startReceiver();
    const cfg = subscriptionConfig(receiver.url, { batching: { debounceMs: 1_000, maxBatchSize: 3 } });
    const h = await startSubscription(t.client, t.taskQueue, cfg);
    await h.signal(changesSignal, { changes: [1, 2, 3, 4, 5, 6, 7].map((i) => update('training', i, i)) });
    await receiver.waitForRequests(3, 10_000);
    const sizes = bodies(receiver).map((b) => b.changes.map((c) => c.id));
    assert.deepEqual(sizes, [[1, 2, 3], [4, 5, 6], [7]]);
    // The two full batches left without waiting for the debounce; the remainder waited for it.
    const t0 = receiver.requests[0]!.at;
    assert.ok(receiver.requests[2]!.at - t0 >= 700, 'the partial batch waited for quiet');
    await receiver.close();
  });

  it('keeps merging while paused and sends nothing until resumed', async () => {
    receiver = await startReceiver();
    const cfg = subscriptionConfig(receiver.url, { batching: { debounceMs: 200 } });
    const h = await startSubscription(t.client, t.taskQueue, cfg);
    await h.executeUpdate(pauseUpdate);
    await h.signal(changesSignal, { changes: [update('training', 1, 1), update('training', 1, 2)] });
    await new Promise((r) => setTimeout(r, 1_000));
    assert.equal(receiver.requests.length, 0);
    assert.equal((await h.query(statusQuery)).pendingChanges, 1);
    const view = await h.executeUpdate(resumeUpdate);
    assert.equal(view.state, 'active');
    await receiver.waitForRequests(1, 10_000);
    assert.deepEqual(bodies(receiver)[0]!.changes, [update('training', 1, 2)]);
    await receiver.close();
  });

  it('retries a failing receiver and ends delivered on the 5th attempt, one delivery in flight at a time', async () => {
    receiver = await startReceiver();
    receiver.setStatus((_req, n) => (n <= 4 ? 500 : 200));
    const cfg = subscriptionConfig(receiver.url, {
      batching: { debounceMs: 100 },
      retry: { initialIntervalMs: 100 },
    });
    const h = await startSubscription(t.client, t.taskQueue, cfg);
    await h.signal(changesSignal, { changes: [update('training', 1, 1)] });
    await receiver.waitForRequests(2, 10_000);
    // Arrives while the first batch is being retried: must wait for the next batch.
    await h.signal(changesSignal, { changes: [update('training', 2, 1)] });
    await receiver.waitForRequests(6, 15_000);
    const ids = bodies(receiver).map((b) => b.changes.map((c) => c.id));
    assert.deepEqual(ids, [[1], [1], [1], [1], [1], [2]]);
    const webhookIds = receiver.requests.map((q) => q.headers['webhook-id']);
    assert.equal(new Set(webhookIds.slice(0, 5)).size, 1, 'same webhook-id on every attempt');
    assert.notEqual(webhookIds[5], webhookIds[0]);
    await waitUntil(() => true, 0);
    let deliveries = await h.query(deliveriesQuery);
    await waitUntil(() => deliveries.every((d) => d.status !== 'in_flight'), 5_000, 'summaries').catch(
      () => undefined,
    );
    deliveries = await h.query(deliveriesQuery);
    const first = deliveries.find((d) => d.sequence === 1)!;
    assert.equal(first.status, 'delivered');
    assert.deepEqual(
      first.attempts.map((a) => [a.attempt, a.statusCode]),
      [
        [1, 500],
        [2, 500],
        [3, 500],
        [4, 500],
        [5, 200],
      ],
    );
    await receiver.close();
  });
});

describe('deleting a subscription (dev server)', () => {
  let t: TemporalHarness;
  before(async () => {
    t = await startTemporal();
    await t.startWorker();
  });
  after(async () => {
    await t?.teardown();
  });

  it('ends the workflow and cancels a delivery that is still retrying', async () => {
    const receiver = await startReceiver();
    receiver.setStatus(500);
    const cfg = subscriptionConfig(receiver.url, {
      batching: { debounceMs: 50 },
      retry: { initialIntervalMs: 1_000 },
    });
    const h = await startSubscription(t.client, t.taskQueue, cfg);
    await h.signal(changesSignal, { changes: [update('training', 1, 1)] });
    await receiver.waitForRequests(1, 10_000);
    await h.executeUpdate(deleteUpdate);
    await h.result();
    const child = t.client.workflow.getHandle(deliveryWorkflowId(cfg.id, 1));
    let status = (await child.describe()).status.name;
    for (let i = 0; i < 50 && status === 'RUNNING'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      status = (await child.describe()).status.name;
    }
    assert.equal(status, 'CANCELLED');
    const seen = receiver.requests.length;
    await new Promise((r) => setTimeout(r, 2_500));
    assert.equal(receiver.requests.length, seen, 'no attempt after the delete');
    await assert.rejects(h.signal(changesSignal, { changes: [update('training', 2, 1)] }));
    await receiver.close();
  });
});

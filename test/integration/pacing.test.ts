// delivery.maxPerMinute on the real Temporal dev server: the second batch leaves no sooner than
// its turn, carrying every change that arrived meanwhile merged by key, and GET says when.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../helpers/stack';
import { update, waitUntil } from '../helpers/subscriptions';

void describe('pacing', { timeout: 120_000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  void it('spaces POSTs 60 s / maxPerMinute apart and merges while waiting', async () => {
    const { receiver } = stack;
    const created = await stack.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'Paced partner',
        url: receiver.url,
        events: ['training.update'],
        batching: { debounceMs: 0, maxWaitMs: 0 },
        delivery: { maxPerMinute: 12 },
      },
    });
    assert.equal(created.status, 201, created.text);
    assert.equal(created.body.delivery.maxPerMinute, 12);
    const id = created.body.id as string;
    const publish = async (...changes: unknown[]) => {
      const r = await stack.api('POST', '/v1/changes', { key: 'publish', body: { changes } });
      assert.equal(r.status, 202, r.text);
    };

    await publish(update('training', 1, 1));
    await receiver.waitForRequests(1, 30_000);
    await publish(update('training', 2, 1));
    await publish(update('training', 2, 2), update('training', 3, 1));

    let detail = await stack.api('GET', `/v1/subscriptions/${id}`, { key: 'admin' });
    await waitUntil(
      async () => {
        detail = await stack.api('GET', `/v1/subscriptions/${id}`, { key: 'admin' });
        return detail.body.pendingChanges === 2;
      },
      10_000,
      'both keys pending',
    );
    const nextPostAt = Date.parse(detail.body.nextPostAt);
    assert.ok(nextPostAt > Date.now(), `nextPostAt ${detail.body.nextPostAt} is ahead`);

    await receiver.waitForRequests(2, 30_000);
    const [first, second] = receiver.requests;
    // The pace runs from one batch's start to the next's (the workflow's clock); the receiver
    // sees each a little later, by however long the POST took to leave.
    const list = await stack.api('GET', `/v1/subscriptions/${id}/deliveries`, { key: 'admin' });
    const [newer, older] = list.body.items as { startedAt: string }[];
    const paced = Date.parse(newer!.startedAt) - Date.parse(older!.startedAt);
    assert.ok(paced >= 5_000, `batches started ${paced} ms apart`);
    assert.ok(second!.at - first!.at >= 4_500, `received ${second!.at - first!.at} ms apart`);
    assert.ok(second!.at >= nextPostAt - 50, 'not before the time GET gave');
    const body = second!.json as { changes: { id: number; data?: unknown }[] };
    assert.deepEqual(
      body.changes.map((c) => c.id),
      [2, 3],
    );
    assert.deepEqual(body.changes[0]!.data, { v: 2 }, 'the newer change to key 2 won');
    const after = await stack.api('GET', `/v1/subscriptions/${id}`, { key: 'admin' });
    assert.equal(after.body.nextPostAt, undefined, 'nothing waits, so no turn to show');
  });
});

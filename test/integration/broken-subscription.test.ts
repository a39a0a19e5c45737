// A subscription whose workflow is closed behind Herald's back (terminated in the Temporal UI)
// is broken, never deleted, and heals by itself: the next change that matches it restores it
// (reset to its last workflow task, its pending changes with it), it emits
// subscription.broken and subscription.restored, and the publisher gets 202, so one broken
// partner never stalls the others. DELETE of a broken one removes it (204) and it stops routing.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { subscriptionWorkflowId } from '../../core/ids';
import { startOpsSubscription, type OpsSubscription } from '../helpers/ops-subscription';
import { startReceiver } from '../helpers/receiver';
import { publicView } from '../../core/subscription-config';
import { finalStateByKey, subscriptionConfig, waitUntil } from '../helpers/subscriptions';
import { startStack, type Stack } from '../helpers/stack';

const change = (id: number, v: number) => ({ action: 'update', object: 'training', id, data: { v } });

void describe('a broken subscription', { timeout: 240_000 }, () => {
  let s: Stack;
  let ops: OpsSubscription;
  before(async () => {
    s = await startStack();
    ops = await startOpsSubscription(s, ['subscription.broken', 'subscription.restored']);
  });
  after(async () => {
    await ops?.close();
    await s?.close();
  });

  void it('is healed by the next publish: 202, its pending changes and the new one delivered, both events sent', async () => {
    const created = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'broken',
        url: s.receiver.url,
        events: ['training.update'],
        // Long enough that the changes are still pending when the workflow is terminated.
        batching: { debounceMs: 60_000, maxWaitMs: 60_000 },
      },
    });
    assert.equal(created.status, 201);
    const id = created.body.id as string;
    const path = `/v1/subscriptions/${id}`;
    const first = await s.api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [change(1, 1), change(2, 1)] },
    });
    assert.equal(first.status, 202);
    assert.equal((await s.api('GET', path, { key: 'admin' })).body.pendingChanges, 2);

    // An operator terminates the workflow in the Temporal UI; the routing table learns of it.
    await s.t.client.workflow.getHandle(subscriptionWorkflowId(id)).terminate('by hand');
    await waitUntil(
      async () => /^herald_subscriptions_broken 1$/m.test((await s.api('GET', '/metrics')).text),
      20_000,
      'the listing finds it broken',
    );

    const healed = await s.api('POST', '/v1/changes', { key: 'publish', body: { changes: [change(3, 1)] } });
    assert.equal(healed.status, 202, JSON.stringify(healed.body));
    const shown = await s.api('GET', path, { key: 'admin' });
    assert.equal(shown.body.state, 'active');
    assert.equal(shown.body.pendingChanges, 3, 'restored with its pending changes, and the new one');

    const patched = await s.api('PATCH', path, {
      key: 'admin',
      body: { batching: { debounceMs: 100, maxWaitMs: 200 } },
    });
    assert.equal(patched.status, 200);
    await waitUntil(
      () => finalStateByKey(s.receiver.requests.map((r) => r.json)).size >= 3,
      20_000,
      'the three trainings at the receiver',
    );
    await waitUntil(
      () => {
        const mine = ops
          .events()
          .filter((c) => c.data.id === id)
          .map((c) => c.event);
        return mine.includes('subscription.broken') && mine.includes('subscription.restored');
      },
      20_000,
      'subscription.broken and subscription.restored at the ops receiver',
    );
    await waitUntil(
      async () => /^herald_subscriptions_broken 0$/m.test((await s.api('GET', '/metrics')).text),
      20_000,
      'the gauge back to 0',
    );
  });

  void it('DELETE of a broken subscription answers 204 and its id stops routing', async () => {
    const other = await startReceiver();
    try {
      const created = await s.api('POST', '/v1/subscriptions', {
        key: 'admin',
        body: {
          name: 'to delete',
          url: other.url,
          events: ['institute.update'],
          batching: { debounceMs: 100 },
        },
      });
      const id = created.body.id as string;
      assert.equal((await s.api('GET', `/v1/subscriptions/${id}`, { key: 'admin' })).status, 200);
      await s.t.client.workflow.getHandle(subscriptionWorkflowId(id)).terminate('by hand');
      const deleted = await s.api('DELETE', `/v1/subscriptions/${id}`, { key: 'admin' });
      assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
      assert.equal((await s.api('GET', `/v1/subscriptions/${id}`, { key: 'admin' })).status, 404);
      const published = await s.api('POST', '/v1/changes', {
        key: 'publish',
        body: { changes: [{ action: 'update', object: 'institute', id: 1 }] },
      });
      assert.equal(published.status, 202);
      assert.equal(published.body.subscriptions, 0, 'routed to nobody');
      await new Promise((r) => setTimeout(r, 1_000));
      assert.equal(other.requests.length, 0);
      const listed = await s.api('GET', '/v1/subscriptions', { key: 'admin' });
      assert.ok(!(listed.body.items as { id: string }[]).some((x) => x.id === id));
    } finally {
      await other.close();
    }
  });

  void it('one that cannot be restored still refuses changes (503); DELETE removes it (204)', async () => {
    // Started on a task queue no worker polls and closed before any workflow task completed:
    // there is nothing to reset to.
    const config = {
      ...subscriptionConfig(s.receiver.url, { events: ['person.category_added'] }),
      name: 'never ran',
    };
    const handle = await s.t.client.workflow.start('subscriptionWorkflow', {
      workflowId: subscriptionWorkflowId(config.id),
      taskQueue: 'nobody-polls-this',
      args: [{ config }],
      memo: { subscription: publicView(config, 'active') },
    });
    await handle.terminate('by hand');
    const body = { changes: [{ action: 'update', object: 'person', id: 1, event: 'person.category_added' }] };
    let refused = await s.api('POST', '/v1/changes', { key: 'publish', body });
    // Until the listing has it, the change reaches nobody (202); then it is refused.
    for (let i = 0; i < 40 && refused.status === 202; i++) {
      await new Promise((r) => setTimeout(r, 300));
      refused = await s.api('POST', '/v1/changes', { key: 'publish', body });
    }
    assert.equal(refused.status, 503, JSON.stringify(refused.body));
    assert.equal(refused.body.error, 'subscription_broken');
    const shown = await s.api('GET', `/v1/subscriptions/${config.id}`, { key: 'admin' });
    assert.equal(shown.body.state, 'broken');

    const deleted = await s.api('DELETE', `/v1/subscriptions/${config.id}`, { key: 'admin' });
    assert.equal(deleted.status, 204, JSON.stringify(deleted.body));
    // Not routed to from the answer on; Temporal removes the run in the background.
    const routed = await s.api('POST', '/v1/changes', { key: 'publish', body });
    assert.equal(routed.status, 202, JSON.stringify(routed.body));
    assert.equal(routed.body.subscriptions, 0);
    await waitUntil(
      async () => (await s.api('GET', `/v1/subscriptions/${config.id}`, { key: 'admin' })).status === 404,
      90_000,
      'the removed run unknown to Temporal',
    );
  });
});

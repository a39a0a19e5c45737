// Issue 13 §4: a subscription whose workflow is closed behind Herald's back (terminated in the
// Temporal UI) is broken, never deleted. Publishing to it answers 503 (nothing acknowledged
// that is not durable), GET shows `broken`, the metric counts it, and the restore action (the
// README's runbook: reset to the last workflow task) brings it back with its pending changes.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { subscriptionWorkflowId } from '../../core/ids';
import { finalStateByKey, waitUntil } from '../helpers/subscriptions';
import { startStack, type Stack } from '../helpers/stack';

const change = (id: number, v: number) => ({ action: 'update', object: 'training', id, data: { v } });

void describe('a broken subscription', { timeout: 120_000 }, () => {
  let s: Stack;
  before(async () => {
    s = await startStack();
  });
  after(async () => s?.close());

  void it('answers 503 to publishers, shows broken, and is restored with its pending changes', async () => {
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
    const other = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: { name: 'healthy', url: s.receiver.url, events: ['institute.update'] },
    });
    assert.equal(other.status, 201);

    const first = await s.api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [change(1, 1), change(2, 1)] },
    });
    assert.equal(first.status, 202);
    const before = await s.api('GET', path, { key: 'admin' });
    assert.equal(before.body.pendingChanges, 2);

    // An operator terminates the workflow in the Temporal UI.
    await s.t.client.workflow.getHandle(subscriptionWorkflowId(id)).terminate('by hand');

    const refused = await s.api('POST', '/v1/changes', { key: 'publish', body: { changes: [change(3, 1)] } });
    assert.equal(refused.status, 503);
    assert.equal(refused.body.error, 'subscription_broken');
    assert.match(refused.body.message as string, /restore/);
    // Changes no broken subscription wants still go through.
    const unaffected = await s.api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [{ action: 'update', object: 'institute', id: 9 }] },
    });
    assert.equal(unaffected.status, 202);

    const shown = await s.api('GET', path, { key: 'admin' });
    assert.equal(shown.status, 200);
    assert.equal(shown.body.state, 'broken');
    assert.equal(shown.body.pendingChanges, 2, 'the pending changes are still known');
    const listed = await s.api('GET', '/v1/subscriptions', { key: 'admin' });
    assert.equal(
      (listed.body.items as { id: string; state: string }[]).find((x) => x.id === id)?.state,
      'broken',
    );
    const metrics = await s.api('GET', '/metrics');
    assert.match(metrics.text, /^herald_subscriptions_broken 1$/m);
    // Changing it is refused until it is restored; publishing to it directly too.
    const paused = await s.api('POST', `${path}/pause`, { key: 'admin' });
    assert.equal(paused.status, 409);
    assert.equal(paused.body.error, 'subscription_broken');
    const direct = await s.api('POST', `${path}/changes`, {
      key: 'publish',
      body: { changes: [change(4, 1)] },
    });
    assert.equal(direct.status, 503);

    const restored = await s.api('POST', `${path}/restore`, { key: 'admin' });
    assert.equal(restored.status, 200, JSON.stringify(restored.body));
    assert.equal(restored.body.state, 'active');
    assert.equal(restored.body.pendingChanges, 2, 'restored with its pending changes');
    const again = await s.api('POST', `${path}/restore`, { key: 'admin' });
    assert.equal(again.status, 409, 'only a broken subscription can be restored');

    // The publisher's retry now succeeds, and everything arrives once the batch leaves.
    let retried = await s.api('POST', '/v1/changes', { key: 'publish', body: { changes: [change(3, 1)] } });
    for (let i = 0; i < 20 && retried.status !== 202; i++) {
      await new Promise((r) => setTimeout(r, 300));
      retried = await s.api('POST', '/v1/changes', { key: 'publish', body: { changes: [change(3, 1)] } });
    }
    assert.equal(retried.status, 202);
    const patched = await s.api('PATCH', path, {
      key: 'admin',
      body: { batching: { debounceMs: 100, maxWaitMs: 200 } },
    });
    assert.equal(patched.status, 200);
    await waitUntil(
      () => finalStateByKey(s.receiver.requests.map((r) => r.json)).size >= 4,
      20_000,
      'the three trainings and the institute at the receiver',
    );
    const finals = finalStateByKey(s.receiver.requests.map((r) => r.json));
    for (const n of [1, 2, 3]) assert.ok(finals.has(`training\u0000${n}`), `training ${n} delivered`);
    const metricsAfter = await s.api('GET', '/metrics');
    assert.match(metricsAfter.text, /^herald_subscriptions_broken 0$/m);
  });
});

// What an operator sees in the Temporal UI (issue 6): Herald's search attributes and the
// one-line current details on a running subscription, and a visibility query by event name.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Client } from '@temporalio/client';
import { subscriptionWorkflowId } from '../../core/ids';
import { startStack, type Stack } from '../helpers/stack';

/** Visibility is eventually consistent: poll with a bound. */
async function poll<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function listIds(client: Client, query: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const w of client.workflow.list({ query })) ids.push(w.workflowId);
  return ids;
}

void describe('Temporal UI visibility', () => {
  let s: Stack;
  before(async () => {
    s = await startStack();
  });
  after(async () => s?.close());

  void it('shows search attributes and current details, and finds the subscription by event name', async () => {
    s.receiver.setStatus(500); // the delivery stays in flight, so the details name it
    const created = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'Visible',
        url: s.receiver.url,
        events: ['training.update', 'training.destroy'],
        batching: { debounceMs: 100, maxWaitMs: 1000 },
        retry: { initialIntervalMs: 60_000, maximumAttempts: 3 },
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const workflowId = subscriptionWorkflowId(id);
    const handle = s.t.client.workflow.getHandle(workflowId);
    const changes = [{ action: 'update', object: 'training', id: 7 }];
    assert.equal((await s.api('POST', '/v1/changes', { key: 'publish', body: { changes } })).status, 202);
    await s.receiver.waitForRequests(1, 15_000);

    const t0 = Date.now();
    const desc = await poll('search attributes on describe', async () => {
      const d = await handle.describe();
      return d.searchAttributes.HeraldSubscriptionId ? d : undefined;
    });
    assert.equal(desc.status.name, 'RUNNING');
    assert.deepEqual(desc.searchAttributes.HeraldSubscriptionId, [id]);
    assert.deepEqual(desc.searchAttributes.HeraldState, ['active']);
    assert.deepEqual([...(desc.searchAttributes.HeraldEvents as string[])].sort(), [
      'training.destroy',
      'training.update',
    ]);
    assert.deepEqual(desc.searchAttributes.HeraldFailedDeliveries, [0]);
    // The typed view holds the same values.
    const typed = Object.fromEntries(desc.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
    assert.equal(typed.HeraldSubscriptionId, id);

    // Current details are what the UI shows; the SDK answers them through the built-in
    // __temporal_workflow_metadata query (describe() carries only the static summary/details).
    const details = await poll('current details naming the in-flight delivery', async () => {
      const meta = await handle.query<{ currentDetails?: string }>('__temporal_workflow_metadata');
      return meta.currentDetails?.includes('in flight') && !meta.currentDetails.includes('no delivery')
        ? meta.currentDetails
        : undefined;
    });
    assert.match(
      details,
      /^active; 0 pending change\(s\); delivery \S+ \(1 changes\) in flight; 0 delivered, 0 failed$/,
    );

    const found = await poll('visibility query by event name', async () => {
      const ids = await listIds(s.t.client, `HeraldEvents = 'training.update'`);
      return ids.includes(workflowId) ? ids : undefined;
    });
    assert.ok(found.includes(workflowId));
    const none = await listIds(
      s.t.client,
      `HeraldEvents = 'institute.update' AND HeraldSubscriptionId = '${id}'`,
    );
    assert.deepEqual(none, [], 'an event it does not take does not find it');
    console.log(`  describe + details + visibility query answered in ${Date.now() - t0} ms: ${details}`);

    // Pausing shows in the state attribute.
    assert.equal((await s.api('POST', `/v1/subscriptions/${id}/pause`, { key: 'admin' })).status, 200);
    await poll('HeraldState = paused in visibility', async () => {
      const ids = await listIds(s.t.client, `HeraldState = 'paused' AND HeraldSubscriptionId = '${id}'`);
      return ids.length === 1 ? ids : undefined;
    });
  });
});

// Recover in one call on the real Temporal dev server: every failed delivery of a range is put
// back, merged by key in delivery order, a change pending now wins, and the partner receives
// them once after resume; a range with no failure (or an empty one) takes nothing; a date that
// is not ISO-8601 is a 400.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type Stack } from '../helpers/stack';
import { update, waitUntil } from '../helpers/subscriptions';

void describe('recover', { timeout: 120_000 }, () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    await stack?.close();
  });

  void it('re-sends every failed delivery of the range once, newest change per key winning', async () => {
    const { receiver } = stack;
    receiver.setStatus(500);
    const created = await stack.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'Recovered partner',
        url: receiver.url,
        events: ['training.update'],
        batching: { debounceMs: 0, maxWaitMs: 0 },
        retry: { initialIntervalMs: 100, maximumAttempts: 2 },
      },
    });
    assert.equal(created.status, 201, created.text);
    const id = created.body.id as string;
    const api = (method: string, path: string, body?: unknown) =>
      stack.api(method, `/v1/subscriptions/${id}${path}`, { key: 'admin', body });
    const failedCount = async () =>
      ((await api('GET', '/deliveries')).body.items as { status: string }[]).filter(
        (d) => d.status === 'failed',
      ).length;
    const publishAndFail = async (n: number, ...changes: unknown[]) => {
      const r = await stack.api('POST', '/v1/changes', { key: 'publish', body: { changes } });
      assert.equal(r.status, 202, r.text);
      await waitUntil(async () => (await failedCount()) === n, 30_000, `${n} failed deliveries`);
    };

    const since = new Date().toISOString();
    await publishAndFail(1, update('training', 1, 1));
    await publishAndFail(2, update('training', 2, 1), update('training', 1, 2));
    await publishAndFail(3, update('training', 3, 1));
    const before = receiver.requests.length;

    // Held while the recovery is assembled; key 3 has a newer change pending by then.
    assert.equal((await api('POST', '/pause')).status, 200);
    receiver.setStatus(200);
    const r = await stack.api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [update('training', 3, 2)] },
    });
    assert.equal(r.status, 202, r.text);

    const none = await api('POST', '/recover', { since: '2020-01-01T00:00:00Z', until: since });
    assert.equal(none.status, 202, none.text);
    assert.equal(none.body.deliveries, 0);
    const inverted = await api('POST', '/recover', { since, until: '2020-01-01T00:00:00Z' });
    assert.equal(inverted.status, 202, inverted.text);
    assert.equal(inverted.body.deliveries, 0, 'an empty range takes nothing');
    const bad = await api('POST', '/recover', { since: 'yesterday' });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error, 'validation_error');

    const recovered = await api('POST', '/recover', { since });
    assert.equal(recovered.status, 202, recovered.text);
    assert.deepEqual(
      [
        recovered.body.deliveries,
        recovered.body.changes,
        recovered.body.unavailable,
        recovered.body.pendingChanges,
      ],
      [3, 4, 0, 3],
    );

    assert.equal((await api('POST', '/resume')).status, 200);
    await receiver.waitForRequests(before + 1, 30_000);
    await new Promise((res) => setTimeout(res, 1_000));
    const sent = receiver.requests
      .slice(before)
      .flatMap((q) => (q.json as { changes: { id: number; data: unknown }[] }).changes);
    assert.deepEqual(
      sent.map((c) => [c.id, c.data]),
      [
        [1, { v: 2 }],
        [2, { v: 1 }],
        [3, { v: 2 }],
      ],
      'each key once, in delivery order, the newest change winning',
    );
  });
});

// A partner that is gone or keeps failing is disabled, with notice: a 410 disables at once,
// failing past delivery.disableAfterMs disables mid-retry, an operations subscription receives
// the signed operational events, and changes published meanwhile are held and arrive after
// resume. All on the real dev server, with real receivers on 127.0.0.1.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { metricSample } from '../helpers/metrics';
import { startOpsSubscription, type OpsSubscription } from '../helpers/ops-subscription';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { finalStateByKey, waitUntil } from '../helpers/subscriptions';
import { startStack, type Json, type Stack } from '../helpers/stack';

const change = (id: number, v: number) => ({ action: 'update', object: 'training', id, data: { v } });
void describe('disabling a failing subscription', { timeout: 180_000 }, () => {
  let s: Stack;
  let ops: OpsSubscription;
  before(async () => {
    s = await startStack();
    ops = await startOpsSubscription(s, ['subscription.disabled', 'subscription.enabled', 'delivery.failed']);
    // A "*" subscription does not get operational events.
    const star = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: { name: 'everything', url: s.receiver.url, events: ['*'], batching: { debounceMs: 100 } },
    });
    assert.equal(star.status, 201);
  });
  after(async () => {
    await ops?.close();
    await s?.close();
  });

  /** The subscription's GET once it shows `disabled`. */
  const untilDisabled = async (path: string, what: string): Promise<Json> => {
    let shown: Json = {};
    await waitUntil(
      async () => (shown = (await s.api('GET', path, { key: 'admin' })).body).state === 'disabled',
      20_000,
      what,
    );
    return shown;
  };

  /** herald_subscriptions_disabled, as the API's routing listing counts them. */
  const untilDisabledGauge = (n: number) =>
    waitUntil(
      async () => metricSample((await s.api('GET', '/metrics')).text, 'herald_subscriptions_disabled') === n,
      20_000,
      `herald_subscriptions_disabled ${n}`,
    );

  const partner = async (receiver: Receiver, events: string[], extra: Json = {}) => {
    const created = await s.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: 'partner',
        url: receiver.url,
        events,
        batching: { debounceMs: 100, maxWaitMs: 500 },
        retry: { initialIntervalMs: 500, timeoutMs: 2_000 },
        ...extra,
      },
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    return created.body.id as string;
  };

  void it('disables at once on 410, tells the ops subscription, holds changes and sends them on resume', async () => {
    const gone = await startReceiver({ status: 410 });
    try {
      const id = await partner(gone, ['training.update']);
      const path = `/v1/subscriptions/${id}`;
      assert.equal(
        (await s.api('POST', '/v1/changes', { key: 'publish', body: { changes: [change(1, 1)] } })).status,
        202,
      );
      const shown = await untilDisabled(path, 'disabled after the 410');
      assert.equal(shown.disabledReason, 'gone');
      assert.equal(shown.lastStatusCode, 410);
      assert.ok(Date.parse(shown.disabledAt as string) > 0);
      assert.equal(gone.requests.length, 1, 'a 410 is not retried');
      assert.equal(shown.pendingChanges, 1, "the 410'd batch is held");
      await untilDisabledGauge(1);

      await waitUntil(
        () => ops.events().some((c) => c.event === 'subscription.disabled' && c.data.id === id),
        20_000,
        'subscription.disabled at the ops receiver',
      );
      const notice = ops.events().find((c) => c.data.id === id)!;
      assert.deepEqual(
        { ...notice.data, at: undefined },
        { id, name: 'partner', reason: 'gone', lastStatusCode: 410, at: undefined },
      );
      assert.ok(
        !s.receiver.requests.some((r) => JSON.stringify(r.json).includes('subscription.disabled')),
        'a "*" subscription does not receive operational events',
      );

      // Published while disabled: merged and held.
      const held = await s.api('POST', '/v1/changes', {
        key: 'publish',
        body: { changes: [change(1, 2), change(2, 1)] },
      });
      assert.equal(held.status, 202);
      await new Promise((r) => setTimeout(r, 1_500));
      assert.equal(gone.requests.length, 1, 'nothing is sent while disabled');
      assert.equal((await s.api('GET', path, { key: 'admin' })).body.pendingChanges, 2);

      gone.setStatus(200);
      const resumed = await s.api('POST', `${path}/resume`, { key: 'admin' });
      assert.equal(resumed.status, 200);
      assert.equal(resumed.body.state, 'active');
      assert.equal(resumed.body.disabledReason, undefined);
      await untilDisabledGauge(0);
      await waitUntil(
        () => finalStateByKey(gone.requests.slice(1).map((r) => r.json)).size >= 2,
        20_000,
        'held changes',
      );
      const finals = finalStateByKey(gone.requests.slice(1).map((r) => r.json));
      assert.deepEqual(finals.get('training\u00001')?.data, { v: 2 }, 'the newer change won');
      await waitUntil(
        () => ops.events().some((c) => c.event === 'subscription.enabled' && c.data.id === id),
        20_000,
        'subscription.enabled at the ops receiver',
      );
    } finally {
      await gone.close();
    }
  });

  void it('disables a subscription failing past a short disableAfterMs, mid-retry', async () => {
    const failing = await startReceiver({ status: 500 });
    try {
      const id = await partner(failing, ['institute.update'], { delivery: { disableAfterMs: 3_000 } });
      const path = `/v1/subscriptions/${id}`;
      const created = await s.api('GET', path, { key: 'admin' });
      assert.deepEqual(created.body.delivery, { disableAfterMs: 3_000 });
      const body = { changes: [{ action: 'update', object: 'institute', id: 7 }] };
      assert.equal((await s.api('POST', '/v1/changes', { key: 'publish', body })).status, 202);
      const shown = await untilDisabled(path, 'disabled after failing for 3 s');
      assert.equal(shown.disabledReason, 'failing');
      assert.equal(shown.lastStatusCode, 500);
      assert.equal(shown.inFlight, null, 'the retrying delivery was stopped');
      assert.equal(shown.pendingChanges, 1, 'its changes are held');
      const attempts = failing.requests.length;
      assert.ok(attempts >= 2 && attempts < 13, `stopped mid-retry after ${attempts} attempts`);
      await new Promise((r) => setTimeout(r, 3_000));
      assert.equal(failing.requests.length, attempts, 'no attempt after it was disabled');
      await waitUntil(
        () =>
          ops
            .events()
            .some(
              (c) => c.event === 'subscription.disabled' && c.data.id === id && c.data.reason === 'failing',
            ),
        20_000,
        'subscription.disabled (failing) at the ops receiver',
      );

      failing.setStatus(200);
      assert.equal((await s.api('POST', `${path}/resume`, { key: 'admin' })).status, 200);
      await waitUntil(() => failing.requests.length > attempts, 20_000, 'sent again after resume');
      const last = failing.requests.at(-1)!.json as { changes: { id: number }[] };
      assert.deepEqual(
        last.changes.map((c) => c.id),
        [7],
      );
    } finally {
      await failing.close();
    }
  });
});

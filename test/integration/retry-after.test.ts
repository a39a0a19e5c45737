// A partner's Retry-After on the real Temporal dev server: a 429/503 asking for more time than
// the schedule gives moves the next attempt (the fast path's hand-over and the delivery child's
// activity alike), an HTTP date counts too, and maxRetryAfterMs 0 keeps the schedule.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { startStack, type Stack } from '../helpers/stack';
import { waitUntil } from '../helpers/subscriptions';

void describe('Retry-After', { timeout: 120_000 }, () => {
  let stack: Stack;
  const receivers: Receiver[] = [];

  before(async () => {
    stack = await startStack();
  });
  after(async () => {
    for (const r of receivers) await r.close();
    await stack?.close();
  });

  /** A receiver that answers its first `failures` requests with 429 and `retryAfter()`, then 200. */
  async function partner(failures: number, retryAfter: () => string, maxRetryAfterMs?: number) {
    const receiver = await startReceiver();
    receivers.push(receiver);
    receiver.setHandler((_req, res, n) => {
      if (n > failures) return res.writeHead(200).end();
      res.writeHead(429, { 'retry-after': retryAfter() }).end();
    });
    const created = await stack.api('POST', '/v1/subscriptions', {
      key: 'admin',
      body: {
        name: `Retry-After ${receivers.length}`,
        url: receiver.url,
        events: ['training.update'],
        batching: { debounceMs: 0, maxWaitMs: 0 },
        retry: {
          initialIntervalMs: 500,
          maximumAttempts: 5,
          ...(maxRetryAfterMs === undefined ? {} : { maxRetryAfterMs }),
        },
      },
    });
    assert.equal(created.status, 201, created.text);
    return { receiver, id: created.body.id as string };
  }
  const gaps = (r: Receiver) => r.requests.slice(1).map((q, i) => q.at - r.requests[i]!.at);

  void it('waits as long as the partner asks, within the cap; 0 turns it off', async () => {
    const seconds = await partner(2, () => '3');
    // Whole seconds from now, at least 4 s ahead when the answer leaves.
    const date = await partner(1, () => new Date(Math.ceil((Date.now() + 4000) / 1000) * 1000).toUTCString());
    const off = await partner(1, () => '10', 0);

    const published = await stack.api('POST', '/v1/changes', {
      key: 'publish',
      body: { changes: [{ action: 'update', object: 'training', id: 7 }] },
    });
    assert.equal(published.status, 202, published.text);
    await Promise.all([
      seconds.receiver.waitForRequests(3, 60_000),
      date.receiver.waitForRequests(2, 60_000),
      off.receiver.waitForRequests(2, 60_000),
    ]);

    // Attempt 1 → 2 is the fast path's hand-over; 2 → 3 the delivery child's activity.
    for (const gap of gaps(seconds.receiver))
      assert.ok(gap >= 3000, `seconds: gaps ${gaps(seconds.receiver)}`);
    assert.ok(gaps(date.receiver)[0]! >= 3500, `date: gaps ${gaps(date.receiver)}`);
    // The schedule's 500 ms, not the 10 s asked for (generous for a loaded machine).
    assert.ok(gaps(off.receiver)[0]! < 8000, `off: gaps ${gaps(off.receiver)}`);

    // The attempt log says which wait was honoured.
    let attempts: { attempt: number; statusCode?: number; retryAfterMs?: number }[] = [];
    await waitUntil(async () => {
      const list = await stack.api('GET', `/v1/subscriptions/${seconds.id}/deliveries`, { key: 'admin' });
      attempts = list.body.items?.[0]?.attempts ?? [];
      return list.body.items?.[0]?.status === 'delivered';
    }, 30_000);
    assert.deepEqual(
      attempts.map((a) => [a.attempt, a.statusCode, a.retryAfterMs]),
      [
        [1, 429, 3000],
        [2, 429, 3000],
        [3, 200, undefined],
      ],
    );
    const offLog = await stack.api('GET', `/v1/subscriptions/${off.id}/deliveries`, { key: 'admin' });
    assert.equal(offLog.body.items[0].attempts[0].retryAfterMs, undefined);
  });
});

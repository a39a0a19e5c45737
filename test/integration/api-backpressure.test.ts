// Backpressure against a real Temporal server: with a tiny per-subscription bound, a burst of
// concurrent requests gets some 503 subscription_busy answers with Retry-After. Nothing of a
// refused request reaches any subscription; everything answered 202 reaches both.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { isDeliveryOf } from '../../core/ids';
import type { Change } from '../../core/types';
import { TEST_ADMIN_KEY, TEST_PUBLISH_KEY } from '../helpers/config';
import { waitUntil } from '../helpers/subscriptions';
import { startStack, type Stack } from '../helpers/stack';

const REQUESTS = 30;
const PER_REQUEST = 20;

void describe('backpressure per subscription (dev server)', () => {
  let stack: Stack;
  before(async () => {
    stack = await startStack({
      config: { subscriptionMaxBytesPerSec: 64 * 1024, subscriptionMaxQueueMs: 200 },
    });
  });
  after(async () => {
    await stack?.close();
  });

  const post = (path: string, key: string, body: unknown) =>
    fetch(stack.server.url + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  void it('refuses what comes too fast, whole, with Retry-After; loses nothing it accepted', async () => {
    const ids: string[] = [];
    for (const name of ['first', 'second']) {
      const res = await post('/v1/subscriptions', TEST_ADMIN_KEY, {
        name,
        url: stack.receiver.url,
        events: ['training.update'],
        batching: { debounceMs: 100, maxWaitMs: 500 },
      });
      assert.equal(res.status, 201);
      ids.push(((await res.json()) as { id: string }).id);
    }
    // ~1 KB per change, 20 KB per request: the bound lets ~13 KB wait, so most are refused.
    const answers = await Promise.all(
      Array.from({ length: REQUESTS }, async (_, r) => {
        const changes = Array.from({ length: PER_REQUEST }, (_, i) => ({
          action: 'update',
          object: 'training',
          id: r * PER_REQUEST + i + 1,
          data: { pad: 'x'.repeat(1000) },
        }));
        const res = await post('/v1/changes', TEST_PUBLISH_KEY, { changes });
        const body = (await res.json()) as { error?: string };
        return { r, status: res.status, error: body.error, retryAfter: res.headers.get('retry-after') };
      }),
    );
    const accepted = answers.filter((a) => a.status === 202).map((a) => a.r);
    const refused = answers.filter((a) => a.status !== 202);
    assert.ok(accepted.length >= 1 && refused.length >= 1, `${accepted.length} accepted`);
    for (const a of refused) {
      assert.equal(a.status, 503);
      assert.equal(a.error, 'subscription_busy');
      assert.ok(Number(a.retryAfter) >= 1, `Retry-After ${a.retryAfter}`);
    }
    const text = await stack.metrics.registry.metrics();
    assert.match(text, new RegExp(`herald_changes_refused_busy_total ${refused.length * PER_REQUEST}\\b`));

    // Every accepted key at both subscriptions; no key of a refused request at either.
    const want = new Set(
      accepted.flatMap((r) => Array.from({ length: PER_REQUEST }, (_, i) => r * PER_REQUEST + i + 1)),
    );
    const got = () => {
      const per = new Map<string, Set<number>>(ids.map((id) => [id, new Set<number>()]));
      for (const req of stack.receiver.requests) {
        const sub = ids.find((id) => isDeliveryOf(String(req.headers['webhook-id']), id))!;
        for (const c of (req.json as { changes: Change[] }).changes) per.get(sub)!.add(Number(c.id));
      }
      return per;
    };
    await waitUntil(
      () => [...got().values()].every((s) => s.size >= want.size),
      30_000,
      'accepted delivered',
    );
    for (const [id, keys] of got())
      assert.deepEqual(
        [...keys].sort((a, b) => a - b),
        [...want].sort((a, b) => a - b),
        id,
      );
    console.log(
      `backpressure: ${accepted.length} of ${REQUESTS} requests accepted, ${refused.length} refused busy`,
    );
  });
});

// Backpressure from the workflow's side, against a real Temporal server: with no worker running,
// a subscription's history would take every change signalled to it, for the first task of the
// next worker to take in at once. Once more than HERALD_SUBSCRIPTION_MAX_LAG_MS worth of its byte
// rate waits untaken behind its pending workflow task, its changes are refused (503
// subscription_busy); once a worker runs again they are taken, and every change answered 202
// reaches the partner.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Change } from '../../core/types';
import { waitUntil } from '../helpers/subscriptions';
import { startStack, type Stack } from '../helpers/stack';

const MAX_LAG_MS = 1_000;
const RATE = 1024 * 1024; // HERALD_SUBSCRIPTION_MAX_BYTES_PER_SEC, the default
const PER_REQUEST = 10;
const PAD = 10_000; // ~100 KB a request
const MAX_REQUESTS = 80; // ~8 MB: what would be taken without the guard

// The same through the ingest inbox (issue 27): there the inbox workflow is what has no worker.
for (const mode of ['direct', 'inbox'] as const)
  void describe(`backpressure from the workflow (${mode}): a subscription without a worker is not filled up`, () => {
    let stack: Stack;
    before(async () => {
      stack = await startStack({
        worker: false,
        config: { subscriptionMaxLagMs: MAX_LAG_MS, ingest: { mode, shards: 1, intervalMs: 0 } },
      });
    });
    after(async () => {
      await stack?.close();
    });

    const request = (r: number) => ({
      changes: Array.from({ length: PER_REQUEST }, (_, i) => ({
        action: 'update',
        object: 'training',
        id: r * PER_REQUEST + i + 1,
        data: { r, pad: 'x'.repeat(PAD) },
      })),
    });
    const metric = async (name: string) =>
      Number(new RegExp(`^${name} (\\d+)`, 'm').exec(await stack.metrics.registry.metrics())?.[1]);

    void it('refuses once what its workflow has not taken passes the bound, takes changes again with a worker', async () => {
      const first = await stack.t.startWorker();
      const created = await stack.api('POST', '/v1/subscriptions', {
        key: 'admin',
        body: {
          name: 'lag',
          url: stack.receiver.url,
          events: ['training.update'],
          batching: { debounceMs: 100, maxWaitMs: 500 },
        },
      });
      assert.equal(created.status, 201);
      const accepted: number[] = [];
      const publish = (r: number) => stack.api('POST', '/v1/changes', { key: 'publish', body: request(r) });
      assert.equal((await publish(0)).status, 202);
      accepted.push(0);
      await waitUntil(() => stack.receiver.requests.length >= 1, 15_000, 'the first batch');

      await first.shutdown();
      let r = 1;
      let refused: Awaited<ReturnType<typeof publish>> | undefined;
      let bytesWhileDown = 0;
      for (; r <= MAX_REQUESTS && !refused; r++) {
        const res = await publish(r);
        if (res.status === 202) {
          accepted.push(r);
          bytesWhileDown += JSON.stringify(request(r).changes).length;
        } else refused = res;
      }
      assert.ok(refused, `all ${MAX_REQUESTS} requests (${bytesWhileDown} bytes) taken with no worker`);
      assert.equal(refused.status, 503);
      assert.equal(refused.body.error, 'subscription_busy');
      // Through the inbox nothing holds a publisher back, so the per-subscription schedule (5 s of
      // its rate) may refuse before the lag guard's next look at the inbox does.
      assert.match(refused.body.message as string, mode === 'direct' ? /worker/ : /worker|faster/);
      assert.ok(Number(refused.headers.get('retry-after')) >= 1);
      // Taken with no worker: at most the bound (MAX_LAG_MS of the lane's rate), plus the bytes
      // between two looks (a second's worth each) and one look's own time.
      const bound = mode === 'direct' ? (MAX_LAG_MS / 1000) * RATE + 3 * RATE : 6 * RATE;
      assert.ok(bytesWhileDown <= bound, `${bytesWhileDown} bytes taken with no worker (bound ${bound})`);
      if (mode === 'direct') assert.equal(await metric('herald_subscriptions_behind'), 1);
      console.log(
        `lag guard (${mode}): ${accepted.length - 1} requests (${Math.round(bytesWhileDown / 1024)} KB) taken with no worker, then 503`,
      );

      await stack.t.startWorker(); // stopped by the stack's teardown
      const deadline = Date.now() + 30_000;
      let back = false;
      while (!back && Date.now() < deadline) {
        const res = await publish(r);
        back = res.status === 202;
        if (back) accepted.push(r);
        else await new Promise((ok) => setTimeout(ok, 250));
      }
      assert.ok(back, 'changes taken again within 30 s of the worker coming back');
      // The gauge is what the last look found. Right after the restart, the inbox's first task
      // takes in everything it was sent meanwhile, and a look during it can find it behind again
      // for a moment: the gauge returns to 0 once the worker has caught up.
      const caughtUp = Date.now();
      await waitUntil(
        async () => (await metric('herald_subscriptions_behind')) === 0,
        15_000,
        'no subscription or inbox behind once the worker has caught up',
      );
      console.log(`lag guard (${mode}): behind gauge at 0 ${Date.now() - caughtUp} ms after the first 202`);

      // Every accepted request's changes reach the partner; none of a refused one does.
      const want = new Set(
        accepted.flatMap((a) => Array.from({ length: PER_REQUEST }, (_, i) => a * PER_REQUEST + i + 1)),
      );
      const got = () => {
        const ids = new Set<number>();
        for (const req of stack.receiver.requests)
          for (const c of (req.json as { changes: Change[] }).changes) ids.add(Number(c.id));
        return ids;
      };
      await waitUntil(
        () => [...want].every((id) => got().has(id)),
        60_000,
        'every accepted change delivered',
      );
      assert.equal(got().size, want.size, 'nothing of a refused request was delivered');
    });
  });

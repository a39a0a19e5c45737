// Continue-as-new under load: the server suggests it every ~30 events; 5,000 changes over 1,000
// keys in 500 signals, with deliveries in flight throughout, must all converge. At 40 a loaded CI
// machine saw only 9 runs (signals pile into one task); 30 gives ~25 here, a margin over the 10.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startTemporal, type TemporalHarness } from '../helpers/temporal';
import { startReceiver, type Receiver } from '../helpers/receiver';
import { finalStateByKey, startSubscription, subscriptionConfig, waitUntil } from '../helpers/subscriptions';
import { changesSignal, statusQuery } from '../../workflows/messages';
import { changeKey } from '../../core/merge';
import type { Action, Change, PublicSubscription } from '../../core/types';
import { TemporalCalls } from '../../src/temporal/calls';
import { SubscriptionGateway } from '../../src/temporal/subscription-gateway';

describe('continue-as-new (dev server, suggestContinueAsNew=30)', () => {
  let t: TemporalHarness;
  let receiver: Receiver;
  before(async () => {
    t = await startTemporal({
      extraArgs: ['--dynamic-config-value', 'limit.historyCount.suggestContinueAsNew=30'],
    });
    await t.startWorker();
    receiver = await startReceiver();
    receiver.setDelayMs(30);
  });
  after(async () => {
    await receiver?.close();
    await t?.teardown();
  });

  it('loses and duplicates nothing across at least 10 continue-as-new', { timeout: 180_000 }, async () => {
    const cfg = subscriptionConfig(receiver.url, {
      batching: { debounceMs: 50, maxWaitMs: 200, maxBatchSize: 100 },
    });
    const h = await startSubscription(t.client, t.taskQueue, cfg);
    const actions = fc.sample(fc.constantFrom<Action>('update', 'update', 'update', 'import', 'destroy'), {
      numRuns: 5_000,
      seed: 42,
    });
    const sent: Change[] = actions.map((action, i) => ({
      action,
      object: 'training',
      id: (i * 7) % 1_000,
      ...(action === 'destroy' ? {} : { data: { v: i } }),
    }));
    for (let s = 0; s < 500; s++) await h.signal(changesSignal, { changes: sent.slice(s * 10, s * 10 + 10) });

    const last = new Map(sent.map((c) => [changeKey(c), c] as const));
    const converged = () => {
      const got = finalStateByKey(receiver.requests.map((r) => r.json));
      if (got.size < last.size) return false;
      return [...last].every(([k, c]) => {
        const g = got.get(k);
        return (
          g !== undefined &&
          (g.action === 'destroy') === (c.action === 'destroy') &&
          JSON.stringify(g.data) === JSON.stringify(c.data)
        );
      });
    };
    await waitUntil(converged, 120_000, 'every key in its final state');
    const status = await h.query(statusQuery);
    console.log(`continued as new ${status.counters.continuedAsNew} times`);
    assert.equal(status.counters.changesReceived, 5_000, 'every change reached pending exactly once');
    assert.ok(
      status.counters.continuedAsNew >= 10,
      `continued as new ${status.counters.continuedAsNew} times`,
    );
    const delivered = receiver.requests.reduce(
      (n, r) => n + (r.json as { changes: unknown[] }).changes.length,
      0,
    );
    assert.ok(delivered <= 5_000, `merging never adds changes (${delivered} delivered)`);
    // Each delivery id was POSTed once: the receiver always answered 200.
    const ids = receiver.requests.map((r) => r.headers['webhook-id']);
    assert.equal(new Set(ids).size, ids.length);

    // What the API's routing table reads of it: listed as running, among the subscriptions
    // continued as new lately (what completes a first listing), and running when asked directly.
    const gateway = new SubscriptionGateway(new TemporalCalls(t.client, 10_000), t.taskQueue);
    const has = (subs: PublicSubscription[]) => subs.some((s) => s.id === cfg.id);
    await waitUntil(async () => has(await gateway.list()), 10_000, 'listed as running');
    await waitUntil(
      async () => has(await gateway.recentlyContinued(300_000)),
      10_000,
      'listed among the recently continued',
    );
    assert.equal(has(await gateway.recentlyContinued(1)), false, 'not continued in the last millisecond');
    assert.equal(await gateway.runStatus(cfg.id), 'running');
    assert.equal(await gateway.runStatus('sub_neverexisted'), 'deleted', 'gone from Temporal: deleted');
  });
});

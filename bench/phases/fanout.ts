// Fan-out (issue 14): N subscriptions (all matching) each get the same changes, published in
// requests of 100 at the ingest concurrency. Measured: from the first request until every
// partner has every change, deliveries (POSTs) per second, and the engine's history events per
// delivered batch, counted from the histories afterwards.
import { change } from '../api';
import { FinalState, type BenchContext } from '../context';
import { round, runPool, waitFor } from '../pool';
import { INGEST_CONCURRENCY } from './ingest';
import { eventsPerBatch } from '../histories';

const PER_REQUEST = 100;

export interface FanoutResult {
  subscriptions: number;
  changes: number;
  publishSeconds: number;
  /** First request → the last partner has every change. */
  allDeliveredSeconds: number;
  deliveries: number;
  deliveriesPerSecond: number;
  eventsPerBatch: number;
}

export async function measureFanout(
  ctx: BenchContext,
  subscriptions: number,
  total: number,
): Promise<FanoutResult> {
  const prefix = `fan${subscriptions}-`;
  const tags = Array.from({ length: subscriptions }, (_, i) => `${prefix}${i}`);
  const ids = await ctx.api.createSubscriptions(subscriptions, (i) => ({
    url: ctx.receiver.urlFor(tags[i]!),
    // Debounce 0: a batch leaves as soon as it can; bundling comes from the one-in-flight rule.
    batching: { debounceMs: 0, maxWaitMs: 0, maxBatchSize: 1000 },
  }));
  const state = new FinalState();
  ctx.receiver.listen((tag, changes) => {
    if (tag.startsWith(prefix)) state.record(tag, changes);
  });
  const bodies = Array.from({ length: total / PER_REQUEST }, (_, r) =>
    JSON.stringify({
      changes: Array.from({ length: PER_REQUEST }, (_, j) => change(`f${r * PER_REQUEST + j}`, r)),
    }),
  );
  const expected = new Map<string, number>();
  bodies.forEach((_, r) => {
    for (let j = 0; j < PER_REQUEST; j++) expected.set(`f${r * PER_REQUEST + j}`, r);
  });
  for (const t of tags) state.expect(t, expected);
  const postsOf = () => tags.reduce((n, t) => n + (ctx.receiver.posts.get(t)?.length ?? 0), 0);
  try {
    const start = Date.now();
    await runPool(
      INGEST_CONCURRENCY,
      (r) => r < bodies.length,
      async (r) => void (await ctx.api.publishRaw(bodies[r]!)),
    );
    const published = Date.now();
    await waitFor(() => state.complete(tags, expected), 300_000, 'every partner has every change').catch(
      () => {
        throw new Error(`lost changes: ${state.missing(tags, expected)} never arrived`);
      },
    );
    const done = Date.now();
    const deliveries = postsOf();
    return {
      subscriptions,
      changes: total,
      publishSeconds: round((published - start) / 1000, 1),
      allDeliveredSeconds: round((done - start) / 1000, 1),
      deliveries,
      deliveriesPerSecond: round((deliveries * 1000) / (done - start)),
      eventsPerBatch: round(await eventsPerBatch(ctx, ids, deliveries), 1),
    };
  } finally {
    ctx.receiver.listen(null);
    await ctx.api.deleteSubscriptions(ids.filter(Boolean));
  }
}

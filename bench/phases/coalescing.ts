// Phase 4, coalescing: 100,000 changes (quick: 10,000) over 1,000 keys into 10 subscriptions
// with the default batching (debounce 2 s, maxWait 10 s, 500 keys a batch), published as fast
// as the API takes them. Reported: changes and POSTs each subscription received. The last
// round of 1,000 changes (one per key) is sent in order after the rest, so each key's final
// value is known and its arrival proves that nothing was lost.
import { change } from '../api';
import { FinalState, type BenchContext } from '../context';
import { round, runPool, waitFor } from '../pool';
import { INGEST_CONCURRENCY } from './ingest';

const SUBSCRIPTIONS = 10;
const KEYS = 1000;
const PER_REQUEST = 100;

export interface CoalescingResult {
  changes: number;
  keys: number;
  subscriptions: number;
  publishSeconds: number;
  drainSeconds: number;
  deliveredPerSubscription: number;
  postsPerSubscription: number;
  coalescingFactor: number;
}

export async function measureCoalescing(ctx: BenchContext): Promise<CoalescingResult> {
  const total = ctx.quick ? 10_000 : 100_000;
  const tags = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `coalesce-${i}`);
  const ids = await ctx.api.createSubscriptions(SUBSCRIPTIONS, (i) => ({
    url: ctx.receiver.urlFor(tags[i]!),
    batching: { debounceMs: 2_000, maxWaitMs: 10_000, maxBatchSize: 500 },
  }));
  const state = new FinalState();
  ctx.receiver.listen((tag, changes) => {
    if (tag.startsWith('coalesce-')) state.record(tag, changes);
  });
  const body = (r: number) =>
    JSON.stringify({
      changes: Array.from({ length: PER_REQUEST }, (_, j) => {
        const i = r * PER_REQUEST + j;
        return change(`c${i % KEYS}`, i);
      }),
    });
  try {
    const requests = total / PER_REQUEST;
    const lastRound = KEYS / PER_REQUEST;
    const start = Date.now();
    await runPool(
      INGEST_CONCURRENCY,
      (r) => r < requests - lastRound,
      async (r) => void (await ctx.api.publishRaw(body(r))),
    );
    for (let r = requests - lastRound; r < requests; r++) await ctx.api.publishRaw(body(r));
    const published = Date.now();
    const expected = new Map<string, number>();
    for (let i = total - KEYS; i < total; i++) expected.set(`c${i % KEYS}`, i);
    for (const t of tags) state.expect(t, expected);
    await waitFor(() => state.complete(tags, expected), 120_000, 'coalesced final states').catch(() => {
      throw new Error(
        `lost changes: ${state.missing(tags, expected)} key(s) never reached their final state`,
      );
    });
    const drained = Date.now();
    const delivered = tags.map((t) => state.delivered.get(t) ?? 0);
    const posts = tags.map((t) => ctx.receiver.posts.get(t)?.length ?? 0);
    const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    return {
      changes: total,
      keys: KEYS,
      subscriptions: SUBSCRIPTIONS,
      publishSeconds: round((published - start) / 1000, 1),
      drainSeconds: round((drained - published) / 1000, 1),
      deliveredPerSubscription: round(avg(delivered)),
      postsPerSubscription: round(avg(posts), 1),
      coalescingFactor: round(total / avg(delivered), 1),
    };
  } finally {
    ctx.receiver.listen(null);
    await ctx.api.deleteSubscriptions(ids.filter(Boolean));
  }
}

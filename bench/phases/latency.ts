// Phase 3, added latency: a steady 500 changes/s into 10 subscriptions with debounceMs = 200.
// The load is one 250-change request every 500 ms, so the quiet window after each request
// (500 ms) is longer than the debounce and every request leaves as its own batch: for each
// delivered change, receipt − the 202 of the request that carried it − 200 ms is what Herald
// and Temporal add on top of the debounce window. Keys are unique, so each change has one receipt.
import { change } from '../api';
import { cpuMeter, type CpuSplit } from '../cpu';
import type { BenchContext } from '../context';
import { percentile, round, sleep, waitFor } from '../pool';

const SUBSCRIPTIONS = 10;
const DEBOUNCE_MS = 200;
const PERIOD_MS = 500;
const PER_REQUEST = 250;

export interface LatencyResult {
  changesPerSecond: number;
  subscriptions: number;
  debounceMs: number;
  seconds: number;
  receipts: number;
  batches: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Receipt − the publisher's send − debounce (the request's own round trip included). */
  fromSend: { p50Ms: number; p99Ms: number };
  /** The same path with almost no load: single changes, one at a time. */
  unloadedP50Ms: number;
  unloadedMaxMs: number;
  cpu: CpuSplit;
}

export async function measureLatency(ctx: BenchContext): Promise<LatencyResult> {
  const seconds = ctx.quick ? 5 : 20;
  const requests = (seconds * 1000) / PERIOD_MS;
  const tags = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `latency-${i}`);
  const ids = await ctx.api.createSubscriptions(SUBSCRIPTIONS, (i) => ({
    url: ctx.receiver.urlFor(tags[i]!),
    batching: { debounceMs: DEBOUNCE_MS, maxWaitMs: 5_000, maxBatchSize: 1000 },
  }));
  const acceptedAt: number[] = [];
  // Receipt times per request index, filled by the receiver; resolved against acceptedAt at the end.
  const receipts: { req: number; at: number }[] = [];
  ctx.receiver.listen((tag, changes, at) => {
    if (!tag.startsWith('latency-')) return;
    for (const c of changes) receipts.push({ req: Number(String(c.id).split('-')[0]!.slice(1)), at });
  });
  try {
    // Unloaded first: one change at a time, each request its own batch.
    const probes = ctx.quick ? 3 : 5;
    for (let r = 0; r < probes; r++) {
      acceptedAt[r] = await ctx.api.publish([change(`P${r}-0`, r)]);
      await sleep(DEBOUNCE_MS + 400);
    }
    await waitFor(() => receipts.length >= probes * SUBSCRIPTIONS, 30_000, 'unloaded receipts');
    const unloaded = receipts.splice(0).map((x) => x.at - acceptedAt[x.req]! - DEBOUNCE_MS);
    unloaded.sort((a, b) => a - b);
    acceptedAt.length = 0;

    const postsSoFar = () => tags.reduce((n, t) => n + (ctx.receiver.posts.get(t)?.length ?? 0), 0);
    const probePosts = postsSoFar();
    const cpu = cpuMeter(ctx.pids);
    const sends: Promise<void>[] = [];
    const sentAt: number[] = [];
    const t0 = Date.now();
    for (let r = 0; r < requests; r++) {
      // Paced on the wall clock so that a slow answer does not slow the offered load.
      await sleep(t0 + r * PERIOD_MS - Date.now());
      const changes = Array.from({ length: PER_REQUEST }, (_, j) => change(`L${r}-${j}`, r));
      sentAt[r] = Date.now();
      sends.push(ctx.api.publish(changes).then((at) => void (acceptedAt[r] = at)));
    }
    await Promise.all(sends);
    const expected = requests * PER_REQUEST * SUBSCRIPTIONS;
    await waitFor(() => receipts.length >= expected, 60_000, `${expected} latency receipts`).catch(() => {
      throw new Error(`lost changes: ${expected - receipts.length} of ${expected} never arrived`);
    });
    const cpuSplit = cpu();
    const added = receipts.map((x) => x.at - acceptedAt[x.req]! - DEBOUNCE_MS).sort((a, b) => a - b);
    // The same from the publisher's send: what the partner sees, the request's round trip included.
    const fromSend = receipts.map((x) => x.at - sentAt[x.req]! - DEBOUNCE_MS).sort((a, b) => a - b);
    const batches = postsSoFar() - probePosts;
    return {
      changesPerSecond: (PER_REQUEST * 1000) / PERIOD_MS,
      subscriptions: SUBSCRIPTIONS,
      debounceMs: DEBOUNCE_MS,
      seconds,
      receipts: added.length,
      batches,
      p50Ms: round(percentile(added, 50)),
      p95Ms: round(percentile(added, 95)),
      p99Ms: round(percentile(added, 99)),
      maxMs: round(added[added.length - 1]!),
      fromSend: { p50Ms: round(percentile(fromSend, 50)), p99Ms: round(percentile(fromSend, 99)) },
      unloadedP50Ms: round(percentile(unloaded, 50)),
      unloadedMaxMs: round(unloaded[unloaded.length - 1]!),
      cpu: cpuSplit,
    };
  } finally {
    ctx.receiver.listen(null);
    await ctx.api.deleteSubscriptions(ids.filter(Boolean));
  }
}

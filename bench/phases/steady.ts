// Steady latency (issue 14): one subscription with debounceMs 0, a steady 50 changes/s, one
// change per request, as a publisher that emits each change as it happens. Measured per change:
// receipt at the partner − the request's 202, and receipt − the moment the publisher sent it
// (what a partner sees: the 202's own round trip included); and history events per batch.
import { change } from '../api';
import type { BenchContext } from '../context';
import { eventsPerBatch } from '../histories';
import { latencySummary, round, sleep, waitFor } from '../pool';

const RATE = 50;

export interface SteadyResult {
  changesPerSecond: number;
  seconds: number;
  receipts: number;
  batches: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Receipt − the publisher's send (the request's own round trip included). */
  fromSend: { p50Ms: number; p99Ms: number; maxMs: number };
  eventsPerBatch: number;
}

export async function measureSteady(ctx: BenchContext): Promise<SteadyResult> {
  const seconds = ctx.quick ? 5 : 20;
  const total = seconds * RATE;
  const [id] = await ctx.api.createSubscriptions(1, () => ({
    url: ctx.receiver.urlFor('steady'),
    batching: { debounceMs: 0, maxWaitMs: 0, maxBatchSize: 1000 },
  }));
  const acceptedAt: number[] = [];
  const sentAt: number[] = [];
  const receivedAt: number[] = [];
  ctx.receiver.listen((tag, changes, at) => {
    if (tag === 'steady') for (const c of changes) receivedAt[Number(String(c.id).slice(1))] = at;
  });
  try {
    const sends: Promise<void>[] = [];
    const t0 = Date.now();
    for (let i = 0; i < total; i++) {
      await sleep(t0 + (i * 1000) / RATE - Date.now());
      sentAt[i] = Date.now();
      sends.push(ctx.api.publish([change(`s${i}`, i)]).then((at) => void (acceptedAt[i] = at)));
    }
    await Promise.all(sends);
    await waitFor(() => receivedAt.filter(Boolean).length >= total, 60_000, 'steady receipts').catch(() => {
      throw new Error(`lost changes: ${total - receivedAt.filter(Boolean).length} never arrived`);
    });
    // A change may arrive before its own 202 (the answer is sent after the signal is durable).
    const added = acceptedAt.map((a, i) => Math.max(0, receivedAt[i]! - a));
    const { p50Ms, p99Ms, maxMs } = latencySummary(sentAt.map((s, i) => receivedAt[i]! - s));
    const batches = ctx.receiver.posts.get('steady')?.length ?? 0;
    return {
      changesPerSecond: RATE,
      seconds,
      batches,
      ...latencySummary(added),
      fromSend: { p50Ms, p99Ms, maxMs },
      eventsPerBatch: round(await eventsPerBatch(ctx, [id!], batches), 1),
    };
  } finally {
    ctx.receiver.listen(null);
    await ctx.api.deleteSubscriptions([id!]);
  }
}

// Backlog (issue 13): 1,000,000 distinct keys (quick: 20,000), ~200 bytes of data each, into
// one subscription while its partner answers 503. Measured: the ingest rate, the Herald
// process's peak RSS, the longest workflow task and the largest payload written (read off the
// histories, decoded), and the time from the partner's recovery until every key is final.
import type { PayloadCodec } from '@temporalio/common';
import type { BenchContext } from '../context';
import { FinalState } from '../context';
import { round, runPool, sleep, waitFor } from '../pool';
import { rssKb } from '../../test/reliability/helpers/processes';
import { historyStats, slowestReplay } from '../../test/helpers/history-stats';
import { workflowBundle } from '../../src/temporal/bundle';
import { heraldDataConverter } from '../../src/temporal/data-converter';
import { installSdkLogger } from '../../src/worker';
import { deliveryWorkflowId, subscriptionWorkflowId } from '../../core/ids';
import { INGEST_CONCURRENCY } from './ingest';

const PER_REQUEST = 1000;
const PAD = 'x'.repeat(190);

export interface BacklogResult {
  keys: number;
  ingestSeconds: number;
  changesPerSecond: number;
  peakRssMb: number;
  /** After a full GC with the whole backlog waiting, and again once it is delivered. */
  liveRssMbAtPeak: number;
  liveHeapMbAtPeak: number;
  liveRssMbAfter: number;
  maxWorkflowTaskMs: number;
  /** The slowest replay of a whole subscription run (replay worker start-up included). */
  maxReplayMs: number;
  /** The same for its smallest run: about the replay worker's start-up alone. */
  smallestReplayMs: number;
  /** Publish requests answered 503 subscription_busy and sent again after Retry-After. */
  busyRefusals: number;
  maxPayloadKb: number;
  maxPayloadAt: string;
  runs: number;
  batches: number;
  recoverySeconds: number;
}

export async function measureBacklog(
  ctx: BenchContext,
  codec: PayloadCodec,
  encryptionKey: string,
): Promise<BacklogResult> {
  // HERALD_BENCH_BACKLOG_KEYS: a size in between, for experiments.
  const keys = Number(process.env.HERALD_BENCH_BACKLOG_KEYS ?? (ctx.quick ? 20_000 : 1_000_000));
  const [id] = await ctx.api.createSubscriptions(1, () => ({
    url: ctx.receiver.urlFor('backlog'),
    batching: { debounceMs: 200, maxWaitMs: 1000, maxBatchSize: 1000 },
    retry: { initialIntervalMs: 1000, backoffCoefficient: 1, maximumAttempts: 0, timeoutMs: 5000 },
  }));
  const state = new FinalState();
  ctx.receiver.listen((tag, changes) => {
    if (tag === 'backlog') state.record(tag, changes);
  });
  let peakKb = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      if (ctx.pids.herald) peakKb = Math.max(peakKb, rssKb(ctx.pids.herald));
      await sleep(500);
    }
  })();
  try {
    ctx.receiver.setStatus(503);
    const body = (r: number) =>
      JSON.stringify({
        changes: Array.from({ length: PER_REQUEST }, (_, j) => ({
          action: 'update',
          object: 'training',
          id: `b${r * PER_REQUEST + j}`,
          data: { v: r, h: PAD },
        })),
      });
    const start = Date.now();
    const refusedBefore = ctx.api.busyRefusals;
    await runPool(
      INGEST_CONCURRENCY,
      (r) => r < keys / PER_REQUEST,
      async (r) => void (await ctx.api.publishRaw(body(r))),
    );
    const ingestSeconds = (Date.now() - start) / 1000;
    const busyRefusals = ctx.api.busyRefusals - refusedBefore;
    await sleep(5_000); // the last signals and seals
    const atPeak = await ctx.heraldMemory();
    const recovered = Date.now();
    ctx.receiver.setStatus(200);
    const expected = new Map<string, number>();
    for (let i = 0; i < keys; i++) expected.set(`b${i}`, Math.floor(i / PER_REQUEST));
    state.expect('backlog', expected);
    await waitFor(() => state.complete(['backlog'], expected), 1_800_000, 'every backlog key final').catch(
      () => {
        throw new Error(`lost changes: ${state.missing(['backlog'], expected)} keys never final`);
      },
    );
    const recoverySeconds = (Date.now() - recovered) / 1000;
    const after = await ctx.heraldMemory();
    sampling = false;
    await sampler;
    const detail = (await ctx.api.get(`/v1/subscriptions/${id!}`)) as {
      counters: { deliveriesStarted: number };
    };
    const batches = detail.counters.deliveriesStarted;
    const ids = [subscriptionWorkflowId(id!)];
    for (let n = 1; n <= batches; n++) ids.push(deliveryWorkflowId(id!, n));
    const stats = await historyStats(ctx.temporal, ids, codec);
    installSdkLogger('ERROR');
    const replay = await slowestReplay(ctx.temporal, ids[0]!, {
      workflowBundle: await workflowBundle(),
      dataConverter: heraldDataConverter(encryptionKey),
    });
    return {
      keys,
      ingestSeconds: round(ingestSeconds, 1),
      changesPerSecond: round(keys / ingestSeconds),
      peakRssMb: round(peakKb / 1024),
      liveRssMbAtPeak: round(atPeak.rss / 1024 / 1024),
      liveHeapMbAtPeak: round(atPeak.heapUsed / 1024 / 1024),
      liveRssMbAfter: round(after.rss / 1024 / 1024),
      maxWorkflowTaskMs: stats.maxTaskMs,
      maxReplayMs: replay.ms,
      smallestReplayMs: replay.smallestMs,
      busyRefusals,
      maxPayloadKb: round(stats.maxPayloadBytes / 1024),
      maxPayloadAt: stats.maxPayloadAt,
      runs: stats.runs,
      batches,
      recoverySeconds: round(recoverySeconds, 1),
    };
  } finally {
    sampling = false;
    ctx.receiver.setStatus(200);
    ctx.receiver.listen(null);
    await ctx.api.deleteSubscriptions([id!]);
  }
}

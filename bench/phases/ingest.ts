// Phase 2, ingest: changes/s answered 202 by POST /v1/changes, 100 changes a request, at
// concurrency 8, for 1, 10 and 100 subscriptions that all match. Subscriptions debounce for a
// minute and the keys cycle over 500 (< maxBatchSize), so nothing is delivered during the
// window: this measures what the API and the engine accept, not the delivery path.
import { change, scrapeCounter } from '../api';
import { cpuMeter, type CpuSplit } from '../cpu';
import type { BenchContext } from '../context';
import { percentile, round, runPool } from '../pool';

export const INGEST_CONCURRENCY = 8;
export const CHANGES_PER_REQUEST = 100;
const KEYS = 500;

export interface IngestResult {
  subscriptions: number;
  changesPerSecond: number;
  routedPerSecond: number;
  requests: number;
  requestP50Ms: number;
  requestP99Ms: number;
  /** Herald's changes signals during the window, and the changes each carried on average. */
  signalsPerSecond: number;
  changesPerSignal: number;
  /** 503 subscription_busy answers (per-subscription backpressure) in the window, each waited out. */
  busyRefusals: number;
  /** Of busyRefusals, those of the lag guard. */
  lagRefusals: number;
  /** CPU cores used by each process during the window (2 = both cores). */
  cpu: CpuSplit;
  /**
   * When the subscriptions are known: ms after the window until their workflows had taken in
   * every accepted change (with the inbox, hand-offs may still be under way at the last 202),
   * and the engine's CPU per accepted change over window + that drain (ms of CPU, all engine
   * processes: the dev server, or the cluster's services and PostgreSQL).
   */
  drainMs?: number;
  engineCpuMsPerChange?: number;
}

/** One change per request, 32 in flight: a publisher that posts each change as it happens. */
export const SINGLE_CONCURRENCY = 32;
/** The same with more requests in flight: what the single-change figure is bound by. */
export const WIDE_CONCURRENCY = 128;

export async function measureIngest(
  ctx: BenchContext,
  subscriptions: number,
  opts: { single?: boolean; concurrency?: number } = {},
): Promise<IngestResult & { perRequest: number; concurrency: number }> {
  const perRequest = opts.single ? 1 : CHANGES_PER_REQUEST;
  const concurrency = opts.concurrency ?? (opts.single ? SINGLE_CONCURRENCY : INGEST_CONCURRENCY);
  const ids = await ctx.api.createSubscriptions(subscriptions, (i) => ({
    url: ctx.receiver.urlFor(`ingest${subscriptions}-${i}`),
    batching: { debounceMs: 60_000, maxWaitMs: 120_000, maxBatchSize: 1000 },
  }));
  const bodies = Array.from({ length: KEYS / perRequest }, (_, r) =>
    JSON.stringify({
      changes: Array.from({ length: perRequest }, (_, j) => change(`i${r * perRequest + j}`, r)),
    }),
  );
  try {
    const window = await publishWindow(ctx, bodies, subscriptions, { concurrency, perRequest, ids });
    return { subscriptions, perRequest, concurrency, ...window };
  } finally {
    await ctx.api.deleteSubscriptions(ids.filter(Boolean));
  }
}

/**
 * Publishes the pre-serialised bodies (CHANGES_PER_REQUEST changes each) round-robin at
 * INGEST_CONCURRENCY for the phase's window, after a warm-up; `fanOut` is how many
 * subscriptions receive each change.
 */
export async function publishWindow(
  ctx: BenchContext,
  bodies: string[],
  fanOut: number,
  opts: { concurrency?: number; perRequest?: number; ids?: string[] } = {},
): Promise<Omit<IngestResult, 'subscriptions'>> {
  const concurrency = opts.concurrency ?? INGEST_CONCURRENCY;
  const perRequest = opts.perRequest ?? CHANGES_PER_REQUEST;
  const durationMs = ctx.quick ? 2_000 : 10_000;
  const run = async (ms: number) => {
    const times: number[] = [];
    const start = performance.now();
    const end = start + ms;
    const n = await runPool(
      concurrency,
      () => performance.now() < end,
      async (i) => {
        const t0 = performance.now();
        await ctx.api.publishRaw(bodies[i % bodies.length]!);
        times.push(performance.now() - t0);
      },
    );
    return { n, seconds: (performance.now() - start) / 1000, times: times.sort((a, b) => a - b) };
  };
  const warm = await run(ctx.quick ? 500 : 1_000); // warm-up: connections, JIT, first signals
  const signalsBefore = await scrapeCounter(ctx.apiUrl, 'herald_signals_sent_total');
  const refusedBefore = ctx.api.busyRefusals;
  const lagBefore = ctx.api.lagRefusals;
  const cpu = cpuMeter(ctx.pids);
  const { n, seconds, times } = await run(durationMs);
  const cpuSplit = cpu();
  const drain = opts.ids ? await drained(ctx, opts.ids, (warm.n + n) * perRequest) : undefined;
  // Engine CPU seconds spent on the window's changes: during the window, and the drain after it.
  const engineSeconds = drain
    ? engineCores(cpuSplit) * seconds + engineCores(drain.cpu) * drain.seconds
    : undefined;
  const signals = (await scrapeCounter(ctx.apiUrl, 'herald_signals_sent_total')) - signalsBefore;
  const changesPerSecond = (n * perRequest) / seconds;
  return {
    changesPerSecond: round(changesPerSecond),
    routedPerSecond: round(changesPerSecond * fanOut),
    requests: n,
    requestP50Ms: round(percentile(times, 50), 1),
    requestP99Ms: round(percentile(times, 99), 1),
    signalsPerSecond: round(signals / seconds),
    changesPerSignal: round((n * perRequest * fanOut) / Math.max(1, signals), 1),
    busyRefusals: ctx.api.busyRefusals - refusedBefore,
    lagRefusals: ctx.api.lagRefusals - lagBefore,
    cpu: cpuSplit,
    ...(drain && engineSeconds !== undefined
      ? { drainMs: drain.ms, engineCpuMsPerChange: round((engineSeconds * 1000) / (n * perRequest), 3) }
      : {}),
  };
}

/** Cores used by the engine's processes (all but Herald and the bench). */
const engineCores = (cpu: CpuSplit): number =>
  Object.entries(cpu)
    .filter(([k]) => k !== 'herald' && k !== 'bench')
    .reduce((sum, [, v]) => sum + (Number.isFinite(v) ? v : 0), 0);

/**
 * Waits until every subscription's workflow has taken in `expected` changes (its counter), and
 * gives how long that took after the window and the CPU split during that drain.
 */
async function drained(
  ctx: BenchContext,
  ids: string[],
  expected: number,
): Promise<{ ms: number; seconds: number; cpu: CpuSplit }> {
  const t0 = performance.now();
  const cpu = cpuMeter(ctx.pids);
  for (;;) {
    let short: string | undefined;
    for (const id of ids) {
      const sub = (await ctx.api.get(`/v1/subscriptions/${id}`)) as {
        counters?: { changesReceived: number };
      };
      const got = sub.counters?.changesReceived ?? 0;
      if (got < expected) {
        short = `${id} has taken ${got} of ${expected}`;
        break;
      }
    }
    if (short === undefined) break;
    if (performance.now() - t0 > 120_000)
      throw new Error(`ingest: changes accepted but never taken in: ${short}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  const ms = performance.now() - t0;
  return { ms: round(ms), seconds: ms / 1000, cpu: cpu() };
}

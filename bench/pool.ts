// Load-generation primitives: a fixed-concurrency loop, percentiles and small timing helpers.

/** Runs `task(i)` for i = 0, 1, 2 … with `concurrency` in flight until `more()` is false. */
export async function runPool(
  concurrency: number,
  more: (i: number) => boolean,
  task: (i: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (more(next)) await task(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, lane));
  return next;
}

/** Nearest-rank percentile of an ascending-sorted array. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `pred` every 25 ms; throws after `timeoutMs` naming `what`. */
export async function waitFor(pred: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(25);
  }
}

export const round = (n: number, digits = 0) => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

/** p50, p99 and max of latencies (ms), sorted here; the figures every latency phase reports. */
export function latencySummary(ms: number[]): {
  receipts: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
} {
  const sorted = [...ms].sort((a, b) => a - b);
  return {
    receipts: sorted.length,
    p50Ms: round(percentile(sorted, 50)),
    p99Ms: round(percentile(sorted, 99)),
    maxMs: round(sorted[sorted.length - 1]!),
  };
}

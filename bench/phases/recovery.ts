// Phase 6, recovery: the receiver answers 503 for 30 s (quick: 5 s) while 10,000 changes
// (quick: 1,000) over a tenth as many keys arrive for 10 subscriptions, then 200 again. Measured:
// the time from recovery until every key has arrived in its final state. Retry schedule:
// initialIntervalMs 1000, backoff 2, forever; so the in-flight delivery's next attempt comes up
// to one (doubling) interval after recovery, and the backlog follows within about 2 × debounce.
// The bound is computed per subscription from its own refused attempts.
import { change } from '../api';
import { FinalState, type BenchContext } from '../context';
import { round, sleep, waitFor } from '../pool';
import { retryDelayMs } from '../../core/retry-policy';
import type { RetryConfig } from '../../core/types';

const SUBSCRIPTIONS = 10;
const PER_REQUEST = 100;
const DEBOUNCE_MS = 500;
export const RECOVERY_RETRY: RetryConfig = {
  initialIntervalMs: 1000,
  backoffCoefficient: 2,
  maximumAttempts: 0,
  timeoutMs: 2000,
};

export interface RecoveryResult {
  outageSeconds: number;
  changes: number;
  keys: number;
  subscriptions: number;
  debounceMs: number;
  retry: RetryConfig;
  refusedAttempts: number;
  /** Longest wait, over the subscriptions, from recovery to the next scheduled attempt. */
  nextAttemptAfterRecoveryMs: number;
  /** The retry interval in effect at recovery (the doubling step the outage ended in). */
  retryIntervalAtRecoveryMs: number;
  /** Next scheduled attempt + 2 × debounce: when the last key should be there. */
  expectedBoundMs: number;
  /** The brief's looser bound: 2 × debounce + the retry interval in effect at recovery. */
  intervalBoundMs: number;
  drainMs: number;
  withinBound: boolean;
}

export async function measureRecovery(ctx: BenchContext): Promise<RecoveryResult> {
  const outageMs = ctx.quick ? 5_000 : 30_000;
  const total = ctx.quick ? 1_000 : 10_000;
  const keys = total / 10;
  const tags = Array.from({ length: SUBSCRIPTIONS }, (_, i) => `recovery-${i}`);
  const ids = await ctx.api.createSubscriptions(SUBSCRIPTIONS, (i) => ({
    url: ctx.receiver.urlFor(tags[i]!),
    batching: { debounceMs: DEBOUNCE_MS, maxWaitMs: 5_000, maxBatchSize: 500 },
    retry: RECOVERY_RETRY,
  }));
  const state = new FinalState();
  ctx.receiver.listen((tag, changes) => {
    if (tag.startsWith('recovery-')) state.record(tag, changes);
  });
  ctx.receiver.setStatus(503);
  try {
    const down = Date.now();
    const requests = total / PER_REQUEST;
    // Spread over the first 80 % of the outage, in order, so the final value of each key is known.
    const spacing = (outageMs * 0.8) / requests;
    for (let r = 0; r < requests; r++) {
      await sleep(down + r * spacing - Date.now());
      await ctx.api.publish(
        Array.from({ length: PER_REQUEST }, (_, j) => {
          const i = r * PER_REQUEST + j;
          return change(`r${i % keys}`, i);
        }),
      );
    }
    await sleep(down + outageMs - Date.now());
    ctx.receiver.setStatus(200);
    const up = Date.now();

    let next = 0;
    let interval = 0;
    let refusedAttempts = 0;
    for (const t of tags) {
      const refused = ctx.receiver.refused.get(t) ?? [];
      refusedAttempts += refused.length;
      if (refused.length === 0) continue;
      // Every refused POST belongs to the one delivery in flight; the next follows the schedule.
      const step = retryDelayMs(RECOVERY_RETRY, refused.length);
      next = Math.max(next, refused[refused.length - 1]! + step - up);
      interval = Math.max(interval, step);
    }
    const expectedBoundMs = Math.max(0, next) + 2 * DEBOUNCE_MS;
    const expected = new Map<string, number>();
    for (let i = total - keys; i < total; i++) expected.set(`r${i % keys}`, i);
    for (const t of tags) state.expect(t, expected);
    await waitFor(() => state.complete(tags, expected), expectedBoundMs + 60_000, 'recovery').catch(() => {
      throw new Error(
        `lost changes: ${state.missing(tags, expected)} key(s) never reached their final state`,
      );
    });
    const drainMs = Date.now() - up;
    return {
      outageSeconds: outageMs / 1000,
      changes: total,
      keys,
      subscriptions: SUBSCRIPTIONS,
      debounceMs: DEBOUNCE_MS,
      retry: RECOVERY_RETRY,
      refusedAttempts,
      nextAttemptAfterRecoveryMs: round(Math.max(0, next)),
      retryIntervalAtRecoveryMs: interval,
      expectedBoundMs: round(expectedBoundMs),
      intervalBoundMs: interval + 2 * DEBOUNCE_MS,
      drainMs,
      withinBound: drainMs <= expectedBoundMs,
    };
  } finally {
    ctx.receiver.setStatus(200);
    ctx.receiver.listen(null);
    await ctx.api.deleteSubscriptions(ids.filter(Boolean));
  }
}

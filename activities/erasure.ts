// The activities of an erasure (issue 29). What they do is handed in by the process that runs
// the worker (src/erasure-worker.ts, over the gateway in src/temporal/erasure-gateway.ts): here
// only the heartbeats, so a worker killed mid-way leaves the rest to another from where it was.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EraseKey } from '../core/erase';
import type { ErasureCounts } from '../core/erasure-report';

/** Where a sweep of the namespace's histories is: visibility's page token, and the counts so far. */
export interface SweepCursor {
  pageToken?: string;
  counts: Partial<ErasureCounts>;
  /** Runs of that page already handled (a retry skips them). */
  done?: string[];
  /** Runs whose deletion was asked: the sweep ends once none can be read. */
  deleting?: { workflowId: string; runId: string }[];
}

export interface ErasureDeps {
  /** A page of running subscriptions' ids (from visibility) and the next page's token. */
  subscriptionIds(pageToken: string | undefined): Promise<{ ids: string[]; pageToken?: string }>;
  /** One subscription: its live state, then its open deliveries. `beat` while it waits. */
  eraseFromSubscription(id: string, keys: EraseKey[], beat: () => void): Promise<Partial<ErasureCounts>>;
  /** Every closed run holding the keys, but the erasure's own (`selfWorkflowId`), deleted. */
  sweep(
    keys: EraseKey[],
    selfWorkflowId: string,
    from: SweepCursor | undefined,
    beat: (cursor: SweepCursor) => void,
  ): Promise<Partial<ErasureCounts>>;
  /** Deletes every run of `workflowId` but `keepRunId`; answers how many. */
  deleteRuns(workflowId: string, keepRunId: string): Promise<number>;
}

export function createErasureActivities(deps: ErasureDeps | undefined) {
  const wired = (): ErasureDeps => {
    // Retried: a worker built without them (a test's bare worker) leaves the erasure to one that has.
    if (!deps) throw ApplicationFailure.retryable('this worker cannot erase', 'ErasureNotWired');
    return deps;
  };
  return {
    async erasureSubscriptionIds(
      pageToken: string | undefined,
    ): Promise<{ ids: string[]; pageToken?: string }> {
      return wired().subscriptionIds(pageToken);
    },
    async eraseFromSubscription(id: string, keys: EraseKey[]): Promise<Partial<ErasureCounts>> {
      const ctx = Context.current();
      return beating(ctx, undefined, (beat) =>
        wired().eraseFromSubscription(id, keys, () => beat(undefined)),
      );
    },
    async sweepErasedHistories(keys: EraseKey[], selfWorkflowId: string): Promise<Partial<ErasureCounts>> {
      const ctx = Context.current();
      const from = ctx.info.heartbeatDetails as SweepCursor | undefined;
      return beating(ctx, from, (beat) => wired().sweep(keys, selfWorkflowId, from, beat));
    },
    async deleteEarlierRuns(workflowId: string, keepRunId: string): Promise<number> {
      return wired().deleteRuns(workflowId, keepRunId);
    },
  };
}

/**
 * Runs `fn` heartbeating every few seconds with the latest details it gave (a call that waits,
 * an update or a long history, must not look like a dead worker), and whenever it beats itself.
 */
async function beating<D, T>(
  ctx: Context,
  first: D,
  fn: (beat: (details: D) => void) => Promise<T>,
): Promise<T> {
  let last = first;
  const beat = (details: D) => {
    last = details;
    ctx.heartbeat(details);
  };
  const timer = setInterval(() => ctx.heartbeat(last), 2_000);
  try {
    return await fn(beat);
  } finally {
    clearInterval(timer);
  }
}

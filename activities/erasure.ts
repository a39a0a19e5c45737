// The activities of an erasure (issue 29). What they do is handed in by the process that runs
// the worker (src/erasure-worker.ts, over src/temporal/erasure-*.ts): here only the heartbeats,
// so a worker killed mid-way leaves the rest to another from where it was.
import { ApplicationFailure, Context } from '@temporalio/activity';
import type { EraseKey } from '../core/erase';
import type { ErasureCounts } from '../core/erasure-report';

export interface RunRef {
  workflowId: string;
  runId: string;
}

/** Where a killed try of a page stopped: the runs it handled, their counts, the deletions asked. */
export interface SweepCursor {
  counts: Partial<ErasureCounts>;
  done?: string[];
  deleting?: RunRef[];
}

/** One page swept: its counts, the deletions it asked, and the next page (absent: the last). */
export interface SweptPage {
  counts: Partial<ErasureCounts>;
  deleting: RunRef[];
  pageToken?: string;
}

export interface ErasureDeps {
  /** A page of the namespace's runs (but the erasure's own), each read and, holding a key, erased. */
  sweepPage(
    keys: EraseKey[],
    selfWorkflowId: string,
    pageToken: string | undefined,
    from: SweepCursor | undefined,
    beat: (cursor: SweepCursor) => void,
  ): Promise<SweptPage>;
  /** Returns once none of the runs can be read (Temporal deletes in the background). */
  untilDeleted(runs: RunRef[], beat: () => void): Promise<void>;
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
    async sweepErasedHistories(
      keys: EraseKey[],
      selfWorkflowId: string,
      pageToken: string | undefined,
    ): Promise<SweptPage> {
      const ctx = Context.current();
      const from = ctx.info.heartbeatDetails as SweepCursor | undefined;
      return beating(ctx, from, (beat) => wired().sweepPage(keys, selfWorkflowId, pageToken, from, beat));
    },
    async awaitErasedDeletions(runs: RunRef[]): Promise<void> {
      const ctx = Context.current();
      return beating(ctx, undefined, (beat) => wired().untilDeleted(runs, () => beat(undefined)));
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

// One erasure (issue 29), `erasure:<id>`: removes the keys from every running subscription (its
// live state, then its open deliveries), then sweeps the namespace's histories and deletes the
// closed runs that hold them. Its own first run holds the keys too: it ends by continuing as new
// into a report run that holds only counts, which deletes every earlier run of this erasure.
import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { EraseKey } from '../core/erase';
import {
  addCounts,
  erasureWorkflowId,
  zeroErasureCounts,
  type ErasureProgress,
} from '../core/erasure-report';
import { erasureProgressQuery } from './erasure-messages';

export interface ErasureWorkflowInput {
  erasureId: string;
  startedAt: string;
  /** The keys: only in the runs doing the work, never in the report run. */
  keys?: EraseKey[];
  /** Carried across continue-as-new while going through many subscriptions. */
  progress?: ErasureProgress;
  /** Where the subscriptions are: a page of ids from visibility, how far, and the next page. */
  cursor?: SubscriptionCursor;
}

export interface SubscriptionCursor {
  ids: string[];
  next: number;
  pageToken?: string;
}

/** Each retried until it succeeds: an erasure is not given up because Temporal was busy. */
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const { erasureSubscriptionIds, eraseFromSubscription } = proxyActivities<Activities>({
  startToCloseTimeout: '5 minutes',
  heartbeatTimeout: '10 seconds',
  retry,
  summary: 'erase from a subscription',
});
const { sweepErasedHistories } = proxyActivities<Activities>({
  startToCloseTimeout: '6 hours',
  // A worker killed mid-sweep: another one resumes from the last page recorded.
  heartbeatTimeout: '10 seconds',
  retry,
  summary: 'delete the histories holding the keys',
});
const { deleteEarlierRuns } = proxyActivities<Activities>({
  // Temporal deletes in the background; the activity waits until the runs are gone.
  startToCloseTimeout: '10 minutes',
  retry,
  summary: 'delete the runs that held the keys',
});

/** Subscriptions erased at once; and how many one run goes through before it continues as new. */
const CONCURRENCY = 4;
const SUBSCRIPTIONS_PER_RUN = 500;

export async function erasureWorkflow(input: ErasureWorkflowInput): Promise<ErasureProgress> {
  const progress: ErasureProgress = input.progress ?? {
    erasureId: input.erasureId,
    phase: 'subscriptions',
    keys: input.keys?.length ?? 0,
    startedAt: input.startedAt,
    counts: zeroErasureCounts(),
  };
  setHandler(erasureProgressQuery, () => progress);
  const keys = input.keys;
  if (!keys) {
    // The report run: what held the keys is gone but the earlier runs of this erasure.
    await deleteEarlierRuns(erasureWorkflowId(input.erasureId), workflowInfo().runId);
    return progress;
  }
  if (progress.phase === 'subscriptions') {
    // A page of running subscriptions at a time (visibility's pages), so no payload grows with them.
    let cursor = input.cursor ?? { ...(await erasureSubscriptionIds(undefined)), next: 0 };
    let thisRun = 0;
    for (;;) {
      while (cursor.next < cursor.ids.length) {
        if (thisRun >= SUBSCRIPTIONS_PER_RUN)
          await continueAsNew<typeof erasureWorkflow>({ ...input, progress, cursor });
        const slice = cursor.ids.slice(cursor.next, cursor.next + CONCURRENCY);
        const done = await Promise.all(slice.map((id) => eraseFromSubscription(id, keys)));
        for (const counts of done) addCounts(progress.counts, counts);
        cursor.next += slice.length;
        thisRun += slice.length;
      }
      if (cursor.pageToken === undefined) break;
      cursor = { ...(await erasureSubscriptionIds(cursor.pageToken)), next: 0 };
    }
    progress.phase = 'histories';
  }
  addCounts(progress.counts, await sweepErasedHistories(keys, erasureWorkflowId(input.erasureId)));
  progress.phase = 'done';
  progress.finishedAt = new Date().toISOString();
  return continueAsNew<typeof erasureWorkflow>({
    erasureId: input.erasureId,
    startedAt: input.startedAt,
    progress,
  });
}

// One erasure (issue 29), `erasure:<id>`: sweeps the namespace's histories a visibility page at
// a time (an activity per page); every run whose history holds a key is dealt with there: a
// running subscription or delivery continues as new without it, and a closed run is deleted
// (an ended delivery's other keys kept first). Its own first run holds the keys too: it ends by
// continuing as new into a report run that holds only counts, which deletes every earlier run.
import { continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities, ErasedRun } from '../activities';
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
  /** Carried across continue-as-new while sweeping a large namespace. */
  progress?: ErasureProgress;
  sweep?: { pageToken?: string; deleting: ErasedRun[] };
}

/** Each retried until it succeeds: an erasure is not given up because Temporal was busy. */
const retry = { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const { sweepErasedHistories, awaitErasedDeletions } = proxyActivities<Activities>({
  startToCloseTimeout: '30 minutes',
  // A worker killed mid-page: another one resumes from the last run recorded.
  heartbeatTimeout: '10 seconds',
  retry,
  summary: 'erase from a page of histories',
});
const { deleteEarlierRuns } = proxyActivities<Activities>({
  // Temporal deletes in the background; the activity waits until the runs are gone.
  startToCloseTimeout: '10 minutes',
  retry,
  summary: 'delete the runs that held the keys',
});

/** Pages one run sweeps before it continues as new; deletions waited for once this many are asked. */
const PAGES_PER_RUN = 100;
const MAX_DELETING = 200;

export async function erasureWorkflow(input: ErasureWorkflowInput): Promise<ErasureProgress> {
  const progress: ErasureProgress = input.progress ?? {
    erasureId: input.erasureId,
    phase: 'histories',
    keys: input.keys?.length ?? 0,
    startedAt: input.startedAt,
    counts: zeroErasureCounts(),
  };
  setHandler(erasureProgressQuery, () => progress);
  const keys = input.keys;
  const self = erasureWorkflowId(input.erasureId);
  if (!keys) {
    // The report run: what held the keys is gone but the earlier runs of this erasure.
    await deleteEarlierRuns(self, workflowInfo().runId);
    return progress;
  }
  let { pageToken, deleting } = input.sweep ?? { deleting: [] };
  for (let pages = 0; ; pages++) {
    if (pages >= PAGES_PER_RUN)
      await continueAsNew<typeof erasureWorkflow>({ ...input, progress, sweep: { pageToken, deleting } });
    const page = await sweepErasedHistories(keys, self, pageToken);
    addCounts(progress.counts, page.counts);
    deleting = [...deleting, ...page.deleting];
    if (deleting.length >= MAX_DELETING) {
      await awaitErasedDeletions(deleting);
      deleting = [];
    }
    pageToken = page.pageToken;
    if (pageToken === undefined) break;
  }
  await awaitErasedDeletions(deleting);
  progress.phase = 'done';
  progress.finishedAt = new Date().toISOString();
  return continueAsNew<typeof erasureWorkflow>({
    erasureId: input.erasureId,
    startedAt: input.startedAt,
    progress,
  });
}

// Deleting an erasure's runs (issue 29) with Temporal's DeleteWorkflowExecution, and waiting
// until they are gone: Temporal deletes in the background, only once visibility shows the run
// closed, and retries a deletion ever more slowly, so the erasure asks again until none is left.
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { isNotFound } from './gateway-errors';
import type { RunRef } from './history-scan';

const GRPC_NOT_FOUND = 5;

/** Temporal deletes in the background (half a minute on the dev server): the longest wait for it. */
const DELETED_WITHIN_MS = 5 * 60_000;

/** How long a run just closed may take to show closed in visibility. */
const CLOSED_IN_VISIBILITY_WITHIN_MS = 30_000;

/**
 * Until visibility shows the run closed: Temporal deletes a run only once its close is recorded
 * there, and retries a deletion asked earlier with a growing pause (minutes on a loaded server).
 */
async function untilClosedInVisibility(client: Client, run: RunRef): Promise<void> {
  const end = Date.now() + CLOSED_IN_VISIBILITY_WITHIN_MS;
  const query = `WorkflowId = '${run.workflowId.replace(/'/g, "\\'")}' AND RunId = '${run.runId}' AND ExecutionStatus != 'Running'`;
  while (Date.now() < end) {
    const res = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      pageSize: 1,
      query,
    });
    if ((res.executions ?? []).length > 0) return;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** Asks Temporal to delete the run; false when it was gone already (an earlier try, or retention). */
export async function deleteRun(client: Client, run: RunRef): Promise<boolean> {
  await untilClosedInVisibility(client, run);
  try {
    await client.workflowService.deleteWorkflowExecution({
      namespace: client.options.namespace,
      workflowExecution: run,
    });
  } catch (err) {
    if (isNotFound(err) || (isGrpcServiceError(err) && err.code === GRPC_NOT_FOUND)) return false;
    throw err;
  }
  return true;
}

/** A deletion not done after this long is asked again (Temporal retries its task ever more slowly). */
const ASK_AGAIN_MS = 15_000;
/** The runs the erasure just closed are first asked this long after (eraseRun, erasure-sweep.ts). */
const ASK_FIRST_AFTER_MS = 10_000;

/** Returns once none of the runs can be read any more: the erasure is done only then. */
export async function untilGone(
  client: Client,
  runs: RunRef[],
  beat: () => void = () => undefined,
): Promise<void> {
  const end = Date.now() + DELETED_WITHIN_MS;
  // Asked again now (a no-op for a deletion under way), then every ASK_AGAIN_MS.
  await new Promise((r) => setTimeout(r, ASK_FIRST_AFTER_MS));
  for (const r of runs) await deleteRun(client, r);
  let askedAt = Date.now();
  let left = runs;
  while (left.length > 0) {
    beat();
    const still = await Promise.all(
      left.map(async (r) => ((await statusOf(client, r)) === undefined ? null : r)),
    );
    left = still.filter((r): r is RunRef => r !== null);
    if (left.length === 0) return;
    if (Date.now() > end) throw new Error(`${left.length} run(s) not deleted within ${DELETED_WITHIN_MS} ms`);
    if (Date.now() - askedAt > ASK_AGAIN_MS) {
      for (const r of left) await deleteRun(client, r);
      askedAt = Date.now();
    }
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** The run's status, read from the run itself (visibility may lag behind a continue-as-new). */
export async function statusOf(client: Client, run: RunRef): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(run.workflowId, run.runId).describe()).status.name;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Every run of `workflowId` but `keepRunId` (closed ones only), deleted. */
export async function deleteRuns(client: Client, workflowId: string, keepRunId: string): Promise<number> {
  const deleted: RunRef[] = [];
  const query = `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'`;
  for await (const w of client.workflow.list({ query })) {
    if (w.runId === keepRunId) continue;
    const status = await statusOf(client, { workflowId, runId: w.runId });
    if (status === undefined || status === 'RUNNING') continue;
    if (await deleteRun(client, { workflowId, runId: w.runId })) deleted.push({ workflowId, runId: w.runId });
  }
  await untilGone(client, deleted);
  return deleted.length;
}

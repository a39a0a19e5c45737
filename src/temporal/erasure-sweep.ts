// An erasure's sweep (issue 29): every run in the namespace, a page of visibility at a time, is
// read (scanHistory). One whose history holds an erased key is, when running, made to continue
// as new without it (erasure-steps.ts), and then, closed, deleted (Temporal's
// DeleteWorkflowExecution). An ended delivery's other keys are kept first, in its subscription
// (keepBatch), so they stay listed and redeliverable. Only the runs that held a key are touched.
import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { SweepCursor, SweptPage } from '../../activities';
import { withoutErased, type EraseKey } from '../../core/erase';
import type { ErasureCounts } from '../../core/erasure-report';
import { subscriptionWorkflowId } from '../../core/ids';
import type { DeliveryInput } from '../../core/types';
import { keepBatchUpdate } from '../../workflows/erasure-messages';
import { isNotFound, RefusedError, toGatewayError } from './gateway-errors';
import { eraseFromSubscription, rebuildDelivery } from './erasure-steps';
import { scanHistory, type RunRef } from './history-scan';

const PAGE_RUNS = 100;

export interface SweepDeps {
  client: Client;
  codec: PayloadCodec;
}

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
async function deleteRun(client: Client, run: RunRef): Promise<boolean> {
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
/** The runs just closed by the erasure are first asked for this long after (see eraseRun). */
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
async function statusOf(client: Client, run: RunRef): Promise<string | undefined> {
  try {
    return (await client.workflow.getHandle(run.workflowId, run.runId).describe()).status.name;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

/** Keeps an ended delivery's other changes in its subscription; which count it adds to. */
async function keepOthers(
  client: Client,
  input: unknown,
  keys: EraseKey[],
): Promise<keyof ErasureCounts | undefined> {
  const batch = input as Partial<DeliveryInput> | undefined;
  if (!batch?.subscriptionId || typeof batch.sequence !== 'number' || !Array.isArray(batch.changes))
    return undefined;
  const changes = withoutErased(batch.changes, keys);
  if (changes.length === 0) return undefined;
  try {
    await client.workflow
      .getHandle(subscriptionWorkflowId(batch.subscriptionId))
      .executeUpdate(keepBatchUpdate, { args: [{ sequence: batch.sequence, changes }] });
    return 'batchesKept';
  } catch (err) {
    if (isNotFound(err) || toGatewayError(err) instanceof RefusedError) return 'batchesDropped';
    throw err;
  }
}

type Add = (k: keyof ErasureCounts, n?: number) => void;

/** A running run holding a key, made to continue as new without it; false when it could not be. */
async function eraseLive(client: Client, run: RunRef & { type: string }, keys: EraseKey[], add: Add) {
  const beat = () => undefined;
  const counts =
    run.type === 'subscriptionWorkflow'
      ? await eraseFromSubscription(client, run.workflowId, keys, beat)
      : run.type === 'deliveryWorkflow'
        ? await rebuildDelivery(client, run.workflowId, keys, beat)
        : undefined;
  for (const [k, n] of Object.entries(counts ?? {})) add(k as keyof ErasureCounts, n);
}

/** What to do with one run whose history holds a key. */
async function eraseRun(
  client: Client,
  run: RunRef & { type: string },
  input: unknown,
  keys: EraseKey[],
  add: Add,
  deleting: RunRef[],
): Promise<void> {
  let status = await statusOf(client, run);
  let justClosed = false;
  if (status === 'RUNNING') {
    await eraseLive(client, run, keys, add);
    status = await statusOf(client, run);
    justClosed = true;
  }
  if (status === undefined) return;
  // Running outside Herald's reach (an inbox's current run, another erasure), or it refused.
  if (status === 'RUNNING') return add('stillHeld');
  // A broken subscription is restored from its last run: kept until it is restored (then erase again).
  if (run.type === 'subscriptionWorkflow' && status !== 'CONTINUED_AS_NEW' && status !== 'COMPLETED')
    return add('stillHeld');
  if (run.type === 'deliveryWorkflow' && status !== 'CONTINUED_AS_NEW') {
    const kept = await keepOthers(client, input, keys);
    if (kept) add(kept);
  }
  // A run closed a moment ago is deleted later (untilGone asks): a deletion asked right after a
  // continue-as-new made by a worker that took over from a killed one was seen never to finish.
  if (!justClosed && !(await deleteRun(client, run))) return;
  deleting.push({ workflowId: run.workflowId, runId: run.runId });
  add(
    run.type === 'subscriptionWorkflow'
      ? 'subscriptionRunsDeleted'
      : run.type === 'deliveryWorkflow'
        ? 'deliveryRunsDeleted'
        : 'otherRunsDeleted',
  );
}

/**
 * One page of visibility (100 runs): each read and, holding a key, erased. `from` is where a
 * killed try of this page stopped (its heartbeat); the answer names the next page and the runs
 * whose deletion was asked (the erasure waits for them with untilGone).
 */
export async function sweepPage(
  { client, codec }: SweepDeps,
  keys: EraseKey[],
  selfWorkflowId: string,
  pageToken: string | undefined,
  from: SweepCursor | undefined,
  beat: (cursor: SweepCursor) => void,
): Promise<SweptPage> {
  const counts: Partial<ErasureCounts> = { ...from?.counts };
  const deleting: RunRef[] = [...(from?.deleting ?? [])];
  const done = new Set(from?.done ?? []);
  const add: Add = (k, n = 1) => void (counts[k] = (counts[k] ?? 0) + n);
  const cursor = (): SweepCursor => ({ counts: { ...counts }, done: [...done], deleting });
  const res = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    pageSize: PAGE_RUNS,
    query: '',
    ...(pageToken ? { nextPageToken: Buffer.from(pageToken, 'base64') } : {}),
  });
  for (const ex of res.executions ?? []) {
    const workflowId = ex.execution?.workflowId ?? '';
    const runId = ex.execution?.runId ?? '';
    // Runs already handled by a killed try of this page (counted in `from`), and the erasure's own.
    if (!workflowId || workflowId === selfWorkflowId || done.has(runId)) continue;
    add('historiesScanned');
    const run = { workflowId, runId, type: ex.type?.name ?? '' };
    const found = await scanHistory(client, codec, run, keys);
    if (found.holds) await eraseRun(client, run, found.input, keys, add, deleting);
    done.add(runId);
    beat(cursor());
  }
  const next = res.nextPageToken?.length ? Buffer.from(res.nextPageToken).toString('base64') : undefined;
  return { counts, deleting, ...(next ? { pageToken: next } : {}) };
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

// The last step of an erasure (issue 29): every run in the namespace, a page of visibility at a
// time, is read (scanHistory) and, when its history holds an erased key and it is closed,
// deleted (Temporal's DeleteWorkflowExecution). An ended delivery's other keys are kept first,
// in its subscription (keepBatch), so they stay listed and redeliverable.
import { isGrpcServiceError, type Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { SweepCursor } from '../../activities';
import { withoutErased, type EraseKey } from '../../core/erase';
import type { ErasureCounts } from '../../core/erasure-report';
import { subscriptionWorkflowId } from '../../core/ids';
import type { DeliveryInput } from '../../core/types';
import { keepBatchUpdate } from '../../workflows/erasure-messages';
import { isNotFound, RefusedError, toGatewayError } from './gateway-errors';
import { scanHistory, type RunRef } from './history-scan';

const PAGE_RUNS = 100;
/** Deletions asked and not yet seen done, at most (the sweep waits for them then). */
const MAX_DELETING = 200;

export interface SweepDeps {
  client: Client;
  codec: PayloadCodec;
}

const GRPC_NOT_FOUND = 5;

/** Temporal deletes in the background (half a minute on the dev server): the longest wait for it. */
const DELETED_WITHIN_MS = 5 * 60_000;

/** Asks Temporal to delete the run; false when it was gone already (an earlier try, or retention). */
async function deleteRun(client: Client, run: RunRef): Promise<boolean> {
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

/** Returns once none of the runs can be read any more: the erasure is done only then. */
export async function untilGone(
  client: Client,
  runs: RunRef[],
  beat: () => void = () => undefined,
): Promise<void> {
  const end = Date.now() + DELETED_WITHIN_MS;
  let left = runs;
  while (left.length > 0) {
    beat();
    const still = await Promise.all(
      left.map(async (r) => ((await statusOf(client, r)) === undefined ? null : r)),
    );
    left = still.filter((r): r is RunRef => r !== null);
    if (left.length === 0) return;
    if (Date.now() > end) throw new Error(`${left.length} run(s) not deleted within ${DELETED_WITHIN_MS} ms`);
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

/** What to do with one run whose history holds a key; the count it adds to. */
async function eraseRun(
  client: Client,
  run: RunRef & { type: string },
  input: unknown,
  keys: EraseKey[],
  add: (k: keyof ErasureCounts) => void,
  deleting: RunRef[],
): Promise<void> {
  const status = await statusOf(client, run);
  if (status === undefined) return;
  if (status === 'RUNNING') return add('stillHeld');
  // A broken subscription is restored from its last run: kept until it is restored (then erase again).
  if (run.type === 'subscriptionWorkflow' && status !== 'CONTINUED_AS_NEW' && status !== 'COMPLETED')
    return add('stillHeld');
  if (run.type === 'deliveryWorkflow' && status !== 'CONTINUED_AS_NEW') {
    const kept = await keepOthers(client, input, keys);
    if (kept) add(kept);
  }
  if (!(await deleteRun(client, run))) return;
  deleting.push({ workflowId: run.workflowId, runId: run.runId });
  add(
    run.type === 'subscriptionWorkflow'
      ? 'subscriptionRunsDeleted'
      : run.type === 'deliveryWorkflow'
        ? 'deliveryRunsDeleted'
        : 'otherRunsDeleted',
  );
}

export async function sweepHistories(
  { client, codec }: SweepDeps,
  keys: EraseKey[],
  selfWorkflowId: string,
  from: SweepCursor | undefined,
  beat: (cursor: SweepCursor) => void,
): Promise<Partial<ErasureCounts>> {
  const counts: Partial<ErasureCounts> = { ...from?.counts };
  const deleting: RunRef[] = [...(from?.deleting ?? [])];
  const add = (k: keyof ErasureCounts) => void (counts[k] = (counts[k] ?? 0) + 1);
  let pageToken = from?.pageToken;
  // Runs of the page being redone (after a crash) that were already handled and counted.
  let done = new Set(from?.done ?? []);
  const cursor = (): SweepCursor => ({
    ...(pageToken ? { pageToken } : {}),
    counts: { ...counts },
    done: [...done],
    deleting,
  });
  for (;;) {
    const res = await client.workflowService.listWorkflowExecutions({
      namespace: client.options.namespace,
      pageSize: PAGE_RUNS,
      query: '',
      ...(pageToken ? { nextPageToken: Buffer.from(pageToken, 'base64') } : {}),
    });
    for (const ex of res.executions ?? []) {
      const workflowId = ex.execution?.workflowId ?? '';
      const runId = ex.execution?.runId ?? '';
      if (!workflowId || workflowId === selfWorkflowId || done.has(runId)) continue;
      add('historiesScanned');
      const run = { workflowId, runId, type: ex.type?.name ?? '' };
      const found = await scanHistory(client, codec, run, keys);
      if (found.holds) await eraseRun(client, run, found.input, keys, add, deleting);
      done.add(runId);
      beat(cursor());
      // The cursor (a heartbeat's details) stays small: wait for the deletions asked so far.
      if (deleting.length >= MAX_DELETING) {
        await untilGone(client, deleting, () => beat(cursor()));
        deleting.length = 0;
      }
    }
    if (!res.nextPageToken?.length) break;
    pageToken = Buffer.from(res.nextPageToken).toString('base64');
    done = new Set();
    beat(cursor());
  }
  await untilGone(client, deleting, () => beat(cursor()));
  return counts;
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

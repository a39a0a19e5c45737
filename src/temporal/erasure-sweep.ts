// An erasure's sweep (issue 29): every run in the namespace, a page of visibility at a time, is
// read (scanHistory). One whose history holds an erased key is, when running, made to continue
// as new without it (erasure-steps.ts), and then, closed, deleted (erasure-deletion.ts). An
// ended delivery's other keys are kept first, in its subscription (keepBatch), so they stay
// listed and redeliverable. Only the runs that held a key are touched.
import type { Client } from '@temporalio/client';
import type { PayloadCodec } from '@temporalio/common';
import type { SweepCursor, SweptPage } from '../../activities';
import { withoutErased, type EraseKey } from '../../core/erase';
import type { ErasureCounts } from '../../core/erasure-report';
import { subscriptionWorkflowId } from '../../core/ids';
import type { DeliveryInput } from '../../core/delivery-types';
import { keepBatchUpdate } from '../../workflows/erasure-messages';
import { isNotFound, RefusedError, toGatewayError } from './gateway-errors';
import { eraseFromSubscription, rebuildDelivery } from './erasure-steps';
import { scanHistory, type RunRef } from './history-scan';
import { deleteRun, statusOf } from './erasure-deletion';

const PAGE_RUNS = 100;

export interface SweepDeps {
  client: Client;
  codec: PayloadCodec;
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

// An erasure's steps on one running subscription (issue 29): its live state (the erase update,
// then waiting for the new run that no longer holds the keys), then each of its deliveries still
// open that holds one (queued or retrying): rebuilt without them by the dropKeys update.
import type { Client } from '@temporalio/client';
import { holdsErased, type EraseKey } from '../../core/erase';
import type { ErasureCounts } from '../../core/erasure-report';
import { deliveryWorkflowId, subscriptionWorkflowId, SUBSCRIPTION_WORKFLOW_PREFIX } from '../../core/ids';
import type { DeliveryState } from '../../core/types';
import { dropKeysUpdate, eraseUpdate } from '../../workflows/erasure-messages';
import { deliveryStateQuery } from '../../workflows/messages';
import { isNotFound, RefusedError, toGatewayError } from './gateway-errors';

const RUNNING_SUBSCRIPTIONS = "WorkflowType = 'subscriptionWorkflow' AND ExecutionStatus = 'Running'";
/** How long a workflow may take to continue as new after it accepted an erasure. */
const NEW_RUN_WITHIN_MS = 120_000;

/** Gone or refusing (deleted, ended): nothing of it to erase here; the sweep sees its histories. */
const isGoneOrRefused = (err: unknown): boolean =>
  isNotFound(err) || toGatewayError(err) instanceof RefusedError;

/** Subscriptions an erasure goes through in one page (one activity result, a few KB). */
const IDS_PER_PAGE = 500;

/** A page of running subscriptions' ids, and the token of the next page (absent: the last). */
export async function runningSubscriptionIds(
  client: Client,
  pageToken: string | undefined,
): Promise<{ ids: string[]; pageToken?: string }> {
  const res = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    pageSize: IDS_PER_PAGE,
    query: RUNNING_SUBSCRIPTIONS,
    ...(pageToken ? { nextPageToken: Buffer.from(pageToken, 'base64') } : {}),
  });
  const ids = (res.executions ?? [])
    .map((ex) => ex.execution?.workflowId ?? '')
    .filter((id) => id.startsWith(SUBSCRIPTION_WORKFLOW_PREFIX))
    .map((id) => id.slice(SUBSCRIPTION_WORKFLOW_PREFIX.length));
  const next = res.nextPageToken?.length ? Buffer.from(res.nextPageToken).toString('base64') : undefined;
  return { ids: [...new Set(ids)], ...(next ? { pageToken: next } : {}) };
}

/** Waits until `workflowId` runs a run other than `runId` (or has closed). */
async function untilNewRun(
  client: Client,
  workflowId: string,
  runId: string,
  beat: () => void,
): Promise<void> {
  const end = Date.now() + NEW_RUN_WITHIN_MS;
  for (;;) {
    beat();
    const desc = await client.workflow.getHandle(workflowId).describe();
    if (desc.runId !== runId || desc.status.name !== 'RUNNING') return;
    if (Date.now() > end)
      throw new Error(`${workflowId} did not continue as new within ${NEW_RUN_WITHIN_MS} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

export async function eraseFromSubscription(
  client: Client,
  id: string,
  keys: EraseKey[],
  beat: () => void,
): Promise<Partial<ErasureCounts>> {
  const workflowId = subscriptionWorkflowId(id);
  let erased;
  try {
    erased = await client.workflow.getHandle(workflowId).executeUpdate(eraseUpdate, { args: [{ keys }] });
  } catch (err) {
    if (isGoneOrRefused(err)) return {};
    throw err;
  }
  await untilNewRun(client, workflowId, erased.runId, beat);
  const counts: Partial<ErasureCounts> = {
    subscriptions: 1,
    subscriptionsAffected: erased.pendingChanges + erased.retainedChanges > 0 ? 1 : 0,
    pendingChanges: erased.pendingChanges,
    retainedChanges: erased.retainedChanges,
    queuedBatchesRebuilt: 0,
    inFlightDeliveriesRebuilt: 0,
  };
  for (const sequence of erased.openSequences) {
    const handle = client.workflow.getHandle(deliveryWorkflowId(id, sequence));
    let state: DeliveryState;
    let runId: string;
    try {
      state = await handle.query(deliveryStateQuery);
      runId = (await handle.describe()).runId;
    } catch (err) {
      if (isGoneOrRefused(err)) continue;
      throw err;
    }
    if (state.status !== 'queued' && state.status !== 'in_flight') continue;
    // Only one that holds a key: the update's own argument would put them into any other.
    if (!holdsErased(state.changes, keys)) continue;
    try {
      await handle.executeUpdate(dropKeysUpdate, { args: [{ keys }] });
    } catch (err) {
      // Ended meanwhile: a closed run, which the sweep deletes (keeping its other keys).
      if (isGoneOrRefused(err)) continue;
      throw err;
    }
    await untilNewRun(client, handle.workflowId, runId, beat);
    if (state.status === 'queued') counts.queuedBatchesRebuilt! += 1;
    else counts.inFlightDeliveriesRebuilt! += 1;
  }
  return counts;
}

// What an erasure does to a running workflow whose history holds a key (issue 29): a
// subscription takes the erase update (its pending and retained changes without the keys, once
// no first attempt runs) and continues as new; a delivery not yet delivered (queued, or
// retrying) takes the dropKeys update and continues as new without them. Either way the run that
// held the keys is then closed, and the sweep deletes it.
import type { Client } from '@temporalio/client';
import { holdsErased, type EraseKey } from '../../core/erase';
import type { ErasureCounts } from '../../core/erasure-report';
import type { DeliveryState } from '../../core/delivery-types';
import { dropKeysUpdate, eraseUpdate } from '../../workflows/erasure-messages';
import { deliveryStateQuery } from '../../workflows/messages';
import { isNotFound, RefusedError, toGatewayError } from './gateway-errors';

/** How long a workflow may take to continue as new after it accepted an erasure. */
const NEW_RUN_WITHIN_MS = 120_000;

/** Gone or refusing (deleted, ended): nothing live to erase; its closed run is deleted as such. */
const isGoneOrRefused = (err: unknown): boolean =>
  isNotFound(err) || toGatewayError(err) instanceof RefusedError;

/** Waits until `workflowId` runs a run other than `runId` (or has closed). */
async function untilNewRun(client: Client, workflowId: string, runId: string, beat: () => void) {
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

/** The subscription's live state without the keys, in a new run; undefined when it refused (deleted). */
export async function eraseFromSubscription(
  client: Client,
  workflowId: string,
  keys: EraseKey[],
  beat: () => void,
): Promise<Partial<ErasureCounts> | undefined> {
  let erased;
  try {
    erased = await client.workflow.getHandle(workflowId).executeUpdate(eraseUpdate, { args: [{ keys }] });
  } catch (err) {
    if (isGoneOrRefused(err)) return undefined;
    throw err;
  }
  await untilNewRun(client, workflowId, erased.runId, beat);
  return {
    subscriptions: 1,
    subscriptionsAffected: erased.pendingChanges + erased.retainedChanges > 0 ? 1 : 0,
    pendingChanges: erased.pendingChanges,
    retainedChanges: erased.retainedChanges,
  };
}

/** A queued or retrying delivery rebuilt without the keys, in a new run; undefined when it had ended. */
export async function rebuildDelivery(
  client: Client,
  workflowId: string,
  keys: EraseKey[],
  beat: () => void,
): Promise<Partial<ErasureCounts> | undefined> {
  const handle = client.workflow.getHandle(workflowId);
  let state: DeliveryState;
  let runId: string;
  try {
    state = await handle.query(deliveryStateQuery);
    runId = (await handle.describe()).runId;
  } catch (err) {
    if (isGoneOrRefused(err)) return undefined;
    throw err;
  }
  if (state.status !== 'queued' && state.status !== 'in_flight') return undefined;
  // Only one that holds a key: the update's own argument would put them into any other.
  if (!holdsErased(state.changes, keys)) return undefined;
  try {
    await handle.executeUpdate(dropKeysUpdate, { args: [{ keys }] });
  } catch (err) {
    // Ended meanwhile: a closed run, deleted as such (its other keys kept).
    if (isGoneOrRefused(err)) return undefined;
    throw err;
  }
  await untilNewRun(client, workflowId, runId, beat);
  return state.status === 'queued' ? { queuedBatchesRebuilt: 1 } : { inFlightDeliveriesRebuilt: 1 };
}

// How a subscription hands batches on: the first attempt as a local activity (fast path), a
// delivery child when that attempt fails, sealed batches queued in children behind it, and the
// release of the next sealed batch when its turn comes.
import {
  getExternalWorkflowHandle,
  ParentClosePolicy,
  patched,
  startChild,
  workflowInfo,
} from '@temporalio/workflow';
import { deliveryWorkflow } from './delivery';
import { firstAttempt } from './first-attempt';
import { deliveryIdOf, deliveryWorkflowId, queuedTaskQueue } from '../core/ids';
import { releaseSignal } from './messages';
import { afterFirstAttempt } from '../core/retry-policy';
import type { SubscriptionEntity } from '../core/subscription';
import type { Change } from '../core/types';
import type { DeliveryInput, InFlightDelivery } from '../core/delivery-types';

const iso = () => new Date().toISOString();

function inputOf(sub: SubscriptionEntity, sequence: number, changes: Change[]): DeliveryInput {
  const { id, url, token, secrets, retry } = sub.config;
  // The requests' trace contexts go with the batch cut now (none with tracing off).
  const traceparents = sub.traceparents.splice(0);
  return {
    ...(traceparents.length > 0 ? { traceparents } : {}),
    subscriptionId: id,
    deliveryId: deliveryIdOf(id, sequence),
    sequence,
    url,
    token,
    secrets,
    changes,
    retry,
  };
}

/** Sealed batches go to their own task queue from this patch on (runs before it replay as they were). */
export const QUEUED_TASK_QUEUE_PATCH = 'herald-queued-task-queue';

function startDeliveryChild(
  sub: SubscriptionEntity,
  input: DeliveryInput,
  summary: string,
  taskQueue?: string,
) {
  return startChild(deliveryWorkflow, {
    workflowId: deliveryWorkflowId(sub.config.id, input.sequence),
    ...(taskQueue ? { taskQueue } : {}),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `${summary}: ${input.changes.length} change(s) to ${new URL(input.url).host}`,
    args: [input],
  });
}

/** Runs before the fast path existed: every batch goes to a delivery child at once. */
export async function startLegacyDelivery(sub: SubscriptionEntity): Promise<void> {
  const sequence = sub.nextSequence;
  const batch = sub.startBatch(deliveryIdOf(sub.config.id, sequence), iso());
  const input = inputOf(sub, batch.sequence, batch.changes);
  await startChild(deliveryWorkflow, {
    workflowId: deliveryWorkflowId(sub.config.id, batch.sequence),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    staticSummary: `${batch.changes.length} change(s) to ${new URL(input.url).host}`,
    args: [input],
  });
}

/**
 * The fast path: attempt 1 is a local activity (one marker in this history, no child, no
 * activity task). Only a failed attempt starts a delivery child, which makes attempts 2… on
 * the contract's schedule. Returns true when a child was started.
 */
export async function deliverBatch(sub: SubscriptionEntity, onFailed: () => void): Promise<boolean> {
  const sequence = sub.nextSequence;
  const batch = sub.startBatch(deliveryIdOf(sub.config.id, sequence), iso(), 'local');
  const input = inputOf(sub, batch.sequence, batch.changes);
  const outcome = await firstAttempt(input);
  const result = {
    deliveryId: input.deliveryId,
    sequence,
    changes: batch.changes,
    attempts: [outcome.attempt],
  };
  const gone = !outcome.ok && outcome.gone === true;
  const next = afterFirstAttempt(outcome.ok, input.retry, sub.deleted || gone, outcome.attempt.retryAfterMs);
  if (next.status !== 'retry') {
    sub.finish({ ...result, status: next.status }, iso());
    sub.retain(sequence, batch.changes);
    if (next.status === 'failed') onFailed();
    return false;
  }
  sub.handOver(outcome.attempt);
  const { attemptOffset, firstDelayMs } = next;
  await startDeliveryChild(
    sub,
    { ...input, attemptOffset, priorAttempts: [outcome.attempt], firstDelayMs },
    'Retrying',
  );
  return true;
}

/**
 * Seals the open window's oldest batches into delivery children that wait for their release,
 * until the window is back under its bound or `maxBytes` of changes are sealed: the children of
 * one workflow task carry a few MB at most, so the task stays short and sealing keeps up with
 * ingest. Returns how many children were started.
 */
export async function sealBatches(sub: SubscriptionEntity, maxBytes: number): Promise<number> {
  const inputs: DeliveryInput[] = [];
  const before = sub.pending.bytes;
  while (before - sub.pending.bytes < maxBytes && sub.needsSeal()) {
    const batch = sub.seal();
    inputs.push({ ...inputOf(sub, batch.sequence, batch.changes), queued: true });
  }
  // Waiting for its turn, a queued delivery is replayed when it comes (a few events) rather than
  // kept in a worker's cache for hours: see src/worker.ts.
  const taskQueue = patched(QUEUED_TASK_QUEUE_PATCH) ? queuedTaskQueue(workflowInfo().taskQueue) : undefined;
  await Promise.all(inputs.map((input) => startDeliveryChild(sub, input, 'Queued', taskQueue)));
  return inputs.length;
}

/** The next sealed batch's turn. A child that cannot be told (gone) is recorded as failed. */
export async function releaseQueued(sub: SubscriptionEntity, next: InFlightDelivery): Promise<void> {
  try {
    await getExternalWorkflowHandle(deliveryWorkflowId(sub.config.id, next.sequence)).signal(releaseSignal);
  } catch {
    const attempt = {
      attempt: 0,
      at: iso(),
      error: 'delivery workflow was closed before its turn',
      durationMs: 0,
    };
    const result = { deliveryId: next.deliveryId, sequence: next.sequence, changes: [], attempts: [attempt] };
    sub.finish({ ...result, status: 'failed' }, iso());
  }
}

/**
 * Deleted: nothing new is sent, and a delivery still retrying is cancelled, so a partner that
 * is gone is not called for days on behalf of a subscription that is gone too; sealed batches
 * too, in slices that stay well under Temporal's limit of pending cancels.
 */
export async function cancelOutstanding(sub: SubscriptionEntity): Promise<void> {
  const cancel = (sequence: number) =>
    getExternalWorkflowHandle(deliveryWorkflowId(sub.config.id, sequence))
      .cancel()
      .catch(() => undefined);
  if (sub.inFlight && sub.inFlight.runner !== 'local') await cancel(sub.inFlight.sequence);
  const { from, counts } = sub.queue;
  for (let i = 0; i < counts.length; i += 200) {
    const slice = counts.slice(i, i + 200).map((_, j) => from + i + j);
    await Promise.all(slice.map(cancel));
  }
}

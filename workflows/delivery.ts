// One delivery: a batch POSTed under a Temporal retry policy that reproduces the schedule.
// A child of its subscription, so the subscription can continue-as-new during a 68-hour retry.
import {
  ActivityFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  attemptSignal,
  deliveryFinishedSignal,
  deliveryStateQuery,
  releaseSignal,
  subscriptionWorkflowId,
} from './messages';
import { retryDelayMs, toRetryPolicy } from './retry-policy';
import type { AttemptRecord, DeliveryInput, DeliveryResult, DeliveryState, DeliveryStatus } from './types';

/** Temporal's own timeout sits above the HTTP timeout, so a slow receiver is recorded by the activity. */
export const TIMEOUT_MARGIN_MS = 5_000;

export async function deliveryWorkflow(input: DeliveryInput): Promise<DeliveryResult> {
  const attempts: AttemptRecord[] = [...(input.priorAttempts ?? [])];
  let status: DeliveryStatus = 'in_flight';
  // A sealed batch waits for its turn; until then it is queued, not in flight.
  let released = !input.queued;
  setHandler(releaseSignal, () => void (released = true));

  const note = (record: AttemptRecord) => {
    if (attempts.some((a) => a.attempt === record.attempt)) return;
    attempts.push(record);
    attempts.sort((a, b) => a.attempt - b.attempt);
  };
  // Failed attempts arrive by signal while the delivery retries; the successful one as the result.
  setHandler(attemptSignal, note);
  setHandler(deliveryStateQuery, (): DeliveryState => {
    const last = attempts[attempts.length - 1];
    const max = input.retry.maximumAttempts;
    return {
      deliveryId: input.deliveryId,
      sequence: input.sequence,
      status: released ? status : 'queued',
      changes: input.changes,
      attempts,
      attemptsLeft: max === 0 ? null : Math.max(0, max - attempts.length),
      nextAttemptAt:
        // Every recorded attempt of a delivery still in flight failed; the next follows the schedule.
        status === 'in_flight' && last && (max === 0 || last.attempt < max)
          ? new Date(
              Date.parse(last.at) + last.durationMs + retryDelayMs(input.retry, last.attempt),
            ).toISOString()
          : undefined,
    };
  });

  const { deliver } = proxyActivities<Activities>({
    startToCloseTimeout: input.retry.timeoutMs + TIMEOUT_MARGIN_MS,
    retry: toRetryPolicy(input.retry, input.attemptOffset ?? 0),
    summary: `POST ${input.changes.length} change(s)`,
  });
  try {
    if (!released) await condition(() => released);
    // Taking over after the subscription's first attempt: the schedule's gap comes first.
    if (input.firstDelayMs) await sleep(input.firstDelayMs);
    const outcome = await deliver(input);
    // Histories recorded before the attempt travelled in the result have it as a signal only.
    if (outcome?.attempt) note(outcome.attempt);
    status = 'delivered';
  } catch (err) {
    // Only the activity running out of attempts fails the delivery; anything else is a bug
    // or a cancellation and must stay visible as such.
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    status = 'failed';
  }
  const result: DeliveryResult = {
    deliveryId: input.deliveryId,
    sequence: input.sequence,
    status,
    changes: input.changes,
    attempts,
  };
  try {
    await getExternalWorkflowHandle(subscriptionWorkflowId(input.subscriptionId)).signal(
      deliveryFinishedSignal,
      result,
    );
  } catch {
    // The subscription was deleted meanwhile: nobody is left to tell.
  }
  return result;
}

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
import { attemptSignal, deliveryFinishedSignal, deliveryStateQuery, releaseSignal } from './messages';
import { subscriptionWorkflowId } from '../core/ids';
import { firstAttempt, TIMEOUT_MARGIN_MS } from './first-attempt';
import { afterFirstAttempt, nextAttemptAtMs, toRetryPolicy } from '../core/retry-policy';
import { acceptDropKeys } from './delivery-erasure';
import type {
  AttemptRecord,
  DeliveryInput,
  DeliveryResult,
  DeliveryState,
  DeliveryStatus,
} from '../core/delivery-types';

export { TIMEOUT_MARGIN_MS } from './first-attempt';

export async function deliveryWorkflow(input: DeliveryInput): Promise<DeliveryResult> {
  const attempts: AttemptRecord[] = [...(input.priorAttempts ?? [])];
  let status: DeliveryStatus = 'in_flight';
  // A sealed batch waits for its turn; until then it is queued, not in flight.
  let released = !input.queued;
  setHandler(releaseSignal, () => void (released = true));
  // Right to erasure (issue 29): drops keys from the batch and continues as new without them.
  const drop = acceptDropKeys(input, () => ({ status, attempts }));

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
          ? new Date(nextAttemptAtMs(input.retry, last)).toISOString()
          : undefined,
    };
  });

  const deliverFrom = (offset: number) =>
    proxyActivities<Activities>({
      startToCloseTimeout: input.retry.timeoutMs + TIMEOUT_MARGIN_MS,
      retry: toRetryPolicy(input.retry, offset),
      summary: `POST ${input.changes.length} change(s)`,
    }).deliver;
  try {
    let offset = input.attemptOffset ?? 0;
    // Taking over after the subscription's first attempt: the schedule's gap comes first.
    let delayMs = input.firstDelayMs ?? 0;
    if (input.queued) {
      await condition(() => released || drop.requested !== undefined);
      if (drop.requested) await drop.continueWithout(released);
      // A released batch is a fresh delivery: its first attempt is a local activity too, so a
      // backlog drains at one workflow task per batch while the partner answers.
      // (An erasure may have emptied it: then nothing is sent, below.)
      if (input.changes.length > 0) {
        const first = await firstAttempt(input);
        note(first.attempt);
        const gone = !first.ok && first.gone === true;
        const next = afterFirstAttempt(first.ok, input.retry, gone, first.attempt.retryAfterMs);
        if (next.status === 'retry') [offset, delayMs] = [next.attemptOffset, next.firstDelayMs];
        else status = next.status;
      }
    }
    if (status === 'in_flight' && drop.requested) await drop.continueWithout(true);
    // An erasure emptied the batch: nothing is left to send.
    if (status === 'in_flight' && input.changes.length === 0) status = 'delivered';
    if (status === 'in_flight') {
      // In a scope of their own, so an erasure can stop the retries (see delivery-erasure.ts).
      const outcome = await drop.scope.run(async () => {
        if (delayMs) await sleep(delayMs);
        return deliverFrom(offset)(input);
      });
      // Histories recorded before the attempt travelled in the result have it as a signal only.
      if (outcome?.attempt) note(outcome.attempt);
      status = 'delivered';
    }
  } catch (err) {
    if (drop.requested && isCancellation(err)) await drop.continueWithout(true);
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

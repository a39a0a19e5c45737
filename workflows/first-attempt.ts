// Attempt 1 of a batch as a local activity: one marker in the history of the workflow that
// makes it, no activity task. Used by the subscription (fast path) and by a released queued
// delivery. Never throws for a failed attempt: the caller decides what follows.
import { ActivityFailure, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities, FirstAttemptOutcome } from '../activities';
import type { DeliveryInput } from '../core/delivery-types';

/** Temporal's own timeout sits above the HTTP timeout, so a slow receiver is recorded by the activity. */
export const TIMEOUT_MARGIN_MS = 5_000;

export async function firstAttempt(input: DeliveryInput): Promise<FirstAttemptOutcome> {
  const { deliverFirst } = proxyLocalActivities<Activities>({
    startToCloseTimeout: input.retry.timeoutMs + TIMEOUT_MARGIN_MS,
    // One attempt: the rest of the schedule belongs to a delivery workflow's activity.
    retry: { maximumAttempts: 1 },
    summary: `POST ${input.changes.length} change(s), attempt 1`,
  });
  const at = new Date().toISOString();
  try {
    return await deliverFirst(input);
  } catch (err) {
    // The local activity itself failed (its timeout, a bug): a failed attempt like any other.
    if (!(err instanceof ActivityFailure)) throw err;
    const error = err.cause?.message ?? err.message;
    return {
      ok: false,
      attempt: { attempt: 1, at, error, durationMs: 0 },
      failureType: 'LocalActivityFailure',
    };
  }
}

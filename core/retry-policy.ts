// Turns a subscription's retry settings into a Temporal RetryPolicy that reproduces the
// contract's schedule exactly (§5). Pure, so it is unit-tested on its own.
import type { RetryPolicy } from '@temporalio/common';
import type { RetryConfig } from './types';
import type { AttemptRecord } from './delivery-types';

/** With maximumAttempts 0 (forever) the interval stops growing after this many doublings. */
export const FOREVER_CAP_EXPONENT = 11;

/** Delay in ms between the failure of attempt n (1-based) and the start of attempt n + 1. */
export function retryDelayMs(retry: RetryConfig, failedAttempt: number): number {
  return Math.min(
    retry.initialIntervalMs * retry.backoffCoefficient ** (failedAttempt - 1),
    maximumIntervalMs(retry),
  );
}

/**
 * Temporal caps every interval at maximumInterval, by default 100 × initial, which would cut
 * 128 minutes and beyond. Set it to the last interval of the schedule so nothing is capped.
 */
export function maximumIntervalMs(retry: RetryConfig): number {
  const exponent =
    retry.maximumAttempts === 0 ? FOREVER_CAP_EXPONENT : Math.max(0, retry.maximumAttempts - 2);
  return retry.initialIntervalMs * retry.backoffCoefficient ** exponent;
}

/**
 * The policy of the activity that makes attempts offset+1, offset+2, …: its attempt k is the
 * schedule's attempt k + offset, so its first interval is the schedule's interval after that
 * attempt and it has `offset` fewer attempts. Offset 1 is the delivery workflow taking over
 * after the subscription's own first attempt (fast path).
 */
export function toRetryPolicy(retry: RetryConfig, offset = 0): RetryPolicy {
  const max = maximumIntervalMs(retry);
  const initial = retryDelayMs(retry, offset + 1);
  return {
    initialInterval: initial,
    backoffCoefficient: retry.backoffCoefficient,
    // Temporal refuses a maximum below the initial interval (only when one attempt is left).
    maximumInterval: Math.max(max, initial),
    // The SDK takes "unlimited" as no maximumAttempts at all; 0 would be refused.
    ...(retry.maximumAttempts > 0 ? { maximumAttempts: Math.max(1, retry.maximumAttempts - offset) } : {}),
  };
}

/** Offsets in ms of every attempt's start from the first, if each attempt failed at once. */
export function attemptOffsetsMs(retry: RetryConfig, attempts = retry.maximumAttempts): number[] {
  const out = [0];
  for (let n = 1; n < attempts; n++) out.push(out[n - 1]! + retryDelayMs(retry, n));
  return out;
}

/**
 * What follows attempt 1 of a batch, made by a subscription (fast path) or by a released
 * queued delivery: delivered; failed for good (no attempt left, or the subscription is
 * deleted); or handed to the retry policy at attempt 2, after the schedule's first gap.
 */
export type AfterFirstAttempt =
  | { status: 'delivered' }
  | { status: 'failed' }
  | { status: 'retry'; attemptOffset: 1; firstDelayMs: number };

/**
 * `retryAfterMs`: the wait the partner's Retry-After set (see retry-after.ts), which replaces
 * the schedule's first gap.
 */
export function afterFirstAttempt(
  ok: boolean,
  retry: RetryConfig,
  stopped = false,
  retryAfterMs?: number,
): AfterFirstAttempt {
  if (ok) return { status: 'delivered' };
  if (stopped || retry.maximumAttempts === 1) return { status: 'failed' };
  return { status: 'retry', attemptOffset: 1, firstDelayMs: retryAfterMs ?? retryDelayMs(retry, 1) };
}

/** When the attempt after `last` is due: the schedule's gap, or the one its Retry-After set. */
export function nextAttemptAtMs(retry: RetryConfig, last: AttemptRecord): number {
  return Date.parse(last.at) + last.durationMs + (last.retryAfterMs ?? retryDelayMs(retry, last.attempt));
}

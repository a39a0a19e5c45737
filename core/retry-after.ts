// A partner's Retry-After (RFC 9110 §10.2.3) and how far it may move the next attempt. Pure, so
// the rules are unit-tested apart from HTTP and Temporal.
import { retryDelayMs } from './retry-policy';
import type { RetryConfig } from './types';

/** How much a Retry-After may add to the schedule's interval unless the subscription says otherwise. */
export const MAX_RETRY_AFTER_MS_DEFAULT = 2 * 60 * 60 * 1000;

/** Only these answers carry a Retry-After that means "come back later" (429 and 503). */
export const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export type ParsedRetryAfter = { ok: true; ms: number } | { ok: false };

/**
 * Delay-seconds (a non-negative integer) or an HTTP date. A date in the past is 0 ms; anything
 * else (negative, fractional, garbage) is not a Retry-After at all.
 */
export function parseRetryAfter(value: string, nowMs: number): ParsedRetryAfter {
  const v = value.trim();
  if (/^\d+$/.test(v)) {
    const seconds = Number(v);
    return Number.isSafeInteger(seconds) ? { ok: true, ms: seconds * 1000 } : { ok: false };
  }
  // Date.parse takes far more than HTTP dates ("1", "-5"): require the IMF-fixdate's shape.
  if (!/^[A-Za-z]{3}, \d{2} [A-Za-z]{3} \d{4} \d{2}:\d{2}:\d{2} GMT$/.test(v)) return { ok: false };
  const at = Date.parse(v);
  if (Number.isNaN(at)) return { ok: false };
  return { ok: true, ms: Math.max(0, at - nowMs) };
}

/**
 * The wait before the attempt after `failedAttempt` when the partner asked for `retryAfterMs`:
 * max(schedule's interval, Retry-After), capped at interval + maxRetryAfterMs. Undefined when
 * the schedule stands (honouring off, the request within the interval, or no attempt left).
 */
export function honouredDelayMs(
  retry: RetryConfig,
  failedAttempt: number,
  retryAfterMs: number,
): number | undefined {
  const cap = retry.maxRetryAfterMs ?? MAX_RETRY_AFTER_MS_DEFAULT;
  if (cap <= 0) return undefined;
  if (retry.maximumAttempts > 0 && failedAttempt >= retry.maximumAttempts) return undefined;
  const interval = retryDelayMs(retry, failedAttempt);
  if (retryAfterMs <= interval) return undefined;
  return Math.min(retryAfterMs, interval + cap);
}

// What a failed attempt reports (no answer, or one that is not a 2xx): the failure type and
// message the Temporal UI shows, the details it carries, and the wait the partner's Retry-After
// sets before the next attempt.
import { log } from '@temporalio/activity';
import { honouredDelayMs, parseRetryAfter, RETRY_AFTER_STATUSES } from '../core/retry-after';
import type { DeliveryInput } from '../core/delivery-types';
import type { DeliveryError, HttpResponse } from '../src/webhook/http-client';

/** What a failed attempt carries in ApplicationFailure.details[0]. */
export interface AttemptFailureDetails {
  statusCode?: number;
  /** The first 1 KB of the response body. */
  body?: string;
  durationMs: number;
  /** The receiver's Retry-After, recorded only (see createDeliver in deliver.ts). */
  retryAfter?: string;
  /** Where a 3xx pointed; never followed. */
  location?: string;
}

export const ERROR_TYPES: Record<DeliveryError['kind'], string> = {
  timeout: 'Timeout',
  network: 'NetworkError',
  forbidden_address: 'ForbiddenAddress',
  invalid_url: 'InvalidUrl',
};

export function statusFailure(res: HttpResponse): {
  type: string;
  message: string;
  details: AttemptFailureDetails;
} {
  const redirect = res.statusCode >= 300 && res.statusCode < 400;
  const details: AttemptFailureDetails = {
    statusCode: res.statusCode,
    body: res.bodySnippet,
    durationMs: res.durationMs,
  };
  if (res.headers['retry-after'] !== undefined) details.retryAfter = res.headers['retry-after'];
  if (redirect && res.headers.location !== undefined) details.location = res.headers.location;
  const message = redirect
    ? `receiver answered ${res.statusCode} (redirects are not followed${details.location ? `; location ${details.location}` : ''})`
    : `receiver answered ${res.statusCode}`;
  return { type: redirect ? 'Redirect' : `HttpStatus${res.statusCode}`, message, details };
}

/**
 * The wait the partner's Retry-After sets before the next attempt, if it moves it past the
 * schedule. A header that is not a Retry-After is ignored and said in the log, once per answer.
 */
export function honouredRetryAfter(
  input: DeliveryInput,
  attempt: number,
  res: HttpResponse,
  nowMs: number,
): number | undefined {
  const header = res.headers['retry-after'];
  if (header === undefined || !RETRY_AFTER_STATUSES.has(res.statusCode)) return undefined;
  const parsed = parseRetryAfter(header, nowMs);
  if (!parsed.ok) {
    log.warn('receiver sent a malformed Retry-After; the schedule is kept', {
      deliveryId: input.deliveryId,
      retryAfter: header.slice(0, 100),
    });
    return undefined;
  }
  return honouredDelayMs(input.retry, attempt, parsed.ms);
}

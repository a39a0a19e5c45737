// Errors with an HTTP meaning, and the translation of the gateway's errors into them. Kept in the
// service layer so the services can say "404" without knowing about Fastify or Temporal.
import { isNotFoundError } from '../../core/errors';
import {
  AlreadyExistsError,
  NotFoundError,
  RefusedError,
  toGatewayError,
  UnavailableError,
  type Subject,
} from '../temporal/gateway-errors';

export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly details?: unknown[],
    options?: { cause?: unknown; retryAfterSeconds?: number },
  ) {
    super(message, options);
    this.name = 'ApiError';
    this.retryAfterSeconds = options?.retryAfterSeconds;
  }

  /** Sent as `Retry-After` when set. */
  readonly retryAfterSeconds?: number;
}

export const notFound = (what: string): ApiError => new ApiError(404, 'not_found', `${what} not found`);
export const conflict = (message: string): ApiError => new ApiError(409, 'conflict', message);
/** The cause is kept for the log; the answer never shows it. */
export const temporalUnavailable = (cause?: unknown): ApiError =>
  new ApiError(
    503,
    'temporal_unavailable',
    'Temporal cannot be reached at the moment; retry later (retrying is safe)',
    undefined,
    {
      cause,
    },
  );

export const brokenConflict = (id: string): ApiError =>
  new ApiError(
    409,
    'subscription_broken',
    `subscription ${id} is broken (its workflow was closed outside Herald); restore it first: POST /v1/subscriptions/${id}/restore`,
  );

/** 503: retrying is the publisher's part, and Herald's is to say so rather than to drop. */
export const brokenUnavailable = (id: string): ApiError =>
  new ApiError(
    503,
    'subscription_broken',
    `subscription ${id} is broken (its workflow was closed outside Herald) and could not be restored; nothing of this request was acknowledged for it. Retry later; an operator restores it with POST /v1/subscriptions/${id}/restore`,
  );

/** How a 503 subscription_busy of the lag guard says why (the benchmark counts these apart). */
export const BEHIND_REASON =
  'is not taking changes right now (its workflow has a task waiting: is a Herald worker running?)';

/** 503 with Retry-After: the subscription is taking changes faster than its workflow can absorb. */
export const busyUnavailable = (id: string, retryAfterMs: number, behind = false): ApiError => {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  const why = behind ? BEHIND_REASON : 'is receiving changes faster than it can durably take them';
  return new ApiError(
    503,
    'subscription_busy',
    `subscription ${id} ${why}; nothing of this request was acknowledged. Retry after ${seconds} s (changes merge by key, so retrying is safe)`,
    undefined,
    { retryAfterSeconds: seconds },
  );
};

/**
 * Gives a failed gateway call (or a raw Temporal error, sorted by the gateway) its HTTP meaning.
 * `subject` names what a "not found" is about when the gateway did not say. Unknown errors pass
 * through unchanged and end as 500s.
 */
export function fromTemporal(err: unknown, subject: Subject = 'subscription'): unknown {
  if (err instanceof ApiError) return err;
  const e = toGatewayError(err, subject);
  if (e instanceof NotFoundError) return notFound(e.subject);
  if (e instanceof AlreadyExistsError) return conflict(`${e.subject} already exists`);
  // Refusals by type (core/errors.ts), never by their text.
  if (e instanceof RefusedError) return isNotFoundError(e.type) ? notFound(e.subject) : conflict(e.message);
  if (e instanceof UnavailableError) return temporalUnavailable(e.cause);
  return err;
}

// Errors with an HTTP meaning, and the translation of Temporal's errors into them. Kept in the
// service layer so the services can say "404" without knowing about Fastify.
import {
  ApplicationFailure,
  WorkflowExecutionAlreadyStartedError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import {
  isGrpcServiceError,
  QueryRejectedError,
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { isNotFoundError } from '../../core/errors';

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

/**
 * Maps an error thrown by a Temporal client call. `what` names the thing a "not found" is about.
 * Unknown errors pass through unchanged and end as 500s.
 */
export function fromTemporal(err: unknown, what = 'subscription'): unknown {
  if (err instanceof ApiError) return err;
  if (err instanceof WorkflowNotFoundError || err instanceof QueryRejectedError) return notFound(what);
  if (err instanceof WorkflowExecutionAlreadyStartedError) return conflict(`${what} already exists`);
  if (err instanceof WorkflowUpdateFailedError) {
    // Validator rejections come from our own workflow code, typed (core/errors.ts), and their
    // messages carry no secrets.
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    if (isNotFoundError(cause?.type)) return notFound(what);
    return conflict(cause?.message ?? 'the subscription refused the change');
  }
  if (
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    err instanceof ServiceError ||
    isGrpcServiceError(err) ||
    isConnectionError(err)
  ) {
    return temporalUnavailable(err);
  }
  return err;
}

/** Connection-level failures of the lazy client (refused, DNS, TLS) before any RPC answer. */
function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  return (
    err.name === 'TransportError' ||
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    /deadline exceeded|failed to connect|connection refused|no connection established/i.test(err.message)
  );
}

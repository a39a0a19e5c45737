// What a Temporal client call can end with, in the terms the services understand. Every error
// Temporal's client throws is sorted here and nowhere else; the services map these classes to
// HTTP meanings (src/service/errors.ts) without knowing Temporal's.
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

/** The thing a call was about, for the caller's "not found" and "already exists" messages. */
export type Subject = 'subscription' | 'delivery';

/** No such workflow, or it can no longer answer (closed, rejected the query). */
export class NotFoundError extends Error {
  constructor(
    readonly subject: Subject,
    options?: { cause?: unknown },
  ) {
    super(`${subject} not found`, options);
    this.name = 'NotFoundError';
  }
}

export class AlreadyExistsError extends Error {
  constructor(readonly subject: Subject) {
    super(`${subject} already exists`);
    this.name = 'AlreadyExistsError';
  }
}

/** The workflow's validator refused an update; `type` is one of core/errors.ts DOMAIN_ERRORS. */
export class RefusedError extends Error {
  constructor(
    readonly subject: Subject,
    readonly type: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'RefusedError';
  }
}

/** Temporal could not be reached or did not answer in time; retrying is safe. */
export class UnavailableError extends Error {
  constructor(cause: unknown) {
    super('Temporal is unavailable', { cause });
    this.name = 'UnavailableError';
  }
}

/** Maps an error thrown by a Temporal client call; anything else passes through unchanged. */
export function toGatewayError(err: unknown, subject: Subject = 'subscription'): unknown {
  if (
    err instanceof NotFoundError ||
    err instanceof AlreadyExistsError ||
    err instanceof RefusedError ||
    err instanceof UnavailableError
  )
    return err;
  if (err instanceof WorkflowNotFoundError || err instanceof QueryRejectedError)
    return new NotFoundError(subject, { cause: err });
  if (err instanceof WorkflowExecutionAlreadyStartedError) return new AlreadyExistsError(subject);
  if (err instanceof WorkflowUpdateFailedError) {
    // Validator rejections come from our own workflow code, typed, and carry no secrets.
    const cause = err.cause instanceof ApplicationFailure ? err.cause : undefined;
    return new RefusedError(
      subject,
      cause?.type ?? undefined,
      cause?.message ?? 'the subscription refused the change',
    );
  }
  if (
    err instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
    err instanceof ServiceError ||
    isGrpcServiceError(err) ||
    isConnectionError(err)
  ) {
    return new UnavailableError(err);
  }
  return err;
}

/** Whether a (mapped or raw) error says the workflow is not there or closed. */
export const isNotFound = (err: unknown): boolean => toGatewayError(err) instanceof NotFoundError;

const GRPC_DEADLINE_EXCEEDED = 4;
const GRPC_FAILED_PRECONDITION = 9;

function grpcCode(err: unknown): number | undefined {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) ? cause.code : undefined;
}

export const isDeadlineExceeded = (err: unknown): boolean => grpcCode(err) === GRPC_DEADLINE_EXCEEDED;

/**
 * The server fails an update with FAILED_PRECONDITION when the workflow task that would have
 * accepted it failed, e.g. because a signal raced the workflow's completion. Such an update was
 * not applied, and retrying with the same update id is idempotent should it have been after all.
 */
export const isUnappliedUpdate = (err: unknown): boolean => grpcCode(err) === GRPC_FAILED_PRECONDITION;

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

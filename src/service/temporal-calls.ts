// Temporal calls made for an HTTP request: bounded by a deadline (a hung frontend must not hang
// the request) and with their errors translated to HTTP meanings.
import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { fromTemporal } from './errors';

interface DeadlineClient {
  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R>;
}

const GRPC_FAILED_PRECONDITION = 9;
const UPDATE_ATTEMPTS = 4;

export async function temporalCall<T>(
  client: DeadlineClient,
  timeoutMs: number,
  fn: () => Promise<T>,
  what?: string,
): Promise<T> {
  try {
    return await client.withDeadline(Date.now() + timeoutMs, fn);
  } catch (err) {
    throw fromTemporal(err, what);
  }
}

/**
 * The server fails an update with FAILED_PRECONDITION when the workflow task that would have
 * accepted it failed, e.g. because a signal raced the workflow's completion. Such an update was
 * not applied, and retrying with the same update id is idempotent should it have been after all.
 */
function isUnappliedUpdate(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(cause) && cause.code === GRPC_FAILED_PRECONDITION;
}

/** Runs an update (given its update id) with the deadline, retrying an unapplied one briefly. */
export async function temporalUpdate<T>(
  client: DeadlineClient,
  timeoutMs: number,
  run: (updateId: string) => Promise<T>,
  what?: string,
): Promise<T> {
  const updateId = randomUUID();
  for (let attempt = 1; ; attempt++) {
    try {
      return await client.withDeadline(Date.now() + timeoutMs, () => run(updateId));
    } catch (err) {
      if (attempt >= UPDATE_ATTEMPTS || !isUnappliedUpdate(err)) throw fromTemporal(err, what);
      await new Promise((r) => setTimeout(r, 100 * attempt));
    }
  }
}

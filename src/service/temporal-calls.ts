// Temporal calls made for an HTTP request: bounded by a deadline (a hung frontend must not hang
// the request) and with their errors translated to HTTP meanings.
import { randomUUID } from 'node:crypto';
import { isGrpcServiceError, ServiceError } from '@temporalio/client';
import { fromTemporal } from './errors';

interface DeadlineClient {
  withDeadline<R>(deadline: number | Date, fn: () => Promise<R>): Promise<R>;
}

interface QueryClient extends DeadlineClient {
  options: { namespace: string };
  workflowService: {
    resetStickyTaskQueue(req: { namespace: string; execution: { workflowId: string } }): Promise<unknown>;
  };
}

/** A first query waits this long before the workflow's stickiness to a worker is reset. */
export const STICKY_QUERY_TRY_MS = 2_500;
const GRPC_DEADLINE_EXCEEDED = 4;

/**
 * A query goes to the worker that has the workflow cached (its sticky queue). If that worker
 * died without a goodbye (kill -9), the server waits about 10 s before it gives up on it. So a
 * query that gets no answer quickly resets the workflow's stickiness (Temporal's
 * ResetStickyTaskQueue, meant for this) and is asked again: any live worker answers.
 */
export async function temporalQuery<T>(
  client: QueryClient,
  timeoutMs: number,
  workflowId: string,
  fn: () => Promise<T>,
  what?: string,
): Promise<T> {
  const first = Math.min(STICKY_QUERY_TRY_MS, timeoutMs);
  try {
    return await client.withDeadline(Date.now() + first, fn);
  } catch (err) {
    const cause = err instanceof ServiceError ? err.cause : err;
    const timedOut = isGrpcServiceError(cause) && cause.code === GRPC_DEADLINE_EXCEEDED;
    if (!timedOut || first >= timeoutMs) throw fromTemporal(err, what);
  }
  await client.workflowService
    .resetStickyTaskQueue({ namespace: client.options.namespace, execution: { workflowId } })
    .catch(() => undefined);
  return temporalCall(client, timeoutMs - first, fn, what);
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

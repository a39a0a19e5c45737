// Every client call the gateway makes, bounded by a deadline (a hung frontend must not hang an
// HTTP request) and with its errors sorted by toGatewayError.
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { isDeadlineExceeded, isUnappliedUpdate, toGatewayError, type Subject } from './gateway-errors';

/** A first query waits this long before the workflow's stickiness to a worker is reset. */
const STICKY_QUERY_TRY_MS = 2_500;
const UPDATE_ATTEMPTS = 4;

export class TemporalCalls {
  constructor(
    readonly client: Client,
    private readonly timeoutMs: number,
  ) {}

  async call<T>(fn: () => Promise<T>, subject?: Subject, timeoutMs = this.timeoutMs): Promise<T> {
    try {
      return await this.client.withDeadline(Date.now() + timeoutMs, fn);
    } catch (err) {
      throw toGatewayError(err, subject);
    }
  }

  /**
   * A query goes to the worker that has the workflow cached (its sticky queue). If that worker
   * died without a goodbye (kill -9), the server waits about 10 s before it gives up on it. So a
   * query that gets no answer quickly resets the workflow's stickiness (Temporal's
   * ResetStickyTaskQueue, meant for this) and is asked again: any live worker answers.
   */
  async query<T>(workflowId: string, fn: () => Promise<T>, subject?: Subject): Promise<T> {
    const first = Math.min(STICKY_QUERY_TRY_MS, this.timeoutMs);
    try {
      return await this.client.withDeadline(Date.now() + first, fn);
    } catch (err) {
      if (!isDeadlineExceeded(err) || first >= this.timeoutMs) throw toGatewayError(err, subject);
    }
    const { client } = this;
    await client.workflowService
      .resetStickyTaskQueue({ namespace: client.options.namespace, execution: { workflowId } })
      .catch(() => undefined);
    return this.call(fn, subject, this.timeoutMs - first);
  }

  /** Runs an update (given its update id) with the deadline, retrying an unapplied one briefly. */
  async update<T>(run: (updateId: string) => Promise<T>, subject?: Subject): Promise<T> {
    const updateId = randomUUID();
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.client.withDeadline(Date.now() + this.timeoutMs, () => run(updateId));
      } catch (err) {
        if (attempt >= UPDATE_ATTEMPTS || !isUnappliedUpdate(err)) throw toGatewayError(err, subject);
        await new Promise((r) => setTimeout(r, 100 * attempt));
      }
    }
  }
}
